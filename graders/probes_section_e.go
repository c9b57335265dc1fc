package graders

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"rtlab/graders/scenario"
)

// Probes of section E (middleware and advanced): what a scenario's steps
// cannot say because it depends on time measured across many events.
func init() {
	RegisterProbe("rate-limit-sliding", rateLimitSliding)
	RegisterProbe("log-duration", logDuration)
}

// probeSocket is one Socket.IO connection a probe opened, with what its
// socket received.
type probeSocket struct {
	conn SocketConn
	sock SocketNS
}

func (p *probeSocket) Close() {
	if p != nil && p.conn != nil {
		p.conn.Close()
	}
}

// probeDial opens a connection and joins env.Namespace (or ns when not
// ""), with auth and header. on may be nil.
func probeDial(ctx context.Context, env *ProbeEnv, ns string, auth any, header http.Header, on EventHandlers) (*probeSocket, error) {
	if header == nil {
		header = http.Header{}
	}
	if ns == "" {
		ns = env.Namespace
	}
	dctx, cancel := context.WithTimeout(ctx, env.Timeout)
	defer cancel()
	conn, err := env.Dialer.Dial(dctx, env.URL.String(), &DialOptions{Transport: env.Transport, Header: header, Timeout: env.Timeout})
	if err != nil {
		return nil, &Failure{Reason: "could not open a Socket.IO connection", Actual: scenario.Shorten(err.Error(), 300)}
	}
	sock, err := conn.Join(dctx, ns, auth, on)
	if err != nil {
		conn.Close()
		var refused *ConnectRefused
		if errors.As(err, &refused) {
			return nil, &Failure{Reason: "the server refused the probe's connection to " + ns, Actual: refused.Error()}
		}
		return nil, &Failure{Reason: "could not connect to namespace " + ns, Actual: scenario.Shorten(err.Error(), 300)}
	}
	return &probeSocket{conn: conn, sock: sock}, nil
}

// emitAck emits event with data and decodes the first argument of the
// ack, within env.Timeout.
func (p *probeSocket) emitAck(ctx context.Context, env *ProbeEnv, event string, data any) (map[string]any, error) {
	actx, cancel := context.WithTimeout(ctx, env.Timeout)
	defer cancel()
	args, err := p.sock.EmitWithAck(actx, event, data)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &Failure{Reason: fmt.Sprintf("%s got no acknowledgement within %s", event, env.Timeout), Actual: scenario.Shorten(err.Error(), 300)}
	}
	if len(args) == 0 {
		return nil, &Failure{Reason: event + " was acknowledged with no argument", Expected: "an object with status"}
	}
	var m map[string]any
	if err := json.Unmarshal(args[0], &m); err != nil {
		return nil, &Failure{Reason: event + " was acknowledged with something that is not an object", Actual: scenario.Shorten(string(args[0]), 200)}
	}
	return m, nil
}

func paramDuration(params map[string]any, key string, def time.Duration) (time.Duration, error) {
	switch v := params[key].(type) {
	case nil:
		return def, nil
	case string:
		d, err := time.ParseDuration(v)
		if err != nil {
			return 0, &ScenarioError{fmt.Sprintf("param %s: %v", key, err)}
		}
		return d, nil
	}
	return 0, &ScenarioError{fmt.Sprintf("param %s: a duration such as 3s", key)}
}

func paramInt(params map[string]any, key string, def int) int {
	if v, ok := scenario.ToFloat(params[key]); ok {
		return int(v)
	}
	return def
}

func paramString(params map[string]any, key, def string) string {
	if s, ok := params[key].(string); ok && s != "" {
		return s
	}
	return def
}

