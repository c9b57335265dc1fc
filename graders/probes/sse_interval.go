package probes

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"rtlab/graders"

	"rtlab/graders/scenario"
)

// sseInterval checks the rhythm of a Server-Sent Events stream, which a
// step cannot: the first event within first_within, then one every
// `every` ± tolerance (a fraction). Params:
//
//	path          the stream (required)
//	every         the promised interval (required), "2s"
//	tolerance     allowed deviation as a fraction (default 0.2)
//	events        how many intervals to measure (default 3)
//	first_within  deadline of the first event (default 3s)
func sseInterval(ctx context.Context, env *graders.ProbeEnv, params map[string]any) error {
	path, _ := params["path"].(string)
	everyS, _ := params["every"].(string)
	every, err := time.ParseDuration(everyS)
	if path == "" || err != nil || every <= 0 {
		return &graders.ScenarioError{Msg: "sse-interval needs params path: and every: (a duration such as 2s)"}
	}
	tol := 0.2
	if v, ok := scenario.ToFloat(params["tolerance"]); ok {
		tol = v
	}
	n := 3
	if v, ok := scenario.ToFloat(params["events"]); ok && v >= 1 {
		n = int(v)
	}
	first := 3 * time.Second
	if s, ok := params["first_within"].(string); ok {
		if d, err := time.ParseDuration(s); err == nil {
			first = d
		}
	}
	budget := first + time.Duration(float64(every)*(1+tol))*time.Duration(n) + time.Second
	ctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	u, err := env.URL.Parse(path)
	if err != nil {
		return &graders.ScenarioError{Msg: fmt.Sprintf("bad path %q", path)}
	}
	req, _ := http.NewRequestWithContext(ctx, "GET", u.String(), nil)
	req.Header.Set("Accept", "text/event-stream")
	start := time.Now()
	resp, err := env.HTTP.Do(req)
	if err != nil {
		return &graders.Failure{Reason: "GET " + path + " failed", Actual: scenario.Shorten(err.Error(), 300)}
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return &graders.Failure{Reason: "GET " + path + " answered " + resp.Status, Expected: "200 and a stream"}
	}
	lo, hi := time.Duration(float64(every)*(1-tol)), time.Duration(float64(every)*(1+tol))
	var times []time.Duration
	sc := bufio.NewScanner(resp.Body)
	hasData := false
	for len(times) < n+1 && sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "data:") {
			hasData = true
		}
		if line != "" || !hasData {
			continue
		}
		hasData = false
		at := time.Since(start)
		if len(times) == 0 && at > first {
			return &graders.Failure{Reason: fmt.Sprintf("the first event of %s came after %s", path, at.Round(time.Millisecond)),
				Expected: fmt.Sprintf("within %s", first)}
		}
		if k := len(times); k > 0 {
			gap := at - times[k-1]
			if gap < lo || gap > hi {
				return &graders.Failure{Reason: fmt.Sprintf("events of %s are not %s apart", path, every),
					Expected: fmt.Sprintf("%s to %s between events", lo, hi),
					Actual:   fmt.Sprintf("%s between event %d and %d", gap.Round(time.Millisecond), k, k+1)}
			}
		}
		times = append(times, at)
	}
	if len(times) < n+1 {
		return &graders.Failure{Reason: fmt.Sprintf("%s gave %d events in %s", path, len(times), time.Since(start).Round(time.Millisecond)),
			Expected: fmt.Sprintf("%d events, one every %s", n+1, every)}
	}
	return nil
}
