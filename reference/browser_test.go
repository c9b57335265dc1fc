package reference

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"rtlab/internal/chrome"
)

// The pages of the references, run in a real headless Chromium with the
// real socket.io client: what a student sees when opening them. Each test
// skips where Chromium is absent (chrome.Require) and where the npm
// packages are not installed (the page cannot load /socket.io/socket.io.js).

// startPage runs exercise id's reference for a browser test, skipping when
// the socket.io client script it serves is not installed.
func startPage(t testing.TB, id, variant string) string {
	t.Helper()
	chrome.Require(t)
	if findClientScript() == "" {
		t.Skip("socket.io-client is not installed under testdata/node: run `npm ci` there (make node)")
	}
	var r *Running
	func() {
		defer func() {
			if p := recover(); p != nil {
				// Not this test's bug: reported, and the test cannot run.
				t.Skipf("reference %s panicked in New: %v", id, p)
			}
		}()
		var err error
		if r, err = Start(id, &Options{Variant: variant}); err != nil {
			t.Fatal(err)
		}
	}()
	t.Cleanup(func() { r.Close() })
	return r.URL
}

// open navigates the tab ctx to url and waits for the page's script to
// have run (readyState complete).
func open(t testing.TB, ctx context.Context, url string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		t.Fatalf("open %s: %v", url, err)
	}
}

// waitJS polls the page of ctx every 25 ms until the JavaScript expression
// cond is truthy, and fails the test after within, saying what the
// expression show evaluated to at that moment.
func waitJS(t testing.TB, ctx context.Context, cond, show string, within time.Duration, what string) {
	t.Helper()
	_, err := chromedp.Run(ctx, chromedp.Poll[any](cond,
		chromedp.WithPollingInterval(25*time.Millisecond),
		chromedp.WithPollingTimeout(within)))
	if err != nil {
		got, err2 := chromedp.Run(ctx, chromedp.Evaluate[any](show))
		if err2 != nil {
			got = "(" + err2.Error() + ")"
		}
		t.Fatalf("%s: not within %v (%v); %s is %#v", what, within, err, show, got)
	}
}

