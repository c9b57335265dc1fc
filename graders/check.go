package graders

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"rtlab/graders/scenario"
)

// checkRun is the state of one running check: its clients and variables.
type checkRun struct {
	ctx   context.Context
	sc    *scenario.Scenario
	check *scenario.Check
	opts  *Options
	base  *url.URL
	http  *http.Client
	vars  *vars
	bg    *sync.WaitGroup

	mu      sync.Mutex
	clients map[string]*client
	order   []*client
	last    *client // the client of the last failing step, for context
}

func runCheck(parent context.Context, sc *scenario.Scenario, c *scenario.Check, o *Options, base *url.URL, httpc *http.Client, bg *sync.WaitGroup) (res CheckResult) {
	start := time.Now()
	res = CheckResult{ID: c.ID, Name: c.Name, Hint: strings.TrimSpace(c.Hint)}
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = o.CheckTimeout
	}
	ctx, cancel := context.WithTimeout(parent, timeout)
	defer cancel()
	r := &checkRun{ctx: ctx, sc: sc, check: c, opts: o, base: base, http: httpc, vars: newVars(),
		clients: map[string]*client{}, bg: bg}
	r.vars.set("url", base.String())
	defer func() {
		if r.closeAll() > 0 {
			// Let the server see the closes before the next check counts
			// its clients: a leftover would be blamed on the wrong check.
			t := time.NewTimer(o.Settle)
			select {
			case <-t.C:
			case <-parent.Done():
				t.Stop()
			}
		}
		res.Duration = time.Since(start)
	}()
	defer func() {
		if p := recover(); p != nil {
			res.Status = Fail
			res.Harness = true
			res.Reason = fmt.Sprintf("grader bug: panic: %v", p)
			res.Actual = firstLines(string(debug.Stack()), 8)
		}
	}()
	err := r.runSteps(ctx, r.vars, c.Steps)
	if err == nil {
		res.Status = Pass
		return res
	}
	var skip *SkipError
	if errors.As(err, &skip) {
		res.Status = Skip
		res.Reason = skip.Reason
		return res
	}
	res.Status = Fail
	var f *Failure
	var se *ScenarioError
	switch {
	case errors.As(err, &f):
		res.Reason, res.Expected, res.Actual, res.Recent = f.Reason, f.Expected, f.Actual, f.Recent
	case errors.As(err, &se):
		res.Reason = se.Error()
		res.Harness = true
	case ctx.Err() != nil && parent.Err() == nil:
		res.Reason = fmt.Sprintf("the check did not finish within its %s deadline: %v", timeout, err)
	case parent.Err() != nil:
		res.Reason = "stopped: the grader's overall deadline passed"
		res.Harness = true
	default:
		res.Reason = err.Error()
	}
	if res.Recent == nil {
		if cl := r.lastClient(); cl != nil {
			res.Recent = cl.recent(5)
		}
	}
	return res
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, "\n")
}

func (r *checkRun) lastClient() *client {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.last
}

func (r *checkRun) setLast(c *client) {
	r.mu.Lock()
	r.last = c
	r.mu.Unlock()
}

// closeAll closes every client of the check, gracefully, concurrently,
// and returns how many there were.
func (r *checkRun) closeAll() int {
	r.mu.Lock()
	cs := append([]*client(nil), r.order...)
	r.mu.Unlock()
	var wg sync.WaitGroup
	for _, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.close("graceful")
		}()
	}
	wg.Wait()
	return len(cs)
}

// runSteps runs steps in order; the first error ends them.
func (r *checkRun) runSteps(ctx context.Context, v *vars, steps []*scenario.Step) error {
	for _, s := range steps {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := r.runStep(ctx, v, s); err != nil {
			return err
		}
	}
	return nil
}

// stepRun runs steps with one set of variables: the check's, or a loop
// iteration's copy. It shares the check's clients.
type stepRun struct {
	*checkRun
	vars *vars
}

