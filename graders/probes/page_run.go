package probes

import (
	"context"
	"fmt"
	"net/url"

	"rtlab/graders"
)

// What every browser-page probe (one *_page.go an exercise) does around
// the steps particular to its page: one session a harness, run the first
// time any of its checks is asked for, whose verdicts the other checks
// read; the page opened, closed, and the checks the session never reached
// skipped. Each *_page.go then holds only its own steps and judgements.

// verdicts are a page session's results, one per check id: nil for a
// pass. A probe's check returns its own.
type verdicts map[string]error

// pageOutcome is what a cached page session leaves: the verdicts, or the
// harness problem that stopped it.
type pageOutcome struct {
	checks verdicts
	err    error
}

// verdict returns check's result from a cached session.
func (o *pageOutcome) verdict(probe, check string) error {
	if o.err != nil {
		return sessionError(o.err)
	}
	v, ok := o.checks[check]
	if !ok {
		return &graders.ScenarioError{Msg: fmt.Sprintf("%s: params.check %q is not one of its checks", probe, check)}
	}
	return v
}

// judgePage is the whole of a page probe named probe, for exercise: the
// check params.check names, out of the one session run runs on the
// harness (the first check asked for runs it; the others wait for it).
func judgePage(ctx context.Context, env *graders.ProbeEnv, params map[string]any, exercise, probe string,
	run func(context.Context, *PageHarness) *pageOutcome) error {
	h, err := harnessOf(env, exercise)
	if err != nil {
		return err
	}
	check, _ := params["check"].(string)
	out := h.Once(probe, func() any { return run(ctx, h) }).(*pageOutcome)
	return out.verdict(probe, check)
}

// pageTrial is a page session under way: the verdicts given so far, the
// outcome they go into and, once opened, the page. Its methods are the
// exits every run* function takes: a harness problem (fail), a failure
// every check shares (failAll), a context ended (stopped).
type pageTrial struct {
	v      verdicts
	out    *pageOutcome
	s      *PageSession
	checks []string // every check of the probe, to skip those not reached
}

// newTrial starts a session of a probe whose checks are checks.
func newTrial(checks ...string) *pageTrial {
	v := verdicts{}
	return &pageTrial{v: v, out: &pageOutcome{checks: v}, checks: checks}
}

// open opens the page of h with query. Once it returns nil, the caller
// defers close.
func (t *pageTrial) open(ctx context.Context, h *PageHarness, query url.Values) error {
	s, err := h.OpenPage(ctx, query)
	if err != nil {
		return err
	}
	t.s = s
	return nil
}

// close skips the checks the session did not reach, whatever cut it
// short, and closes the page.
func (t *pageTrial) close() {
	skipUnjudged(t.v, "the page session ended early", t.checks...)
	t.s.Close()
}

// fail ends the session with a problem of the grader's own (not the
// page's), which every check reports.
func (t *pageTrial) fail(err error) *pageOutcome {
	t.out.err = err
	return t.out
}

// failAll ends the session with f as the verdict of every check: the
// page missed something all of them need.
func (t *pageTrial) failAll(f error) *pageOutcome {
	for _, id := range t.checks {
		t.v[id] = f
	}
	return t.out
}

// stopped reports whether ctx has ended, and then records its error as
// the session's.
func (t *pageTrial) stopped(ctx context.Context) bool {
	if ctx.Err() != nil {
		t.out.err = ctx.Err()
		return true
	}
	return false
}

// skipUnjudged marks the checks of ids that have no verdict yet as skipped.
func skipUnjudged(v verdicts, reason string, ids ...string) {
	for _, id := range ids {
		if _, done := v[id]; !done {
			v[id] = graders.Skipf("%s", reason)
		}
	}
}
