package probes

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"rtlab/graders"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/coder/websocket"

	"rtlab/graders/scenario"
)

// backoffParams are the probe's settings, from the scenario.
type backoffParams struct {
	page     string        // path of the page on the server, default "/"
	base     time.Duration // the page's ?base=, default 200ms
	max      time.Duration // the page's ?max=, default 3200ms
	attempts int           // refused attempts to measure at most, default 9
	hold     time.Duration // how long the accepted connection of the reset test stays up, default 2.5s (more than the 2 s a page may require)
}

// backoffRun is what one session in the browser showed. Checks of the
// same run share it (see backoffCache), so the browser runs once.
type backoffRun struct {
	Connected    bool
	OpenLogged   bool
	PingSeen     string // the first message the page sent, "" if none
	Token        string // the token of the JSON message the grader sent
	ParsedLogged bool
	Delays       []time.Duration // before each refused attempt, from the drop
	LastWait     time.Duration   // a wait that ended with no attempt, 0 if none
	ResetDelay   time.Duration   // after the good connection closed; -1 if not measured
	Console      []string        // what the page logged, for context
	Err          error           // a harness problem: no browser, no page
}

var backoffCache = struct {
	sync.Mutex
	runs map[string]*backoffOnce
}{runs: map[string]*backoffOnce{}}

type backoffOnce struct {
	once sync.Once
	run  *backoffRun
}

// browserBackoff judges one aspect of a page's reconnection. Params:
//
//	check     open, ping, parse, growth, cap or reset
//	page      the page's path on the server (default "/")
//	base, max the backoff the page is told to use (default 200ms, 3200ms)
//
// The session (about ten seconds with the defaults) runs once per URL and
// page; the checks after the first read its measurements.
func browserBackoff(ctx context.Context, env *graders.ProbeEnv, params map[string]any) error {
	p := backoffParams{page: "/", base: 200 * time.Millisecond, max: 3200 * time.Millisecond, attempts: 9, hold: 2500 * time.Millisecond}
	if s, _ := params["page"].(string); s != "" {
		p.page = s
	}
	for k, dst := range map[string]*time.Duration{"base": &p.base, "max": &p.max, "hold": &p.hold} {
		if s, ok := params[k].(string); ok {
			d, err := time.ParseDuration(s)
			if err != nil || d <= 0 {
				return &graders.ScenarioError{Msg: fmt.Sprintf("browser-backoff: params.%s %q is not a duration", k, s)}
			}
			*dst = d
		}
	}
	if p.max < 4*p.base {
		return &graders.ScenarioError{Msg: "browser-backoff: max must be at least 4 × base to see growth"}
	}
	check, _ := params["check"].(string)
	key := fmt.Sprintf("%s|%s|%s|%s", env.URL, p.page, p.base, p.max)
	backoffCache.Lock()
	o := backoffCache.runs[key]
	if o == nil {
		o = &backoffOnce{}
		backoffCache.runs[key] = o
	}
	backoffCache.Unlock()
	o.once.Do(func() { o.run = runBackoffSession(ctx, env, p) })
	run := o.run
	if run.Err != nil {
		var nf BrowserNotFoundError
		if errors.As(run.Err, &nf) {
			return graders.Skipf("%v", run.Err)
		}
		return run.Err
	}
	return judgeBackoff(run, p, check)
}

