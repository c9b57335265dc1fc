package probes

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"rtlab/graders"
)

// PageSession is a page of a PageHarness open in a browser tab: what a
// page probe drives and reads. It records what the page prints on the
// console and the exceptions it does not catch; the harness records its
// requests. A probe opens one session per page, caches what it measured
// with PageHarness.Once, and closes it.
type PageSession struct {
	// Harness is the page's server side.
	Harness *PageHarness
	// Opened is when the browser was told to load the page: the origin of
	// every time a failure message shows.
	Opened time.Time
	// Loaded is when the page had loaded (its load event): the start of
	// the windows a check gives the page to show what it had before, so
	// that a browser slow to start on a busy machine is not the page's
	// fault.
	Loaded time.Time

	tab      context.Context
	closeTab func()
	browser  *Browser // started for this session alone, else nil

	mu      sync.Mutex
	console []string
	sent    []*BrowserRequest
	byID    map[network.RequestID]*BrowserRequest
	// clockOffset turns the browser's monotonic event timestamps into
	// wall time (seconds), learnt from a request's wallTime: events reach
	// the grader late on a busy machine, their own times do not lie.
	clockOffset float64
}

// BrowserRequest is a request as the page made it, seen from the browser
// (the DevTools network events): it opens when the page calls fetch, even
// while the browser holds it back (Chromium sends one GET of a URL at a
// time and queues identical ones behind it), so that a page's pile of
// requests shows here before the server sees any.
type BrowserRequest struct {
	Method, URL string
	// Start is when the page made it; Answered when its response's
	// headers came (fetch resolves then); End when it finished or failed.
	// Each is zero until it happened.
	Start, Answered, End time.Time
	// Status is the response's, 0 before one (or for a failure).
	Status int
	Failed bool
}

// Waiting reports whether the request, at t, was made and neither
// answered nor failed: the page still waited on it. The browser stamps
// its events in different layers, so an answer and the request the page
// makes on it may come out a few milliseconds in the wrong order;
// timeSlack allows for that.
func (r *BrowserRequest) Waiting(t time.Time) bool {
	if r.Start.After(t) {
		return false
	}
	done := r.Answered
	if done.IsZero() || (!r.End.IsZero() && r.End.Before(done)) {
		done = r.End
	}
	return done.IsZero() || done.After(t.Add(timeSlack))
}

// timeSlack is how far apart two of the browser's timestamps may be and
// still count as one moment.
const timeSlack = 50 * time.Millisecond

// OpenPage loads h's page in a new tab, with query and
// server=ORIGIN (clients.md) as its query string, and returns once it has
// loaded. The tab closes with ctx or Close. Without Chromium it returns a
// BrowserNotFoundError.
func (h *PageHarness) OpenPage(ctx context.Context, query url.Values) (*PageSession, error) {
	s := &PageSession{Harness: h, byID: map[network.RequestID]*BrowserRequest{}}
	b := h.Browser
	if b == nil {
		var err error
		if b, err = StartBrowser(); err != nil {
			return nil, err
		}
		s.browser = b
	}
	s.tab, s.closeTab = b.newTab(ctx)
	if err := chromedp.Listen(s.tab, s.onEvent); err != nil {
		s.Close()
		return nil, fmt.Errorf("chromium could not open a tab: %w", err)
	}
	q := url.Values{}
	for k, v := range query {
		q[k] = v
	}
	q.Set("server", h.URL)
	page := h.URL + "/?" + q.Encode()
	s.Opened = time.Now()
	lctx, cancel := context.WithTimeout(s.tab, 15*time.Second)
	defer cancel()
	if err := chromedp.Do(lctx, chromedp.Navigate(page)); err != nil {
		s.Close()
		return nil, fmt.Errorf("chromium could not load %s: %w", page, err)
	}
	s.Loaded = time.Now()
	return s, nil
}

// Close closes the tab, and the browser when the session started its own.
func (s *PageSession) Close() {
	s.closeTab()
	if s.browser != nil {
		s.browser.Close()
	}
}

