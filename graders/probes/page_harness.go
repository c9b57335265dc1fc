package probes

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"rtlab/graders"
	"rtlab/reference"
)

// PageHarness is a browser page served from one origin beside the
// reference server of its exercise (clients.md, "Same origin"): the page
// at "/", the files beside it, /socket.io/socket.io.js, and the
// exercise's API routes, which win. The server runs with the test hooks
// the page's checks steer (HarnessHooks); every request the page makes is
// recorded, and the checks can make requests fail on purpose (Fail).
//
// rtlab grade --page starts one per page and hands it to the page's
// probes as graders.Options.Harness; the checks of one page share it and
// the one session their probe caches in it (PageHarness.Once).
type PageHarness struct {
	// Exercise is the exercise id ("q9").
	Exercise string
	// URL is the base URL of the page and the server, "http://127.0.0.1:PORT".
	URL string
	// Hooks are the reference server's test hooks, as HarnessHooks made
	// them.
	Hooks *reference.Hooks
	// Browser is where sessions open their tab: PageOptions.Browser, or
	// nil for a browser of the session's own.
	Browser *Browser

	ref    *reference.Running
	client *http.Client // the grader's own requests, marked graderHeader
	// public and variant are what the server was started with, for a
	// restart on the same port (Q21: react_page.go).
	public  http.Handler
	variant string

	mu      sync.Mutex
	reqs    []*PageRequest
	changed chan struct{} // closed and replaced when reqs changes
	fault   *pageFault
	runs    map[string]*pageRun
	recent  map[string][]time.Time // the last starts of the page's requests, per path (pace)
}

// PageOptions configure StartPage. A nil *PageOptions means the defaults.
type PageOptions struct {
	// Browser, when set, is the Chromium the page's session opens a tab
	// in (tests share one across many pages). Default nil: the session
	// starts a browser of its own and stops it when done.
	Browser *Browser
	// Variant runs a broken variant of the reference server. Default "".
	Variant string
}

// PageRequest is one HTTP request the page made, as the server saw it.
type PageRequest struct {
	Method string
	// URL is the path and query ("/api/notifications?since=0").
	URL    string
	Path   string
	Query  url.Values
	Header http.Header
	// Start is when the request arrived; End when its response ended
	// (zero while it is open).
	Start, End time.Time
	// Status is the response's status, 0 while none was sent.
	Status int
	// Body is the first 64 KiB of the response body, once it ended.
	Body []byte
	// Failed is set when Fail answered it in place of the server.
	Failed bool

	cancel context.CancelFunc // ends the handler (Fail on an open request)
}

// Open reports whether the response has not ended.
func (r *PageRequest) Open() bool { return r.End.IsZero() }

// String is the request as a failure message shows it: "GET
// /api/x?since=0 → 200 (+1.234s, 12ms)", times from origin.
func (r *PageRequest) describe(origin time.Time) string {
	s := fmt.Sprintf("%s %s", r.Method, r.URL)
	switch {
	case r.Open():
		s += fmt.Sprintf(" (open since +%.1fs)", r.Start.Sub(origin).Seconds())
	default:
		s += fmt.Sprintf(" → %d (+%.1fs, %dms)", r.Status, r.Start.Sub(origin).Seconds(), r.End.Sub(r.Start).Milliseconds())
	}
	return s
}

// pageFault is what Fail set: answer the matching requests with status.
type pageFault struct {
	match  func(*PageRequest) bool
	status int
	left   int // requests still to fail; < 0: until Heal
}

// graderHeader marks the requests the grader makes itself (the posts of
// Q9's feed), which the request log leaves out.
const graderHeader = "X-Rtlab-Grader"

// maxBodyKept bounds the response body a PageRequest keeps.
const maxBodyKept = 64 << 10

// StartPageFile serves the page in file (an HTML file; the files beside
// it are served too) with exercise id's reference server; see StartPage.
func StartPageFile(id, file string, opts *PageOptions) (*PageHarness, error) {
	if id == "q21" {
		return startReactAnswer(file, opts) // a React module, not a page
	}
	st, err := os.Stat(file)
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return nil, fmt.Errorf("--page %s is a folder: give the HTML file", file)
	}
	dir, name := filepath.Split(file)
	if dir == "" {
		dir = "."
	}
	return StartPage(id, os.DirFS(dir), name, opts)
}

// StartReferencePage serves exercise id's own reference page the way a
// student's is served, to show it passes (rtlab grade in reference mode).
func StartReferencePage(id string, opts *PageOptions) (*PageHarness, error) {
	if id == "q21" {
		return startReferenceReactAnswer(opts)
	}
	fsys, ok := reference.PublicFS(id)
	if !ok {
		return nil, fmt.Errorf("reference %s has no page", id)
	}
	return StartPage(id, fsys, "index.html", opts)
}