// judgeBackoff turns a session's measurements into one check's verdict.
func judgeBackoff(run *backoffRun, p backoffParams, check string) error {
	console := "the page logged: " + strings.Join(tailN(run.Console, 6), " | ")
	if len(run.Console) == 0 {
		console = "the page logged nothing on the console"
	}
	switch check {
	case "open":
		switch {
		case !run.Connected:
			return &graders.Failure{Reason: "the page never opened a WebSocket to the URL in its ?ws= parameter",
				Expected: "new WebSocket(new URLSearchParams(location.search).get(\"ws\"))", Actual: console}
		case !run.OpenLogged:
			return &graders.Failure{Reason: "the page connected but did not log \"open\" on the console",
				Expected: `console.log("open") in onopen`, Actual: console}
		}
	case "ping":
		if run.PingSeen == "" {
			return &graders.Failure{Reason: "the page sent nothing after connecting", Expected: `{"type":"ping"}`, Actual: "no message within 3s"}
		}
		var m map[string]any
		if json.Unmarshal([]byte(run.PingSeen), &m) != nil || m["type"] != "ping" {
			return &graders.Failure{Reason: "the page's first message is not a ping", Expected: `{"type":"ping"}`, Actual: scenario.Shorten(run.PingSeen, 200)}
		}
	case "parse":
		if !run.ParsedLogged {
			return &graders.Failure{Reason: "the page did not log the JSON message it received as an object",
				Expected: fmt.Sprintf(`console.log(JSON.parse(event.data)) showing an object with token %q`, run.Token), Actual: console}
		}
	case "growth":
		return judgeGrowth(run, p)
	case "cap":
		return judgeCap(run, p)
	case "reset":
		return judgeReset(run, p)
	default:
		return &graders.ScenarioError{Msg: "browser-backoff: params.check must be open, ping, parse, growth, cap or reset"}
	}
	return nil
}

func tailN(s []string, n int) []string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

func msList(ds []time.Duration) string {
	var out []string
	for _, d := range ds {
		out = append(out, fmt.Sprintf("%d", d.Milliseconds()))
	}
	return strings.Join(out, ", ") + " ms"
}

func (r *backoffRun) measured() string {
	s := "delays measured: " + msList(r.Delays)
	if r.LastWait > 0 {
		s += fmt.Sprintf(", then no attempt in %d ms", r.LastWait.Milliseconds())
	}
	return s
}