func (r *checkRun) runStep(ctx context.Context, v *vars, s *scenario.Step) error {
	sr := &stepRun{checkRun: r, vars: v}
	switch s.Kind {
	case "connect":
		return sr.connect(ctx, s.Connect)
	case "emit":
		return sr.emit(ctx, s.Emit)
	case "expect":
		return sr.expect(ctx, s.Expect)
	case "expect_none":
		return sr.expectNone(ctx, s.ExpectNone)
	case "disconnect":
		return sr.disconnect(ctx, s.Disconnect)
	case "http":
		return sr.httpStep(ctx, s.HTTP)
	case "sse":
		return sr.sseStep(ctx, s.SSE)
	case "wait":
		return Wait(ctx, s.Wait)
	case "repeat":
		for i := 1; i <= s.Repeat.Times; i++ {
			if s.Repeat.As != "" {
				v.set(s.Repeat.As, float64(i))
			}
			if err := r.runSteps(ctx, v, s.Repeat.Steps); err != nil {
				if s.Repeat.Times > 1 {
					return prefixFailure(err, fmt.Sprintf("round %d of %d: ", i, s.Repeat.Times))
				}
				return err
			}
		}
		return nil
	case "parallel":
		return r.parallel(ctx, v, s.Parallel)
	case "assert":
		return sr.assert(ctx, s.Assert)
	case "log":
		return sr.logStep(ctx, s.Log)
	case "probe":
		return sr.probe(ctx, s.Probe)
	case "set":
		for k, val := range s.Set {
			ev, err := sr.expand(val)
			if err != nil {
				return err
			}
			v.set(k, scenario.Normalize(ev))
		}
		return nil
	}
	return &ScenarioError{fmt.Sprintf("unknown step %q", s.Kind)}
}

func prefixFailure(err error, prefix string) error {
	var f *Failure
	if errors.As(err, &f) {
		cp := *f
		cp.Reason = prefix + cp.Reason
		return &cp
	}
	return err
}

// parallel runs copies or branches at once and reports the first failure.
func (r *checkRun) parallel(ctx context.Context, v *vars, p *scenario.ParallelStep) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var branches [][]*scenario.Step
	var bvars []*vars
	if len(p.Branches) > 0 {
		for _, b := range p.Branches {
			branches = append(branches, b)
			bvars = append(bvars, v)
		}
	} else {
		for i := 1; i <= p.Times; i++ {
			branches = append(branches, p.Steps)
			if p.As != "" {
				bvars = append(bvars, v.child(p.As, float64(i)))
			} else {
				bvars = append(bvars, v)
			}
		}
	}
	errs := make([]error, len(branches))
	var wg sync.WaitGroup
	for i := range branches {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if p := recover(); p != nil {
					errs[i] = &ScenarioError{fmt.Sprintf("grader bug: panic: %v", p)}
					cancel()
				}
			}()
			errs[i] = r.runSteps(ctx, bvars[i], branches[i])
			if errs[i] != nil {
				cancel()
			}
		}()
	}
	wg.Wait()
	// Captures made in iterations become visible to later steps.
	for _, bv := range bvars {
		if bv != v {
			bv.mu.Lock()
			m := make(map[string]any, len(bv.m))
			for k, val := range bv.m {
				if k != p.As {
					m[k] = val
				}
			}
			bv.mu.Unlock()
			v.merge(m)
		}
	}
	// Prefer a student's failure over the cancellations it caused.
	for _, err := range errs {
		var f *Failure
		if errors.As(err, &f) {
			return err
		}
	}
	for _, err := range errs {
		if err != nil && !errors.Is(err, context.Canceled) {
			return err
		}
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// Wait pauses for d, or until ctx ends (its error then): the wait step,
// and a probe's pause between two things it sends. A pause is part of
// what a check measures, never a way to let a server catch up.
func Wait(ctx context.Context, d time.Duration) error {
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