// onEvent keeps the page's console lines and uncaught exceptions.
func (s *PageSession) onEvent(ev any) {
	var line string
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		parts := make([]string, 0, len(ev.Args))
		for _, a := range ev.Args {
			parts = append(parts, remoteText(a))
		}
		line = fmt.Sprintf("console.%s: %s", ev.Type, strings.Join(parts, " "))
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		line = "uncaught: " + strings.TrimPrefix(d.Text, "Uncaught")
		if d.Exception != nil && d.Exception.Description != "" {
			line = "uncaught: " + firstLine(d.Exception.Description)
		}
	case *network.EventRequestWillBeSent:
		s.mu.Lock()
		defer s.mu.Unlock()
		if ev.WallTime > 0 {
			s.clockOffset = ev.WallTime.Float64() - ev.Timestamp.Float64()
		}
		if ev.Request != nil && ev.RedirectResponse == nil && len(s.sent) < 20000 {
			r := &BrowserRequest{Method: ev.Request.Method, URL: ev.Request.URL, Start: s.wallTime(ev.Timestamp)}
			s.sent = append(s.sent, r)
			s.byID[ev.RequestID] = r
		}
		return
	case *network.EventResponseReceived:
		s.mu.Lock()
		defer s.mu.Unlock()
		if r := s.byID[ev.RequestID]; r != nil && ev.Response != nil {
			r.Status, r.Answered = int(ev.Response.Status), s.wallTime(ev.Timestamp)
		}
		return
	case *network.EventLoadingFinished:
		s.endRequest(ev.RequestID, ev.Timestamp, false)
		return
	case *network.EventLoadingFailed:
		s.endRequest(ev.RequestID, ev.Timestamp, true)
		return
	default:
		return
	}
	s.mu.Lock()
	if len(s.console) < 1000 {
		s.console = append(s.console, line)
	}
	s.mu.Unlock()
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// wallTime converts a browser timestamp to wall time; s.mu is held. Before
// the offset is known it is the time of arrival.
func (s *PageSession) wallTime(ts cdp.MonotonicTime) time.Time {
	if s.clockOffset == 0 {
		return time.Now()
	}
	return time.Unix(0, int64((ts.Float64()+s.clockOffset)*1e9))
}

// endRequest notes that the browser's request id finished or failed.
func (s *PageSession) endRequest(id network.RequestID, ts cdp.MonotonicTime, failed bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r := s.byID[id]; r != nil {
		r.End, r.Failed = s.wallTime(ts), failed
		delete(s.byID, id)
	}
}

// BrowserRequests returns the requests the page made so far, as the
// browser saw them, in order.
func (s *PageSession) BrowserRequests() []BrowserRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]BrowserRequest, len(s.sent))
	for i, r := range s.sent {
		out[i] = *r
	}
	return out
}

// Console returns the page's console lines and uncaught exceptions so far.
func (s *PageSession) Console() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.console...)
}

// Since is the time from Opened to t, as failure messages show it.
func (s *PageSession) Since(t time.Time) string {
	return fmt.Sprintf("+%.1fs", t.Sub(s.Opened).Seconds())
}

// Eval runs a JavaScript expression in the page and decodes its JSON
// value into out (nil: ignored). It gives up after 5 s.
func (s *PageSession) Eval(ctx context.Context, expr string, out any) error {
	ectx, cancel := context.WithTimeout(s.tab, 5*time.Second)
	defer cancel()
	stop := context.AfterFunc(ctx, cancel)
	defer stop()
	raw, err := chromedp.Run(ectx, chromedp.Evaluate[[]byte](expr))
	if err != nil {
		return err
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(raw, out)
}

// PageElement is an element of the page as a check reads it.
type PageElement struct {
	// Text is its text, normalised (NormalizeText).
	Text string
	// Shown is false when it takes no room on the page or is hidden
	// (display: none, visibility: hidden, or inside such an element).
	Shown bool
	// Attr holds the attributes Query was asked for that it has.
	Attr map[string]string
}

// Empty reports whether the element counts as empty (clients.md): no
// text, or not displayed.
func (e PageElement) Empty() bool { return !e.Shown || e.Text == "" }

// queryJS returns every element matching a selector: its text, whether
// it is displayed, and the attributes asked for.
const queryJS = `((sel, names) => Array.from(document.querySelectorAll(sel)).map((el) => {
  const cs = getComputedStyle(el);
  const shown = el.getClientRects().length > 0 && cs.visibility !== "hidden";
  const attr = {};
  for (const n of names) { const v = el.getAttribute(n); if (v !== null) attr[n] = v; }
  return { text: el.textContent, shown, attr };
}))(%s, %s)`

// Query returns the elements matching selector, in document order, with
// the attributes named in attrs.
func (s *PageSession) Query(ctx context.Context, selector string, attrs ...string) ([]PageElement, error) {
	sel, _ := json.Marshal(selector)
	names, _ := json.Marshal(append([]string{}, attrs...))
	var raw []struct {
		Text  string            `json:"text"`
		Shown bool              `json:"shown"`
		Attr  map[string]string `json:"attr"`
	}
	if err := s.Eval(ctx, fmt.Sprintf(queryJS, sel, names), &raw); err != nil {
		return nil, err
	}
	out := make([]PageElement, len(raw))
	for i, r := range raw {
		out[i] = PageElement{Text: NormalizeText(r.Text), Shown: r.Shown, Attr: r.Attr}
	}
	return out, nil
}

// WaitQuery reads selector every 50 ms until cond accepts what it finds,
// for at most within. It returns the last elements read and whether cond
// accepted them; an error only when the page could not be read at all.
func (s *PageSession) WaitQuery(ctx context.Context, within time.Duration, selector string, attrs []string, cond func([]PageElement) bool) ([]PageElement, bool, error) {
	deadline := time.Now().Add(within)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		els, err := s.Query(ctx, selector, attrs...)
		if err != nil {
			if ctx.Err() != nil {
				return nil, false, ctx.Err()
			}
			return nil, false, err
		}
		if cond(els) {
			return els, true, nil
		}
		if time.Now().After(deadline) {
			return els, false, nil
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return els, false, ctx.Err()
		}
	}
}

