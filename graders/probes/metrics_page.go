package probes

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"rtlab/graders"
	"rtlab/reference"
)

// pageMetrics judges one check of a Q14 dashboard (clients.md, Q14):
// eventsource, values, status or reconnect (params.check). The first
// check runs the whole session (about 10 s); the others read its
// verdicts.
func pageMetrics(ctx context.Context, env *graders.ProbeEnv, params map[string]any) error {
	return judgePage(ctx, env, params, "q14", "page-metrics", runMetrics)
}

// metricsPath is Q14's stream.
const metricsPath = "/api/metrics/stream"

// Q14's windows (clients.md).
const (
	q14StreamWithin       = 3 * time.Second
	q14Samples            = 3 // samples sent before the pause
	q14Settle             = time.Second
	q14Hold               = 2 * time.Second // the request after the end is held this long
	q14ReconnectingWithin = time.Second
	q14ValuesWithin       = 4 * time.Second // new values after the end
)

// metricSample is a Q14 event as sent.
type metricSample struct {
	CPU    float64 `json:"cpu"`
	Memory struct {
		Percent float64 `json:"percent"`
	} `json:"memory"`
	Stream int
}

func sentSamples(c *reference.StreamControl) []metricSample {
	var out []metricSample
	for _, e := range c.Sent() {
		var m metricSample
		if json.Unmarshal([]byte(e.Data), &m) == nil {
			m.Stream = e.Stream
			out = append(out, m)
		}
	}
	return out
}

// dashboard is what the page shows.
type dashboard struct {
	CPU, Memory     PageElement
	State           string // #status's data-state, "" without one
	HasStatus       bool
	cpuOK, memoryOK bool
}

const dashboardJS = `(() => {
  const read = (sel) => { const el = document.querySelector(sel); if (!el) return null;
    return { text: el.textContent, shown: el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden" }; };
  const st = document.querySelector("#status");
  return { cpu: read("#cpu"), memory: read("#memory"), hasStatus: !!st, state: st ? (st.getAttribute("data-state") || "") : "" };
})()`

func readDashboard(ctx context.Context, s *PageSession) (dashboard, error) {
	type el struct {
		Text  string `json:"text"`
		Shown bool   `json:"shown"`
	}
	var raw struct {
		CPU       *el    `json:"cpu"`
		Memory    *el    `json:"memory"`
		HasStatus bool   `json:"hasStatus"`
		State     string `json:"state"`
	}
	if err := s.Eval(ctx, dashboardJS, &raw); err != nil {
		return dashboard{}, err
	}
	d := dashboard{State: raw.State, HasStatus: raw.HasStatus}
	if raw.CPU != nil {
		d.CPU, d.cpuOK = PageElement{Text: NormalizeText(raw.CPU.Text), Shown: raw.CPU.Shown}, true
	}
	if raw.Memory != nil {
		d.Memory, d.memoryOK = PageElement{Text: NormalizeText(raw.Memory.Text), Shown: raw.Memory.Shown}, true
	}
	return d, nil
}

func (d dashboard) String() string {
	show := func(name string, e PageElement, ok bool) string {
		if !ok {
			return "no " + name
		}
		return fmt.Sprintf("%s %q", name, e.Text)
	}
	st := "no #status"
	if d.HasStatus {
		st = fmt.Sprintf("#status data-state=%q", d.State)
	}
	return show("#cpu", d.CPU, d.cpuOK) + ", " + show("#memory", d.Memory, d.memoryOK) + ", " + st
}

// shows reports whether the element shows v, within what its number of
// decimals allows (±0.51 for none, ±0.051 for one …).
func shows(e PageElement, ok bool, v float64) bool {
	if !ok || e.Empty() {
		return false
	}
	got, dec, isNum := ParseNumber(e.Text)
	return isNum && math.Abs(got-v) <= 0.51*math.Pow(10, -float64(dec))
}

// runMetrics drives a Q14 dashboard against samples every 500 ms (retry:
// 500): the stream request; 3 samples, a pause, the numbers read; the
// stream ended with the next request held 2 s, the status and the new
// values watched.
func runMetrics(ctx context.Context, h *PageHarness) *pageOutcome {
	t := newTrial("eventsource", "values", "status", "reconnect")
	ctl := h.Hooks.Streams
	if err := t.open(ctx, h, nil); err != nil {
		return t.fail(err)
	}
	defer t.close()
	defer ctl.Resume()
	s, v := t.s, t.v

	v["eventsource"] = judgeEventSource(ctx, s, metricsPath, s.Loaded, q14StreamWithin)
	if v["eventsource"] != nil {
		return t.out
	}

	// values: 3 samples, a pause, 1 s, the numbers.
	d, err := metricsValues(ctx, t, ctl)
	if err != nil {
		return t.fail(err)
	}
	liveAfterSample := d.State
	ctl.Resume()

	// status and reconnect: the stream ended, the next request held 2 s.
	w, err := watchReconnection(ctx, s, ctl)
	if err != nil {
		return t.fail(err)
	}
	if !w.valuesAgain {
		v["reconnect"] = &graders.Failure{
			Reason:   "the grader ended the stream: no new values showed within 4 s",
			Expected: "the EventSource reconnecting by itself (retry: 500) and the numbers following the new stream: leave it open in onerror",
			Actual:   w.lastSeen.String() + "; " + s.Context(6)}
	} else {
		v["reconnect"] = judgeOneStream(s, metricsPath)
	}
	v["status"] = judgeStatus(d, liveAfterSample, w)
	return t.out
}