// eval runs a JavaScript expression in the page of ctx and returns its
// JSON value decoded into T.
func eval[T any](t testing.TB, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// browserSlots lets two browsers run at once: more, on a small machine
// shared with the other tests, only makes each page slower than its
// deadlines allow.
var browserSlots = make(chan struct{}, 2)

// launch starts a browser for t (whose whole life is bounded by timeout)
// once a slot is free, and frees the slot when t ends.
func launch(t testing.TB, timeout time.Duration) context.Context {
	t.Helper()
	chrome.Require(t)
	select {
	case browserSlots <- struct{}{}:
	case <-time.After(5 * time.Minute):
		t.Fatal("no browser slot free within 5 minutes")
	}
	t.Cleanup(func() { <-browserSlots })
	return chrome.Launch(t, &chrome.Options{Timeout: timeout})
}

func textOf(id string) string { return fmt.Sprintf("document.getElementById(%q).textContent", id) }

func TestBrowserQ15ShowsConnected(t *testing.T) {
	t.Parallel()
	base := startPage(t, "q15", "")
	ctx := launch(t, 60*time.Second)
	open(t, ctx, base+"/")
	waitJS(t, ctx, textOf("status")+` === "connected"`, textOf("status"), 10*time.Second,
		"the Q15 page shows Status: connected")
	if sid := eval[string](t, ctx, textOf("sid")); len(sid) < 5 {
		t.Errorf("the page shows the socket id %q, want the id the server gave", sid)
	}
}

// TestBrowserQ19TypingIndicator types in the chat of Alice and Bob and
// reads the typing line in the tabs of the others.
func TestBrowserQ19TypingIndicator(t *testing.T) {
	t.Parallel()
	testQ19Page(t, startPage(t, "q19", ""))
}

func testQ19Page(t testing.TB, base string) {
	alice := launch(t, 90*time.Second)
	bob := chrome.NewTab(t, alice)
	carol := chrome.NewTab(t, alice)
	tabs := map[string]context.Context{"Alice": alice, "Bob": bob, "Carol": carol}
	for name, ctx := range tabs {
		open(t, ctx, base+"/?name="+name)
	}
	for name, ctx := range tabs {
		waitJS(t, ctx, "typeof socket !== 'undefined' && socket.connected", "typeof socket", 10*time.Second, name+"'s page connects")
	}
	// Carol's page keeps every typing line it shows, with the time.
	eval[bool](t, carol, `(() => {
		const el = document.getElementById("typing");
		window.__lines = [];
		new MutationObserver(() => __lines.push({text: el.textContent, at: Date.now()}))
			.observe(el, {childList: true, characterData: true, subtree: true});
		return true;
	})()`)
	// A page connects in its own time; wait until the three are in the room
	// by having the line travel from Alice to Bob.
	typing := textOf("typing")
	sendKeys(t, alice, "h")
	waitJS(t, bob, typing+` === "Alice is typing…"`, typing, 5*time.Second,
		`Bob's page shows "Alice is typing…" when Alice types`)
	waitJS(t, carol, typing+` === "Alice is typing…"`, typing, 5*time.Second,
		`Carol's page shows "Alice is typing…" when Alice types`)
	time.Sleep(300 * time.Millisecond) // as long as a grader's "must not receive"
	if got := eval[string](t, alice, typing); got != "" {
		t.Errorf("Alice's own page shows %q, want nothing about herself", got)
	}

	sendKeys(t, alice, "i")
	sendKeys(t, bob, "y")
	waitJS(t, carol, typing+` === "Alice, Bob are typing…"`, typing, 5*time.Second,
		`Carol's page shows "Alice, Bob are typing…" when both type`)
	sendKeys(t, bob, "o")
	lastKey := eval[float64](t, bob, "Date.now()")

	// Bob's last keystroke was the last one: the line empties about 2 s
	// after it (the page's STOP_AFTER_MS), Alice's name a little earlier.
	waitJS(t, carol, typing+` === ""`, typing, 8*time.Second,
		"Carol's typing line clears after both stop typing")
	cleared := eval[float64](t, carol, `__lines.filter(l => l.text === "").at(-1).at`)
	after := time.Duration(cleared-lastKey) * time.Millisecond
	// Generous bounds: the clock is shared, the machine is not.
	if after < 1500*time.Millisecond || after > 5*time.Second {
		t.Errorf("the typing line cleared %v after the last keystroke, want about 2s (1.5s to 5s)", after)
	}
	t.Logf("cleared %v after the last keystroke; Carol saw %v", after,
		eval[[]string](t, carol, `__lines.map(l => l.text)`))
}

func sendKeys(t testing.TB, ctx context.Context, keys string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS("#msg"), keys)); err != nil {
		t.Fatalf("type %q: %v", keys, err)
	}
}

// TestBrowserQ22ReactionFloatsForOthers clicks a reaction in one tab and
// watches the floating emoji in the other.
func TestBrowserQ22ReactionFloatsForOthers(t *testing.T) {
	t.Parallel()
	testQ22Page(t, startPage(t, "q22", ""))
}

func testQ22Page(t testing.TB, base string) {
	a := launch(t, 90*time.Second)
	b := chrome.NewTab(t, a)
	for _, ctx := range []context.Context{a, b} {
		open(t, ctx, base+"/")
		waitJS(t, ctx, "typeof socket !== 'undefined' && socket.connected", "typeof socket", 10*time.Second,
			"the Q22 page connects")
	}
	// Each page records the received ("theirs") reactions added to it.
	for _, ctx := range []context.Context{a, b} {
		eval[bool](t, ctx, `(() => {
			window.__theirs = [];
			new MutationObserver((ms) => { for (const m of ms) for (const n of m.addedNodes)
				if (n.classList && n.classList.contains("theirs")) __theirs.push(n.className); })
				.observe(document.body, {childList: true});
			return true;
		})()`)
	}

	if err := chromedp.Do(a, chromedp.Click(chromedp.CSS(`button[data-type="heart"]`))); err != nil {
		t.Fatal(err)
	}
	waitJS(t, b, `document.querySelector(".float.theirs.reaction-heart") !== null`,
		`[...document.querySelectorAll(".float")].map(e => e.className)`, 5*time.Second,
		"a heart floats up in the other tab")
	if got := eval[string](t, b, textOf("count")); got != "1 reaction received" {
		t.Errorf("the other tab counts %q, want \"1 reaction received\"", got)
	}
	// The animation lasts 2.5 s; then the element is removed.
	waitJS(t, b, `document.querySelector(".float") === null`,
		`[...document.querySelectorAll(".float")].map(e => e.className)`, 8*time.Second,
		"the floating heart is removed after its animation")
	if got := eval[[]string](t, b, "__theirs"); len(got) != 1 {
		t.Errorf("the other tab floated %d received reactions %v, want 1", len(got), got)
	}

	// The sender shows its own heart at once (class "mine"), never one
	// received back from the server.
	if got := eval[[]string](t, a, "__theirs"); len(got) != 0 {
		t.Errorf("the sender's tab floated a received reaction %v: the server echoed it back", got)
	}
	if got := eval[string](t, a, textOf("count")); got != "0 reactions received" {
		t.Errorf("the sender's tab counts %q, want \"0 reactions received\"", got)
	}
}