// growthFactors are the ratios of consecutive delays while doubling the
// earlier one does not pass the cap (the earlier delay at most 60 % of
// max).
func growthFactors(run *backoffRun, p backoffParams) []float64 {
	var fs []float64
	for i := 1; i < len(run.Delays); i++ {
		if float64(run.Delays[i-1]) > 0.6*float64(p.max) {
			break
		}
		fs = append(fs, float64(run.Delays[i])/float64(run.Delays[i-1]))
	}
	return fs
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func judgeGrowth(run *backoffRun, p backoffParams) error {
	if len(run.Delays) < 3 {
		return &graders.Failure{Reason: fmt.Sprintf("the page reconnected only %d times after the server dropped it and refused it", len(run.Delays)),
			Expected: fmt.Sprintf("a new attempt after each refusal (503), starting %s after the drop", p.base), Actual: run.measured()}
	}
	fs := growthFactors(run, p)
	if len(fs) < 2 {
		return &graders.Failure{Reason: "the delays reach the cap at once: no growth to see",
			Expected: fmt.Sprintf("about %s, %s, %s … (×2 each time, jitter allowed)", p.base, 2*p.base, 4*p.base), Actual: run.measured()}
	}
	m := median(fs)
	if m < 1.5 || m > 2.5 {
		var parts []string
		for _, f := range fs {
			parts = append(parts, fmt.Sprintf("%.2f", f))
		}
		return &graders.Failure{Reason: fmt.Sprintf("the delays do not grow exponentially: median factor %.2f", m),
			Expected: fmt.Sprintf("each delay 1.5 to 2.5 times the one before (median), starting near %s", p.base),
			Actual:   fmt.Sprintf("%s; factors %s", run.measured(), strings.Join(parts, ", "))}
	}
	return nil
}

// latencyAllowance is added to the cap: a measured delay also holds the
// browser's own time to notice the refusal and open the next connection,
// which on a busy machine reaches a couple of hundred milliseconds.
const latencyAllowance = 250 * time.Millisecond

// capLimit is the longest delay the cap check accepts.
func capLimit(p backoffParams) time.Duration {
	return time.Duration(float64(p.max)*1.25) + latencyAllowance
}

func judgeCap(run *backoffRun, p backoffParams) error {
	limit := capLimit(p)
	for _, d := range append(append([]time.Duration(nil), run.Delays...), run.LastWait) {
		if d > limit {
			return &graders.Failure{Reason: fmt.Sprintf("a delay passed max=%d ms by more than the 25 %% jitter allows", p.max.Milliseconds()),
				Expected: fmt.Sprintf("no delay over %d ms (max + 25 %% + %d ms for the browser's own latency)", limit.Milliseconds(), latencyAllowance.Milliseconds()),
				Actual:   run.measured()}
		}
	}
	return nil
}

func judgeReset(run *backoffRun, p backoffParams) error {
	if run.ResetDelay < 0 {
		return &graders.Failure{Reason: "the page did not reconnect after its good connection was closed",
			Expected: fmt.Sprintf("a new attempt about %s after the close", p.base), Actual: run.measured()}
	}
	limit := max(4*p.base, 300*time.Millisecond)
	if run.ResetDelay > limit {
		return &graders.Failure{Reason: "after a connection that stayed up, the backoff did not start again from base",
			Expected: fmt.Sprintf("the next attempt about %d ms after the close (at most %d ms)", p.base.Milliseconds(), limit.Milliseconds()),
			Actual: fmt.Sprintf("it came %d ms after the close (%s before the good connection)",
				run.ResetDelay.Milliseconds(), strings.TrimPrefix(run.measured(), "delays measured: "))}
	}
	return nil
}

// attempt is one connection request the harness received.
type attempt struct {
	at     time.Time
	w      http.ResponseWriter
	r      *http.Request
	answer chan func(http.ResponseWriter, *http.Request) // what to do with it
	done   chan struct{}                                 // closed when the handler returned
}

// runBackoffSession drives the browser through the whole sequence: accept,
// drop, refuse until the delays settle, accept and hold, close, measure
// the next attempt.
func runBackoffSession(ctx context.Context, env *graders.ProbeEnv, p backoffParams) *backoffRun {
	s := &backoffSession{ctx: ctx, p: p, run: &backoffRun{ResetDelay: -1, Token: randomToken()},
		attempts: make(chan *attempt), consoleSeen: make(chan struct{}, 64)}
	chrome, err := FindChromium()
	if err != nil {
		s.run.Err = err
		return s.run
	}
	addr, stopHarness, err := s.startHarness()
	if err != nil {
		s.run.Err = err
		return s.run
	}
	defer stopHarness()
	pageURL, err := env.URL.Parse(p.page)
	if err != nil {
		s.run.Err = &graders.ScenarioError{Msg: fmt.Sprintf("bad page %q", p.page)}
		return s.run
	}
	q := pageURL.Query()
	q.Set("ws", "ws://"+addr+"/ws")
	q.Set("base", fmt.Sprint(p.base.Milliseconds()))
	q.Set("max", fmt.Sprint(p.max.Milliseconds()))
	pageURL.RawQuery = q.Encode()
	closeBrowser, err := s.openPage(chrome, pageURL.String())
	if err != nil {
		s.run.Err = err
		return s.run
	}
	defer closeBrowser()
	defer s.finish()

	// 1. The first connection: accepted, sent a JSON message, then dropped.
	first, ok := s.next(10 * time.Second)
	if !ok {
		return s.run
	}
	dropped := s.acceptAndDrop(first)
	// 2. Refused attempts until the delays settle; the last is accepted.
	good := s.refuseUntilSettled(dropped)
	// 3. The reset: accept it, keep it up, close it, time the next one.
	if good != nil {
		s.measureReset(good)
	}
	return s.run
}

// backoffSession is one run of the backoff probe: the harness that
// receives the page's connection attempts, and what the browser showed.
type backoffSession struct {
	ctx  context.Context // the probe's deadline
	sctx context.Context // ends with the harness: handlers stop waiting
	p    backoffParams
	run  *backoffRun
	// attempts hands every upgrade request to the session, which decides
	// to accept or refuse it.
	attempts    chan *attempt
	consoleSeen chan struct{} // a console line arrived
	mu          sync.Mutex    // guards run's console fields and finished
	finished    bool          // set when the session ends: later events are dropped
}

// startHarness serves the page's WebSocket attempts on a loopback port
// until the returned stop.
func (s *backoffSession) startHarness() (addr string, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	sctx, cancel := context.WithCancel(s.ctx)
	s.sctx = sctx
	hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a := &attempt{at: time.Now(), w: w, r: r, answer: make(chan func(http.ResponseWriter, *http.Request), 1), done: make(chan struct{})}
		defer close(a.done)
		select {
		case s.attempts <- a:
		case <-sctx.Done():
			http.Error(w, "rtlab: the test is over", http.StatusServiceUnavailable)
			return
		}
		select {
		case f := <-a.answer:
			f(w, r)
		case <-sctx.Done():
			http.Error(w, "rtlab: the test is over", http.StatusServiceUnavailable)
		}
	})}
	var srvWG sync.WaitGroup
	srvWG.Add(1)
	go func() { defer srvWG.Done(); hs.Serve(ln) }()
	return ln.Addr().String(), func() {
		cancel()
		hs.Close()
		srvWG.Wait()
	}, nil
}