// metricsValues judges values: once the stream has sent 3 samples it is
// paused; 1 s later the page must show the last. It returns the
// dashboard read then; an error is the grader's.
func metricsValues(ctx context.Context, t *pageTrial, ctl *reference.StreamControl) (dashboard, error) {
	if !waitFor(ctx, 5*time.Second, func() bool { return len(sentSamples(ctl)) >= q14Samples }) {
		return dashboard{}, fmt.Errorf("the Q14 stream sent %d samples in 5 s, not %d", len(sentSamples(ctl)), q14Samples)
	}
	ctl.Pause()
	if err := Wait(ctx, q14Settle); err != nil {
		return dashboard{}, err
	}
	samples := sentSamples(ctl)
	last := samples[len(samples)-1]
	d, err := readDashboard(ctx, t.s)
	if err != nil {
		return dashboard{}, err
	}
	t.v["values"] = judgeValues(t.s, d, last, len(samples))
	return d, nil
}

// reconnection is what a Q14 page showed after the grader ended its
// stream and held the next request.
type reconnection struct {
	states          []string // data-state as it changed, for the failure
	sawReconnecting bool     // "reconnecting" within 1 s of the end
	sawLiveAgain    bool     // "live" after that
	valuesAgain     bool     // a sample of the new stream shown within 4 s
	lastSeen        dashboard
}

// watchReconnection ends the stream, holds the next request 2 s, and
// reads the dashboard every 50 ms until it is live again with new
// values, or 6 s have passed.
func watchReconnection(ctx context.Context, s *PageSession, ctl *reference.StreamControl) (reconnection, error) {
	var w reconnection
	streamsBefore := ctl.Streams()
	ctl.HoldNext(q14Hold)
	ctl.End()
	ended := time.Now()
	prevState := "\x00"
	for time.Since(ended) < q14Hold+q14ValuesWithin {
		d, err := readDashboard(ctx, s)
		if err != nil {
			return w, err
		}
		w.lastSeen = d
		if d.State != prevState {
			prevState = d.State
			w.states = append(w.states, fmt.Sprintf("%q at %s", d.State, s.Since(time.Now())))
		}
		if d.State == "reconnecting" && time.Since(ended) <= q14ReconnectingWithin+200*time.Millisecond {
			w.sawReconnecting = true
		}
		if w.sawReconnecting && d.State == "live" {
			w.sawLiveAgain = true
		}
		if !w.valuesAgain && time.Since(ended) <= q14ValuesWithin {
			w.valuesAgain = showsNewSample(d, sentSamples(ctl), streamsBefore)
		}
		if w.sawLiveAgain && w.valuesAgain {
			break
		}
		if Wait(ctx, 50*time.Millisecond) != nil {
			return w, ctx.Err()
		}
	}
	return w, nil
}

// showsNewSample reports whether d shows both numbers of a sample sent
// on a stream opened after the first streamsBefore.
func showsNewSample(d dashboard, samples []metricSample, streamsBefore int) bool {
	for _, m := range samples {
		if m.Stream > streamsBefore && shows(d.CPU, d.cpuOK, m.CPU) && shows(d.Memory, d.memoryOK, m.Memory.Percent) {
			return true
		}
	}
	return false
}

// judgeStatus: #status said "live" after a sample (liveAfterSample, with
// d the dashboard read then), "reconnecting" within 1 s of the stream's
// end, and "live" again after.
func judgeStatus(d dashboard, liveAfterSample string, w reconnection) error {
	switch {
	case liveAfterSample != "live":
		return &graders.Failure{Reason: fmt.Sprintf("after a sample #status has data-state %q, not \"live\"", liveAfterSample),
			Expected: `#status data-state="live" once a sample arrived`, Actual: d.String()}
	case !w.sawReconnecting:
		return &graders.Failure{
			Reason:   "the grader ended the stream and held the next request 2 s: #status did not say \"reconnecting\" within 1 s",
			Expected: `data-state="reconnecting" in es.onerror (stale numbers must not look live), "live" again on the next sample`,
			Actual:   "data-state was " + joinStates(w.states)}
	case !w.sawLiveAgain:
		return &graders.Failure{
			Reason:   "after the reconnection #status did not say \"live\" again",
			Expected: `data-state="live" on the next sample`,
			Actual:   "data-state was " + joinStates(w.states)}
	}
	return nil
}

func joinStates(states []string) string {
	if len(states) == 0 {
		return "never read"
	}
	out := states[0]
	for _, s := range tailN(states[1:], 6) {
		out += ", then " + s
	}
	return out
}

// judgeValues: #cpu shows cpu and #memory memory.percent of the last
// sample, within the page's rounding.
func judgeValues(s *PageSession, d dashboard, last metricSample, n int) error {
	did := fmt.Sprintf("the grader paused the stream after %d samples (the last: cpu %.2f, memory.percent %.2f): 1 s later", n, last.CPU, last.Memory.Percent)
	switch {
	case !shows(d.CPU, d.cpuOK, last.CPU):
		return &graders.Failure{Reason: did + fmt.Sprintf(" #cpu shows %q", d.CPU.Text),
			Expected: fmt.Sprintf("#cpu showing %.2f (rounded as you like: %.1f, %.0f)", last.CPU, last.CPU, last.CPU),
			Actual:   d.String() + "; " + s.Context(4)}
	case !shows(d.Memory, d.memoryOK, last.Memory.Percent):
		return &graders.Failure{Reason: did + fmt.Sprintf(" #memory shows %q", d.Memory.Text),
			Expected: fmt.Sprintf("#memory showing memory.percent, %.2f (memory is an object: {usedBytes, totalBytes, percent})", last.Memory.Percent),
			Actual:   d.String() + "; " + s.Context(4)}
	}
	return nil
}