// TestBrowserBrokenPagesAreCaught runs the Q19 and Q22 page tests on
// servers that echo the event back to its sender, and expects the checks
// that name that bug, and only those, to fail.
func TestBrowserBrokenPagesAreCaught(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		id, variant string
		test        func(testing.TB, string)
		want        []string
	}{
		{"q19", "echo-to-sender", testQ19Page, []string{"Alice's own page shows"}},
		{"q22", "echo-to-sender", testQ22Page, []string{"the sender's tab floated a received reaction", "the sender's tab counts"}},
	} {
		t.Run(c.id+"/"+c.variant, func(t *testing.T) {
			rec := &errorRecorder{TB: t}
			c.test(rec, startPage(t, c.id, c.variant))
			if len(rec.errs) != len(c.want) {
				t.Fatalf("the broken page failed %d checks %q, want %d naming %q", len(rec.errs), rec.errs, len(c.want), c.want)
			}
			for i, w := range c.want {
				if !strings.Contains(rec.errs[i], w) {
					t.Errorf("failure %d is %q, want one about %q", i+1, rec.errs[i], w)
				}
			}
		})
	}
}

// errorRecorder keeps the Error and Errorf of a test instead of failing
// it; Fatal and everything else go to the test.
type errorRecorder struct {
	testing.TB
	errs []string
}