// openPage starts headless chromium with a fresh profile, listening to the
// page's console, and loads pageURL; closeBrowser ends it all.
func (s *backoffSession) openPage(chrome, pageURL string) (closeBrowser func(), err error) {
	profile, err := os.MkdirTemp("", "rtlab-chromium-")
	if err != nil {
		return nil, err
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(s.ctx,
		chromedp.ExecPath(chrome),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(profile),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		// Timers of a page in the background are throttled; this page is
		// never visible, and its timers are what is measured.
		chromedp.Flag("disable-background-timer-throttling", true),
		chromedp.Flag("disable-renderer-backgrounding", true),
	)
	bctx, cancelBrowser := chromedp.NewContext(allocCtx, chromedp.WithListener(s.onConsole))
	closeBrowser = func() {
		cancelBrowser()
		cancelAlloc()
		os.RemoveAll(profile)
	}
	if err := chromedp.Do(bctx, chromedp.Navigate(pageURL)); err != nil {
		closeBrowser()
		return nil, fmt.Errorf("chromium could not load %s: %w", pageURL, err)
	}
	return closeBrowser, nil
}

// onConsole records what the page logs: whether it said the connection
// opened, and whether it logged the parsed welcome message (its token).
func (s *backoffSession) onConsole(ev any) {
	e, ok := ev.(*runtime.EventConsoleAPICalled)
	if !ok {
		return
	}
	var parts []string
	parsed := false
	for _, a := range e.Args {
		parts = append(parts, remoteText(a))
		if a.Type == runtime.RemoteObjectTypeObject && a.Preview != nil {
			for _, prop := range a.Preview.Properties {
				if prop.Value == s.run.Token {
					parsed = true
				}
			}
		}
	}
	line := strings.Join(parts, " ")
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.finished {
		return
	}
	s.run.Console = append(s.run.Console, line)
	if strings.Contains(strings.ToLower(line), "open") {
		s.run.OpenLogged = true
	}
	if parsed {
		s.run.ParsedLogged = true
	}
	select {
	case s.consoleSeen <- struct{}{}:
	default:
	}
}

// finish ends the session: console events that arrive later are dropped.
func (s *backoffSession) finish() {
	s.mu.Lock()
	s.finished = true
	s.mu.Unlock()
}

// next waits up to wait for the page's next connection attempt.
func (s *backoffSession) next(wait time.Duration) (*attempt, bool) {
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case a := <-s.attempts:
		return a, true
	case <-t.C:
		return nil, false
	case <-s.ctx.Done():
		return nil, false
	}
}

// refuse answers a with 503 and returns when it was answered.
func (s *backoffSession) refuse(a *attempt) time.Time {
	a.answer <- func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "rtlab: refusing this attempt to measure the backoff", http.StatusServiceUnavailable)
	}
	<-a.done
	return time.Now()
}

