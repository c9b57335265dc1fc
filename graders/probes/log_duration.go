package probes

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"rtlab/graders"

	"rtlab/graders/scenario"
)

// logDuration checks the durationMs of a disconnect log line (Q32)
// against the duration the grader itself measured: it connects (with the
// user_agent param as User-Agent), holds the connection for hold (default
// 1500ms), leaves politely, and waits up to --timeout for the server's
// JSON line {"event":"disconnect","socketId":…,"durationMs":…}, which must
// be within tolerance (default 250ms) of the measured duration. Needs the
// managed server's output (--cmd).
func logDuration(ctx context.Context, env *graders.ProbeEnv, params map[string]any) error {
	if env.Server == nil {
		return &graders.ScenarioError{Msg: "log-duration reads the server's output: it needs --cmd"}
	}
	hold, err := paramDuration(params, "hold", 1500*time.Millisecond)
	if err != nil {
		return err
	}
	tol, err := paramDuration(params, "tolerance", 250*time.Millisecond)
	if err != nil {
		return err
	}
	h := http.Header{}
	if ua := paramString(params, "user_agent", ""); ua != "" {
		h.Set("User-Agent", ua)
	}
	p, err := probeDial(ctx, env, "", map[string]any{}, h, nil)
	if err != nil {
		return err
	}
	defer p.Close()
	id := p.sock.ID()
	start := time.Now()
	if err := graders.Wait(ctx, hold); err != nil {
		return err
	}
	p.sock.Disconnect()
	real := time.Since(start)
	p.Close()

	var line string
	var got float64
	found := false
	wctx, cancel := context.WithTimeout(ctx, env.Timeout)
	defer cancel()
	env.Server.WaitLines(wctx, func(lines []graders.LogLine) bool {
		for _, l := range lines {
			if l.Stream != "stdout" {
				continue
			}
			var m map[string]any
			if json.Unmarshal([]byte(l.Text), &m) != nil || m["event"] != "disconnect" || fmt.Sprint(m["socketId"]) != id {
				continue
			}
			line = l.Text
			got, found = scenario.ToFloat(m["durationMs"])
			return true
		}
		return false
	})
	if line == "" {
		return &graders.Failure{Reason: fmt.Sprintf("no disconnect line for socket %s on stdout within %s", id, env.Timeout),
			Expected: fmt.Sprintf(`{"event":"disconnect","socketId":%q,"reason":…,"durationMs":…}`, id)}
	}
	if !found {
		return &graders.Failure{Reason: "the disconnect line has no numeric durationMs", Actual: scenario.Shorten(line, 300)}
	}
	diff := time.Duration(got*float64(time.Millisecond)) - real
	if diff < -tol || diff > tol {
		return &graders.Failure{Reason: fmt.Sprintf("durationMs is %s; the grader held the connection for %s", scenario.FormatNumber(got), real.Round(time.Millisecond)),
			Expected: fmt.Sprintf("%d ± %d (milliseconds)", real.Milliseconds(), tol.Milliseconds()),
			Actual:   scenario.Shorten(line, 300)}
	}
	return nil
}
