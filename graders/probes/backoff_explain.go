package probes

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"time"

	"rtlab/graders"
)

// explainBackoff is the live part of `rtlab explain q6`: one session in
// Chromium against the page at base, with every measured delay and the
// verdict of each check, passed or not.
func explainBackoff(ctx context.Context, w io.Writer, base *url.URL, client *http.Client) error {
	p := backoffParams{page: "/", base: 200 * time.Millisecond, max: 3200 * time.Millisecond, attempts: 9, hold: 2500 * time.Millisecond}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	fmt.Fprintf(w, "Loading %s in headless Chromium with base=%d ms, max=%d ms (about 15 s)…\n\n", base, p.base.Milliseconds(), p.max.Milliseconds())
	run := runBackoffSession(ctx, &graders.ProbeEnv{URL: base, HTTP: client, Timeout: 2 * time.Second}, p)
	if run.Err != nil {
		return run.Err
	}
	fmt.Fprintf(w, "  connected: %v, logged \"open\": %v, first message sent: %q, logged the parsed object: %v\n\n",
		run.Connected, run.OpenLogged, run.PingSeen, run.ParsedLogged)
	ideal := p.base
	for i, d := range run.Delays {
		fmt.Fprintf(w, "  attempt %d  %5d ms after the previous close   (no jitter: %5d ms)\n", i+1, d.Milliseconds(), ideal.Milliseconds())
		ideal = min(2*ideal, p.max)
	}
	if run.LastWait > 0 {
		fmt.Fprintf(w, "  then no attempt for %d ms\n", run.LastWait.Milliseconds())
	}
	if run.ResetDelay >= 0 {
		fmt.Fprintf(w, "  accepted, kept open %s, closed: next attempt %d ms later (base is %d ms)\n", p.hold, run.ResetDelay.Milliseconds(), p.base.Milliseconds())
	}
	if fs := growthFactors(run, p); len(fs) > 0 {
		fmt.Fprintf(w, "  growth factors below the cap: %v (median %.2f)\n", roundAll(fs), median(fs))
	}
	fmt.Fprintln(w)
	for _, check := range []string{"open", "ping", "parse", "growth", "cap", "reset"} {
		if err := judgeBackoff(run, p, check); err != nil {
			fmt.Fprintf(w, "  ✗ %-6s %v\n", check, err)
		} else {
			fmt.Fprintf(w, "  ✓ %s\n", check)
		}
	}
	return nil
}

func roundAll(xs []float64) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = math.Round(x*100) / 100
	}
	return out
}
