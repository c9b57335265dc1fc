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
	run := &backoffRun{ResetDelay: -1, Token: randomToken()}
	chrome, err := FindChromium()
	if err != nil {
		run.Err = err
		return run
	}
	// The harness: every upgrade request is handed to this goroutine,
	// which decides to accept or refuse it.
	attempts := make(chan *attempt)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		run.Err = err
		return run
	}
	sctx, stop := context.WithCancel(ctx)
	hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a := &attempt{at: time.Now(), w: w, r: r, answer: make(chan func(http.ResponseWriter, *http.Request), 1), done: make(chan struct{})}
		defer close(a.done)
		select {
		case attempts <- a:
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
	defer func() {
		stop()
		hs.Close()
		srvWG.Wait()
	}()

	pageURL, err := env.URL.Parse(p.page)
	if err != nil {
		run.Err = &graders.ScenarioError{Msg: fmt.Sprintf("bad page %q", p.page)}
		return run
	}
	q := pageURL.Query()
	q.Set("ws", "ws://"+ln.Addr().String()+"/ws")
	q.Set("base", fmt.Sprint(p.base.Milliseconds()))
	q.Set("max", fmt.Sprint(p.max.Milliseconds()))
	pageURL.RawQuery = q.Encode()

	profile, err := os.MkdirTemp("", "rtlab-chromium-")
	if err != nil {
		run.Err = err
		return run
	}
	defer os.RemoveAll(profile)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx,
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
	defer cancelAlloc()
	var mu sync.Mutex
	finished := false // set when the session ends: later events are dropped
	consoleSeen := make(chan struct{}, 64)
	onEvent := func(ev any) {
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
					if prop.Value == run.Token {
						parsed = true
					}
				}
			}
		}
		line := strings.Join(parts, " ")
		mu.Lock()
		defer mu.Unlock()
		if finished {
			return
		}
		run.Console = append(run.Console, line)
		if strings.Contains(strings.ToLower(line), "open") {
			run.OpenLogged = true
		}
		if parsed {
			run.ParsedLogged = true
		}
		select {
		case consoleSeen <- struct{}{}:
		default:
		}
	}
	bctx, cancelBrowser := chromedp.NewContext(allocCtx, chromedp.WithListener(onEvent))
	defer func() {
		cancelBrowser()
		cancelAlloc()
	}()
	if err := chromedp.Do(bctx, chromedp.Navigate(pageURL.String())); err != nil {
		run.Err = fmt.Errorf("chromium could not load %s: %w", pageURL, err)
		return run
	}
	next := func(wait time.Duration) (*attempt, bool) {
		t := time.NewTimer(wait)
		defer t.Stop()
		select {
		case a := <-attempts:
			return a, true
		case <-t.C:
			return nil, false
		case <-ctx.Done():
			return nil, false
		}
	}
	refuse := func(a *attempt) time.Time {
		a.answer <- func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "rtlab: refusing this attempt to measure the backoff", http.StatusServiceUnavailable)
		}
		<-a.done
		return time.Now()
	}

	// 1. The first connection: accepted, sent a JSON message, then dropped.
	first, ok := next(10 * time.Second)
	if !ok {
		mu.Lock()
		finished = true
		mu.Unlock()
		return run
	}
	var dropped time.Time
	pings := make(chan string, 1)
	closeFirst := make(chan struct{})
	first.answer <- func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
		if err != nil {
			return
		}
		defer c.CloseNow()
		msg, _ := json.Marshal(map[string]any{"type": "welcome", "token": run.Token, "at": time.Now().UnixMilli()})
		wctx, cancel := context.WithTimeout(sctx, 2*time.Second)
		c.Write(wctx, websocket.MessageText, msg)
		cancel()
		rctx, cancel := context.WithTimeout(sctx, 3*time.Second)
		_, data, err := c.Read(rctx)
		cancel()
		if err == nil {
			pings <- string(data)
		}
		close(pings)
		select {
		case <-closeFirst:
		case <-sctx.Done():
		}
		c.Close(websocket.StatusGoingAway, "rtlab: dropping the connection")
	}
	mu.Lock()
	run.Connected = true
	mu.Unlock()
	if s, ok := <-pings; ok {
		run.PingSeen = s
	}
	// Give the console a moment to report what the page logged.
	deadline := time.After(2 * time.Second)
wait:
	for {
		mu.Lock()
		got := run.OpenLogged && run.ParsedLogged
		mu.Unlock()
		if got {
			break
		}
		select {
		case <-consoleSeen:
		case <-deadline:
			break wait
		}
	}
	close(closeFirst)
	<-first.done
	dropped = time.Now()

	// 2. Refused attempts, until the delays have sat at the cap twice, or
	// a delay is clearly over it, or the attempts run out; that attempt
	// is accepted for the reset test instead.
	prev := dropped
	limit := capLimit(p)
	atCap := 0
	var good *attempt
	for good == nil {
		a, ok := next(2*p.max + 2*time.Second)
		if !ok {
			run.LastWait = time.Since(prev)
			break
		}
		d := a.at.Sub(prev)
		run.Delays = append(run.Delays, d)
		if float64(d) >= 0.75*float64(p.max) {
			atCap++
		}
		if d > limit || (atCap >= 2 && len(run.Delays) >= 4) || len(run.Delays) >= p.attempts {
			good = a
			break
		}
		prev = refuse(a)
	}
	// 3. The reset: accept this attempt, keep it up, close it, and time
	// the next one.
	if good != nil {
		good.answer <- func(w http.ResponseWriter, r *http.Request) {
			c, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
			if err != nil {
				return
			}
			defer c.CloseNow()
			hctx, cancel := context.WithTimeout(sctx, p.hold)
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
		if b, ok := next(2*p.max + 2*time.Second); ok {
			run.ResetDelay = b.at.Sub(closed)
			refuse(b)
		}
	}
	mu.Lock()
	finished = true
	mu.Unlock()
	return run
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