// acceptAndDrop accepts the first attempt, sends it a JSON message, reads
// the page's reply, gives the console 2s to report what the page logged,
// then drops the connection; it returns when it was dropped.
func (s *backoffSession) acceptAndDrop(first *attempt) time.Time {
	pings := make(chan string, 1)
	closeFirst := make(chan struct{})
	first.answer <- func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
		if err != nil {
			return
		}
		defer c.CloseNow()
		msg, _ := json.Marshal(map[string]any{"type": "welcome", "token": s.run.Token, "at": time.Now().UnixMilli()})
		wctx, cancel := context.WithTimeout(s.sctx, 2*time.Second)
		c.Write(wctx, websocket.MessageText, msg)
		cancel()
		rctx, cancel := context.WithTimeout(s.sctx, 3*time.Second)
		_, data, err := c.Read(rctx)
		cancel()
		if err == nil {
			pings <- string(data)
		}
		close(pings)
		select {
		case <-closeFirst:
		case <-s.sctx.Done():
		}
		c.Close(websocket.StatusGoingAway, "rtlab: dropping the connection")
	}
	s.mu.Lock()
	s.run.Connected = true
	s.mu.Unlock()
	if msg, ok := <-pings; ok {
		s.run.PingSeen = msg
	}
	deadline := time.After(2 * time.Second)
wait:
	for {
		s.mu.Lock()
		got := s.run.OpenLogged && s.run.ParsedLogged
		s.mu.Unlock()
		if got {
			break
		}
		select {
		case <-s.consoleSeen:
		case <-deadline:
			break wait
		}
	}
	close(closeFirst)
	<-first.done
	return time.Now()
}

// refuseUntilSettled refuses the page's attempts, recording the delays,
// until they have sat at the cap twice, or a delay is clearly over it, or
// the attempts run out; that attempt is returned, to be accepted for the
// reset test (nil when the page stopped trying).
func (s *backoffSession) refuseUntilSettled(dropped time.Time) *attempt {
	prev := dropped
	limit := capLimit(s.p)
	atCap := 0
	for {
		a, ok := s.next(2*s.p.max + 2*time.Second)
		if !ok {
			s.run.LastWait = time.Since(prev)
			return nil
		}
		d := a.at.Sub(prev)
		s.run.Delays = append(s.run.Delays, d)
		if float64(d) >= 0.75*float64(s.p.max) {
			atCap++
		}
		if d > limit || (atCap >= 2 && len(s.run.Delays) >= 4) || len(s.run.Delays) >= s.p.attempts {
			return a
		}
		prev = s.refuse(a)
	}
}

// measureReset accepts good, keeps it up for hold, closes it, and times
// the page's next attempt.
func (s *backoffSession) measureReset(good *attempt) {
	good.answer <- func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
		if err != nil {
			return
		}
		defer c.CloseNow()
		hctx, cancel := context.WithTimeout(s.sctx, s.p.hold)
		defer cancel()
		for {
			if _, _, err := c.Read(hctx); err != nil {
				break
			}
		}
		c.Close(websocket.StatusGoingAway, "rtlab: closing the good connection")
	}
	<-good.done
	closed := time.Now()
	if b, ok := s.next(2*s.p.max + 2*time.Second); ok {
		s.run.ResetDelay = b.at.Sub(closed)
		s.refuse(b)
	}
}

// remoteText renders a console argument as the DevTools console would,
// briefly.
func remoteText(a *runtime.RemoteObject) string {
	switch {
	case a.Type == runtime.RemoteObjectTypeString:
		var s string
		if json.Unmarshal(a.Value, &s) == nil {
			return s
		}
	case a.Preview != nil:
		var props []string
		for _, p := range a.Preview.Properties {
			props = append(props, p.Name+": "+p.Value)
		}
		return "{" + strings.Join(props, ", ") + "}"
	case len(a.Value) > 0:
		return string(a.Value)
	}
	return a.Description
}