func (r *errorRecorder) Error(args ...any) { r.errs = append(r.errs, fmt.Sprint(args...)) }
func (r *errorRecorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

// q21Host runs Q21's reference on a loopback port that survives a restart:
// stop closes the server as a crash would, start brings up a new one on
// the same address, which the page's socket.io client then reconnects to.
type q21Host struct {
	t       *testing.T
	variant string
	addr    string
	srv     *q21Server
	run     *Running
}

// start serves Q21 on h.addr, the port of the last run when there was one,
// so that the page's socket finds the restarted server where it left it.
func (h *q21Host) start() {
	h.t.Helper()
	r, err := Start("q21", &Options{Variant: h.variant, Addr: h.addr})
	if err != nil {
		h.t.Fatalf("serve q21 on %q again: %v", h.addr, err)
	}
	h.run, h.srv, h.addr = r, r.Server.(*q21Server), r.Addr
}

func (h *q21Host) stop() {
	if h.run == nil {
		return
	}
	h.run.Close()
	h.run = nil
}

func (h *q21Host) url() string { return "http://" + h.addr }

// waitConnections waits until the server has n sockets connected, then
// makes sure, 500 ms later, that no other one came.
func (h *q21Host) waitConnections(n int, what string) {
	h.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for h.srv.connections() != n {
		if time.Now().After(deadline) {
			h.t.Fatalf("%s: the server has %d connections, want %d", what, h.srv.connections(), n)
		}
		time.Sleep(25 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond)
	if got := h.srv.connections(); got != n {
		h.t.Fatalf("%s: the server has %d connections 500ms later, want %d", what, got, n)
	}
}

// startQ21 serves Q21 (variant v) until the test ends, skipping when the
// browser or the npm packages the page is built from are absent.
func startQ21(t *testing.T, v string) *q21Host {
	t.Helper()
	chrome.Require(t)
	if _, err := findNodeModules(); err != nil {
		t.Skip(err)
	}
	h := &q21Host{t: t, variant: v}
	h.start()
	t.Cleanup(h.stop)
	return h
}

const (
	q21Status = `document.getElementById("status").dataset.status`
	// q21Listeners counts the listeners left on the page's last socket
	// and on its Manager (socket.io-client keeps them in _callbacks).
	q21Listeners = `(() => {
		const n = (e) => Object.values(e._callbacks || {}).reduce((k, a) => k + a.length, 0);
		return n(q21.socket) + n(q21.socket.io);
	})()`
)

// TestBrowserQ21ReactStrictMode loads the React page (in <StrictMode>,
// development build) and follows one connection through its life: one
// socket on the server despite the double mount, nothing left after an
// unmount, and the status through a server crash and its restart.
func TestBrowserQ21ReactStrictMode(t *testing.T) {
	t.Parallel()
	h := startQ21(t, "")
	ctx := launch(t, 120*time.Second)
	open(t, ctx, h.url()+"/")
	status := textOf("status")

	waitJS(t, ctx, q21Status+` === "connected"`, status, 15*time.Second, "the status shows Connected")
	h.waitConnections(1, "after the Strict Mode double mount")
	waitJS(t, ctx, textOf("users")+` === "1 user online"`, textOf("users"), 5*time.Second,
		"the page shows the count the server sends")
	// The page records every status it shows from now on.
	eval[bool](t, ctx, `(() => {
		window.__statuses = [];
		new MutationObserver(() => {
			const el = document.getElementById("status");
			if (el && __statuses.at(-1) !== el.dataset.status) __statuses.push(el.dataset.status);
		}).observe(document.getElementById("root"), {subtree: true, childList: true, characterData: true, attributes: true});
		return true;
	})()`)

	// Unmount: the connection closes and the hook leaves no listener.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#toggle"))); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, q21Status+` === "unmounted"`, status, 5*time.Second, "the component unmounts")
	h.waitConnections(0, "after the unmount")
	if eval[bool](t, ctx, "q21.socket.connected") {
		t.Error("the unmounted component's socket is still connected")
	}
	if n := eval[int](t, ctx, q21Listeners); n != 0 {
		t.Errorf("%d listeners are left on the unmounted component's socket and Manager, want 0", n)
	}

	// Mount again, then crash the server and restart it on the same port.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#toggle"))); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, q21Status+` === "connected"`, status, 10*time.Second, "the status shows Connected after mounting again")
	h.waitConnections(1, "after mounting again")

	h.stop()
	waitJS(t, ctx, q21Status+` === "reconnecting"`, status, 10*time.Second,
		"the status shows the lost connection when the server stops")
	waitJS(t, ctx, status+`.includes("attempt")`, status, 10*time.Second,
		"the status counts the reconnection attempts")
	h.start()
	waitJS(t, ctx, q21Status+` === "connected"`, status, 20*time.Second,
		"the status shows Connected once the server is back")
	h.waitConnections(1, "after the reconnection")
	waitJS(t, ctx, textOf("users")+` === "1 user online"`, textOf("users"), 5*time.Second,
		"the page shows the new server's count")

	got := eval[[]string](t, ctx, "__statuses")
	want := []string{"unmounted", "connecting", "connected", "reconnecting", "connected"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("the page showed the statuses %v, want %v", got, want)
	}
}

// TestBrowserQ21BrokenHooksAreCaught runs the same page with the broken
// copies of the hook, to show that each check above can fail.
func TestBrowserQ21BrokenHooksAreCaught(t *testing.T) {
	t.Parallel()
	t.Run("no-cleanup", func(t *testing.T) {
		h := startQ21(t, "no-cleanup")
		ctx := launch(t, 60*time.Second)
		open(t, ctx, h.url()+"/")
		waitJS(t, ctx, q21Status+` === "connected"`, textOf("status"), 15*time.Second, "the status shows Connected")
		// Strict Mode mounted twice; without a cleanup both sockets stay.
		h.waitConnections(2, "no-cleanup: the double mount leaves two connections")
	})
	t.Run("no-off", func(t *testing.T) {
		h := startQ21(t, "no-off")
		ctx := launch(t, 60*time.Second)
		open(t, ctx, h.url()+"/")
		waitJS(t, ctx, q21Status+` === "connected"`, textOf("status"), 15*time.Second, "the status shows Connected")
		h.waitConnections(1, "no-off: one connection")
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#toggle"))); err != nil {
			t.Fatal(err)
		}
		h.waitConnections(0, "no-off: closed on unmount")
		if n := eval[int](t, ctx, q21Listeners); n == 0 {
			t.Error("no-off: no listener left after unmount, but this variant never removes its listeners")
		}
	})
}