// rateLimitSliding tells a sliding window from a fixed one (Q34). A fixed
// window resets its counter at a boundary, so a burst just before the
// boundary and one just after both pass: up to twice the limit in one
// window's time. The probe does not know where a fixed window's
// boundaries are, so it makes the two possible cases visible:
//
//  1. t0: one message (accepted);
//  2. t0+window/2: limit-1 messages (accepted), then one more, which a
//     sliding window refuses (limit messages in the last window). A fixed
//     window whose boundary fell between t0 and now accepts it;
//  3. t0+window+margin: the slot of the t0 message has freed, so one
//     message passes; the next is refused, since the limit-1 messages of
//     step 2 are still in the window. A fixed window that began at t0 (or
//     had its boundary after step 2) has reset and accepts it.
//
// Params: event (default chat-message), limit (default 30), window
// (required, the server's RATE_LIMIT_WINDOW_MS), token (the JWT to
// connect with), settle (default window + 500ms: a pause first, so that
// earlier checks' messages have left the window).
func rateLimitSliding(ctx context.Context, env *ProbeEnv, params map[string]any) error {
	event := paramString(params, "event", "chat-message")
	limit := paramInt(params, "limit", 30)
	window, err := paramDuration(params, "window", 0)
	if err != nil {
		return err
	}
	if window <= 0 || limit < 2 {
		return &ScenarioError{"rate-limit-sliding needs window: (the server's window, 3s) and limit: ≥ 2"}
	}
	settle, err := paramDuration(params, "settle", window+500*time.Millisecond)
	if err != nil {
		return err
	}
	margin := min(window/10, 500*time.Millisecond)
	var auth any = map[string]any{}
	if tok := paramString(params, "token", ""); tok != "" {
		auth = map[string]any{"token": tok}
	}
	if err := sleepCtx(ctx, settle); err != nil {
		return err
	}
	p, err := probeDial(ctx, env, "", auth, nil, EventHandlers{})
	if err != nil {
		return err
	}
	defer p.Close()

	n := 0
	send := func() (map[string]any, error) {
		n++
		return p.emitAck(ctx, env, event, map[string]any{"text": fmt.Sprintf("rate probe %d", n)})
	}
	refused := func(a map[string]any) bool { return a["status"] == "error" && a["code"] == "RATE_LIMITED" }
	mustPass := func(step string) error {
		a, err := send()
		if err != nil {
			return err
		}
		if a["status"] != "ok" {
			return &Failure{Reason: fmt.Sprintf("%s: message %d was refused", step, n),
				Expected: `{"status":"ok"}`, Actual: scenario.Describe(scenario.Normalize(a))}
		}
		return nil
	}

	t0 := time.Now()
	if err := mustPass("the first message of a quiet window"); err != nil {
		return err
	}
	if err := sleepCtx(ctx, time.Until(t0.Add(window/2))); err != nil {
		return err
	}
	for i := 1; i < limit; i++ {
		if err := mustPass(fmt.Sprintf("%d messages in the last %s (the limit is %d)", i+1, window, limit)); err != nil {
			return err
		}
	}
	a, err := send()
	if err != nil {
		return err
	}
	if !refused(a) {
		return &Failure{
			Reason: fmt.Sprintf("message %d, sent %s after the first, was accepted although %d were accepted in the last %s: the window restarted in between (a fixed window)",
				limit+1, time.Since(t0).Round(10*time.Millisecond), limit, window),
			Expected: `{"status":"error","code":"RATE_LIMITED",…}`, Actual: scenario.Describe(scenario.Normalize(a))}
	}
	if err := sleepCtx(ctx, time.Until(t0.Add(window+margin))); err != nil {
		return err
	}
	if err := mustPass(fmt.Sprintf("%s after the first message its slot is free again", time.Since(t0).Round(10*time.Millisecond))); err != nil {
		return err
	}
	a, err = send()
	if err != nil {
		return err
	}
	if !refused(a) {
		return &Failure{
			Reason: fmt.Sprintf("%s after the first message, a second message was accepted although the %d sent %s after it are still in the last %s: all slots came back at once (a fixed window reset)",
				time.Since(t0).Round(10*time.Millisecond), limit-1, window/2, window),
			Expected: `{"status":"error","code":"RATE_LIMITED",…}`, Actual: scenario.Describe(scenario.Normalize(a))}
	}
	return nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// logDuration checks the durationMs of a disconnect log line (Q32)
// against the duration the grader itself measured: it connects (with the
// user_agent param as User-Agent), holds the connection for hold (default
// 1500ms), leaves politely, and waits up to --timeout for the server's
// JSON line {"event":"disconnect","socketId":…,"durationMs":…}, which must
// be within tolerance (default 250ms) of the measured duration. Needs the
// managed server's output (--cmd).
func logDuration(ctx context.Context, env *ProbeEnv, params map[string]any) error {
	if env.Server == nil {
		return &ScenarioError{"log-duration reads the server's output: it needs --cmd"}
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
	p, err := probeDial(ctx, env, "", map[string]any{}, h, EventHandlers{})
	if err != nil {
		return err
	}
	defer p.Close()
	id := p.sock.ID()
	start := time.Now()
	if err := sleepCtx(ctx, hold); err != nil {
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
	env.Server.waitLines(wctx, func(lines []logLine) bool {
		for _, l := range lines {
			if l.stream != "stdout" {
				continue
			}
			var m map[string]any
			if json.Unmarshal([]byte(l.text), &m) != nil || m["event"] != "disconnect" || fmt.Sprint(m["socketId"]) != id {
				continue
			}
			line = l.text
			got, found = scenario.ToFloat(m["durationMs"])
			return true
		}
		return false
	})
	if line == "" {
		return &Failure{Reason: fmt.Sprintf("no disconnect line for socket %s on stdout within %s", id, env.Timeout),
			Expected: fmt.Sprintf(`{"event":"disconnect","socketId":%q,"reason":…,"durationMs":…}`, id)}
	}
	if !found {
		return &Failure{Reason: "the disconnect line has no numeric durationMs", Actual: scenario.Shorten(line, 300)}
	}
	diff := time.Duration(got*float64(time.Millisecond)) - real
	if diff < -tol || diff > tol {
		return &Failure{Reason: fmt.Sprintf("durationMs is %s; the grader held the connection for %s", scenario.FormatNumber(got), real.Round(time.Millisecond)),
			Expected: fmt.Sprintf("%d ± %d (milliseconds)", real.Milliseconds(), tol.Milliseconds()),
			Actual:   scenario.Shorten(line, 300)}
	}
	return nil
}