// Wait waits for d, or less when ctx ends first. A session waits this
// way only to let a window of observation pass (the contract's "over 8
// s"); what it waits for otherwise it watches for. It is graders.Wait,
// which a window already past (d <= 0) does not wait at all.
func Wait(ctx context.Context, d time.Duration) error {
	return graders.Wait(ctx, d)
}

// NormalizeText is text as the checks compare it (clients.md): trimmed,
// runs of white space made one space, "..." made "…".
func NormalizeText(s string) string {
	return strings.ReplaceAll(strings.Join(strings.Fields(s), " "), "...", "…")
}

// ParseNumber reads the number in a text, ignoring every character but
// digits, "." and "-" ("37.5 %" is 37.5), and says how many decimals it
// was written with. ok is false when what is left is not a number.
func ParseNumber(text string) (v float64, decimals int, ok bool) {
	var b strings.Builder
	for _, r := range text {
		if r >= '0' && r <= '9' || r == '.' || r == '-' {
			b.WriteRune(r)
		}
	}
	n := strings.Trim(b.String(), ".-")
	if strings.HasPrefix(b.String(), "-") {
		n = "-" + n
	}
	v, err := strconv.ParseFloat(n, 64)
	if err != nil {
		return 0, 0, false
	}
	if i := strings.IndexByte(n, '.'); i >= 0 {
		decimals = len(n) - i - 1
	}
	return v, decimals, true
}

// Context is what a failure message adds after what the page did wrong:
// its last requests and console lines (at most n of each).
func (s *PageSession) Context(n int) string {
	var b strings.Builder
	if far := s.foreign(); len(far) > 0 {
		b.WriteString(fmt.Sprintf("the page tried to load %s from another origin: there is no network here, serve it beside the page (clients.md); ",
			strings.Join(tailN(far, 3), ", ")))
	}
	b.WriteString("requests: " + describeRequests(s.Harness.Requests(), s.Opened, n))
	if c := s.Console(); len(c) > 0 {
		b.WriteString("; console: " + strings.Join(tailN(c, n), " | "))
	} else {
		b.WriteString("; the console stayed empty")
	}
	return b.String()
}

// foreign lists the URLs the page asked for outside its own origin (a
// CDN's script), each once.
func (s *PageSession) foreign() []string {
	var out []string
	for _, r := range s.BrowserRequests() {
		if u, err := url.Parse(r.URL); err == nil && (u.Scheme == "http" || u.Scheme == "https") &&
			u.Scheme+"://"+u.Host != s.Harness.URL && !slices.Contains(out, r.URL) {
			out = append(out, r.URL)
		}
	}
	return out
}

// sessionError turns a session's harness problem into a check's error:
// no Chromium is a skip, anything else stays an error of the grader.
func sessionError(err error) error {
	var nf BrowserNotFoundError
	if errors.As(err, &nf) {
		return graders.Skipf("%v", err)
	}
	return err
}