// StartPage runs exercise id's reference server with its harness hooks,
// serving the page name of dir at "/" and dir's other files beside the
// exercise's routes, on a free loopback port, until Close.
func StartPage(id string, dir fs.FS, name string, opts *PageOptions) (*PageHarness, error) {
	var o PageOptions
	if opts != nil {
		o = *opts
	}
	h := &PageHarness{Exercise: id, Hooks: HarnessHooks(id), Browser: o.Browser,
		changed: make(chan struct{}), runs: map[string]*pageRun{}, recent: map[string][]time.Time{},
		client: &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}}
	files := http.FileServerFS(dir)
	script := reference.ClientScript()
	public := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			w.Header().Set("Cache-Control", "no-store")
			http.ServeFileFS(w, r, dir, name)
		case "/socket.io/socket.io.js":
			script.ServeHTTP(w, r)
		default:
			w.Header().Set("Cache-Control", "no-store")
			files.ServeHTTP(w, r)
		}
	})
	h.public, h.variant = public, o.Variant
	ref, err := reference.Start(id, &reference.Options{Variant: o.Variant, Hooks: h.Hooks, Public: public, Wrap: h.record})
	if err != nil {
		return nil, err
	}
	h.ref, h.URL = ref, ref.URL
	return h, nil
}

// HarnessHooks returns the test hooks exercise id's reference server runs
// with behind a page (clients.md, each exercise's "Harness"); nil for an
// exercise that needs none.
func HarnessHooks(id string) *reference.Hooks {
	switch id {
	case "q9":
		return &reference.Hooks{ClockOffset: -10 * time.Minute}
	case "q10":
		return &reference.Hooks{ClockOffset: -10 * time.Minute, LongPollCap: 2 * time.Second}
	case "q11":
		return &reference.Hooks{Interval: 300 * time.Millisecond, Retry: 500 * time.Millisecond,
			Symbols: []string{"ACME", "GLOBEX", "INITECH"}, Streams: reference.NewStreamControl()}
	case "q14":
		return &reference.Hooks{Interval: 500 * time.Millisecond, Retry: 500 * time.Millisecond,
			KnownSamples: true, Streams: reference.NewStreamControl()}
	case "q17", "q19", "q21", "q22":
		return &reference.Hooks{Sockets: reference.NewSocketControl()}
	}
	return nil
}

// Close stops the server; the sessions' tabs are closed by their probes.
func (h *PageHarness) Close() error {
	h.Heal()
	return h.ref.Close()
}

// record is the server's Wrap: it logs each request of the page and
// answers it with the fault Fail set, if it matches.
func (h *PageHarness) record(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get(graderHeader) != "" {
			next.ServeHTTP(w, r)
			return
		}
		ctx, cancel := context.WithCancel(r.Context())
		defer cancel()
		req := &PageRequest{Method: r.Method, URL: r.URL.RequestURI(), Path: r.URL.Path, Query: r.URL.Query(),
			Header: r.Header.Clone(), Start: time.Now(), cancel: cancel}
		rw := &recordingWriter{ResponseWriter: w}
		h.mu.Lock()
		h.reqs = append(h.reqs, req)
		failWith := h.takeFault(req)
		h.notifyLocked()
		slow := h.floodingLocked(req)
		h.mu.Unlock()
		if slow {
			t := time.NewTimer(floodPause)
			select {
			case <-t.C:
			case <-ctx.Done():
			}
			t.Stop()
		}
		if failWith == 0 {
			next.ServeHTTP(rw, r.WithContext(ctx))
			h.mu.Lock()
			if req.Failed { // Fail ended it while it was open
				failWith = req.Status
			}
			h.mu.Unlock()
		}
		if failWith != 0 && !rw.wrote {
			writeJSONStatus(rw, failWith, `{"error":"rtlab: a deliberate failure, to see what the page does"}`)
		}
		h.mu.Lock()
		req.End = time.Now()
		req.Status = rw.status
		if failWith != 0 {
			req.Failed = true
		}
		req.Body = rw.body.Bytes()
		h.notifyLocked()
		h.mu.Unlock()
	})
}

// A page that floods a path (more than floodRate requests in a second: a
// loop that retries at once, a since that never moves) has each further
// request held floodPause before it is answered, as a busy server would:
// its requests still show the mistake, and the machine's two cores stay
// free to run the other pages' timers on time. A correct page never comes
// near it.
const (
	floodRate  = 20
	floodPause = 50 * time.Millisecond
)

// floodingLocked notes req's start and reports whether its path is
// flooded; h.mu is held.
func (h *PageHarness) floodingLocked(req *PageRequest) bool {
	starts := append(h.recent[req.Path], req.Start)
	for len(starts) > 0 && req.Start.Sub(starts[0]) > time.Second {
		starts = starts[1:]
	}
	h.recent[req.Path] = starts
	return len(starts) > floodRate
}

