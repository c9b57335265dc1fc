package graders

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"rtlab/graders/scenario"
)

// Options configure a grading run. A nil *Options means the defaults.
type Options struct {
	// URL is the server's base URL (http://, https://). Required.
	URL string
	// Timeout is how long an expected event may take. Default 2s, the
	// contract's --timeout.
	Timeout time.Duration
	// QuietPeriod is how long "must not receive" listens. Default 300ms.
	QuietPeriod time.Duration
	// CheckTimeout bounds a check that sets no timeout. Default 15s.
	CheckTimeout time.Duration
	// Settle is the pause after a check that opened clients, so that the
	// server has seen them leave before the next check. Default 100ms.
	Settle time.Duration
	// Transport is websocket (default) or polling.
	Transport string
	// NamespacePrefix goes in front of every namespace ("/q17" makes "/"
	// into "/q17" and "/admin" into "/q17/admin"). "{exercise}" in it is
	// replaced by the exercise id. Default none.
	NamespacePrefix string
	// JWTSecret signs minted tokens. Default "rtlab-dev-secret".
	JWTSecret string
	// Server is the managed server started by --cmd, whose logs log steps
	// read. Nil means checks that need --cmd are skipped.
	Server *Process
	// Dialer opens Socket.IO connections. Default: package socketio.
	Dialer SocketDialer
	// Nginx describes the nginx rtlab started at URL (Q8) for the probes
	// that read its configuration. Default nil: the server at URL is not
	// one rtlab started.
	Nginx *Nginx
	// Probes are the probes probe steps may call. Default none: a probe
	// step then fails as a scenario error (unknown probe).
	Probes *Probes
	// OnCheck is called after each check (for progress bars). It must not
	// block for long.
	OnCheck func(exercise string, r CheckResult)
}

func (o *Options) withDefaults() Options {
	var out Options
	if o != nil {
		out = *o
	}
	if out.Timeout <= 0 {
		out.Timeout = 2 * time.Second
	}
	if out.QuietPeriod <= 0 {
		out.QuietPeriod = 300 * time.Millisecond
	}
	if out.CheckTimeout <= 0 {
		out.CheckTimeout = 15 * time.Second
	}
	if out.Settle <= 0 {
		out.Settle = 100 * time.Millisecond
	}
	if out.Transport == "" {
		out.Transport = "websocket"
	}
	if out.JWTSecret == "" {
		out.JWTSecret = "rtlab-dev-secret"
	}
	if out.Dialer == nil {
		out.Dialer = defaultDialer
	}
	return out
}

// defaultDialer is set by sio.go once package socketio is wired.
var defaultDialer SocketDialer

// UnreachableError says the server could not be reached at all: the
// grader exits 2, since no check could say anything.
type UnreachableError struct {
	URL string
	Err error
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("cannot reach %s: %v (is the server running on that port?)", e.URL, e.Err)
}

func (e *UnreachableError) Unwrap() error { return e.Err }

// Run grades one exercise: its checks in file order, each with its own
// deadline, all clients closed before it returns. ctx is the global
// deadline: when it ends, the remaining checks fail with that reason.
func Run(ctx context.Context, sc *scenario.Scenario, opts *Options) *Report {
	o := opts.withDefaults()
	o.NamespacePrefix = strings.ReplaceAll(o.NamespacePrefix, "{exercise}", sc.Exercise)
	start := time.Now()
	rep := &Report{Exercise: sc.Exercise, Title: sc.Title, URL: o.URL}
	defer func() { rep.Duration = time.Since(start) }()
	base, err := url.Parse(o.URL)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		rep.Err = fmt.Errorf("bad --url %q: want http://host:port or https://host:port", o.URL)
		return rep
	}
	if err := reachable(ctx, base, o.Timeout); err != nil {
		rep.Err = &UnreachableError{URL: o.URL, Err: err}
		return rep
	}
	transport := &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: o.Timeout}).DialContext,
		TLSClientConfig:     &tls.Config{InsecureSkipVerify: true}, // reference servers use self-signed certificates
		MaxIdleConnsPerHost: 8,
	}
	defer transport.CloseIdleConnections()
	httpc := &http.Client{Transport: transport, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}

	// Closings that outlast their grace finish in the background; the run
	// waits for them, so no goroutine or connection survives it.
	var bg sync.WaitGroup
	defer bg.Wait()
	status := map[string]Status{}
	for _, c := range sc.Checks {
		var res CheckResult
		if skip := skipReason(c, status, &o); skip != "" {
			res = CheckResult{ID: c.ID, Name: c.Name, Status: Skip, Reason: skip}
		} else if ctx.Err() != nil {
			res = CheckResult{ID: c.ID, Name: c.Name, Status: Fail, Harness: true,
				Reason: "not run: the grader's overall deadline passed"}
		} else {
			res = runCheck(ctx, sc, c, &o, base, httpc, &bg)
		}
		status[c.ID] = res.Status
		rep.Checks = append(rep.Checks, res)
		if o.OnCheck != nil {
			o.OnCheck(sc.Exercise, res)
		}
	}
	return rep
}

func skipReason(c *scenario.Check, status map[string]Status, o *Options) string {
	for _, p := range c.Needs {
		if status[p] != Pass {
			return "needs " + p
		}
	}
	if c.NeedsCmd && o.Server == nil {
		return "needs --cmd"
	}
	return ""
}

// reachable dials the server's port once, so that a server that is not
// there gives one clear error instead of every check failing.
func reachable(ctx context.Context, base *url.URL, timeout time.Duration) error {
	host := base.Host
	if base.Port() == "" {
		if base.Scheme == "https" {
			host = net.JoinHostPort(base.Hostname(), "443")
		} else {
			host = net.JoinHostPort(base.Hostname(), "80")
		}
	}
	dctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	conn, err := (&net.Dialer{}).DialContext(dctx, "tcp", host)
	if err != nil {
		return err
	}
	defer conn.Close()
	if base.Scheme == "https" {
		// Finish a TLS handshake, so that the server does not log an
		// aborted one; a failure here is not "unreachable" (checks will say
		// more), so it is ignored.
		tc := tls.Client(conn, &tls.Config{InsecureSkipVerify: true, ServerName: base.Hostname()})
		_ = tc.HandshakeContext(dctx)
		return tc.Close()
	}
	return nil
}

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
		t := time.NewTimer(s.Wait)
		defer t.Stop()
		select {
		case <-t.C:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
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