func writeJSONStatus(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	io.WriteString(w, body)
}

// takeFault returns the status the fault answers req with, 0 for none,
// and counts it. h.mu is held.
func (h *PageHarness) takeFault(req *PageRequest) int {
	f := h.fault
	if f == nil || f.left == 0 || !f.match(req) {
		return 0
	}
	if f.left > 0 {
		f.left--
	}
	return f.status
}

func (h *PageHarness) notifyLocked() {
	close(h.changed)
	h.changed = make(chan struct{})
}

// Fail answers with status, in place of the server, the next n requests
// of the page that match (n < 0: every one until Heal); a matching
// request open now (a long poll) is ended the same way and counts as one.
func (h *PageHarness) Fail(match func(*PageRequest) bool, status, n int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.fault = &pageFault{match: match, status: status, left: n}
	for _, r := range h.reqs {
		if r.Open() && r.cancel != nil && h.takeFault(r) != 0 {
			r.Failed, r.Status = true, status
			r.cancel()
		}
	}
}

// Heal ends what Fail set: requests reach the server again.
func (h *PageHarness) Heal() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.fault = nil
}

// Requests returns a copy of the page's requests so far, in arrival order.
func (h *PageHarness) Requests() []PageRequest {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]PageRequest, len(h.reqs))
	for i, r := range h.reqs {
		out[i] = *r
		out[i].cancel = nil
	}
	return out
}

// WaitRequests waits until cond, given the requests so far, is true, or
// until within has passed or ctx ends; it reports whether cond held. It
// wakes on every request that starts or ends, not on a timer.
func (h *PageHarness) WaitRequests(ctx context.Context, within time.Duration, cond func([]PageRequest) bool) bool {
	t := time.NewTimer(within)
	defer t.Stop()
	for {
		h.mu.Lock()
		ch := h.changed
		h.mu.Unlock()
		if cond(h.Requests()) {
			return true
		}
		select {
		case <-ch:
		case <-t.C:
			return cond(h.Requests())
		case <-ctx.Done():
			return false
		}
	}
}

// Do makes a request of the grader's own to the server (a post that the
// page should then show); it is not logged as the page's. body, when not
// nil, is sent as JSON.
func (h *PageHarness) Do(ctx context.Context, method, path string, body []byte) (status int, resp []byte, err error) {
	req, err := http.NewRequestWithContext(ctx, method, h.URL+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set(graderHeader, "1")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := h.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	resp, err = io.ReadAll(io.LimitReader(res.Body, maxBodyKept))
	return res.StatusCode, resp, err
}

// pageRun is one cached session result (Once).
type pageRun struct {
	once sync.Once
	v    any
}

// Once runs f the first time it is called with key on h and returns its
// result, then returns that result again: the checks of one page read one
// session. Calls with the same key wait for the first to finish.
func (h *PageHarness) Once(key string, f func() any) any {
	h.mu.Lock()
	r := h.runs[key]
	if r == nil {
		r = &pageRun{}
		h.runs[key] = r
	}
	h.mu.Unlock()
	r.once.Do(func() { r.v = f() })
	return r.v
}

// harnessOf returns the page harness a probe of exercise id runs against,
// or a skip when the grader serves no page (a server graded with --url).
func harnessOf(env *graders.ProbeEnv, id string) (*PageHarness, error) {
	h, ok := env.Harness.(*PageHarness)
	if !ok || h == nil {
		return nil, graders.Skipf("this check grades a browser page: rtlab grade --exercise %s --page FILE", id)
	}
	if h.Exercise != id {
		return nil, &graders.ScenarioError{Msg: fmt.Sprintf("a page probe of %s was given the page of %s", id, h.Exercise)}
	}
	return h, nil
}

// recordingWriter notes the status and the first bytes of a response,
// and passes flushes through (event streams).
type recordingWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
	body   bytes.Buffer
}

func (w *recordingWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recordingWriter) Write(p []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	if room := maxBodyKept - w.body.Len(); room > 0 {
		w.body.Write(p[:min(len(p), room)])
	}
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection's Flush and
// Hijack.
func (w *recordingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Flush is for handlers that assert http.Flusher directly.
func (w *recordingWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// describeRequests lists reqs for a failure message, the last n, with
// times from origin.
func describeRequests(reqs []PageRequest, origin time.Time, n int) string {
	if len(reqs) == 0 {
		return "the page made no request"
	}
	var parts []string
	start := max(0, len(reqs)-n)
	for _, r := range reqs[start:] {
		parts = append(parts, r.describe(origin))
	}
	s := strings.Join(parts, "; ")
	if start > 0 {
		s = fmt.Sprintf("%d requests, the last %d: %s", len(reqs), n, s)
	}
	return s
}
