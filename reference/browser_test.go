package reference

import (
	"context"
	"fmt"
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
func startPage(t *testing.T, id string) string {
	t.Helper()
	chrome.Require(t)
	if findClientScript() == "" {
		t.Skip("socket.io-client is not installed under testdata/node: run `npm ci` there (make node)")
	}
	ex, ok := Lookup(id)
	if !ok {
		t.Fatalf("no exercise %s", id)
	}
	var srv Server
	func() {
		defer func() {
			if p := recover(); p != nil {
				// Not this test's bug: reported, and the test cannot run.
				t.Skipf("reference %s panicked in New: %v", id, p)
			}
		}()
		var err error
		if srv, err = ex.New(nil); err != nil {
			t.Fatal(err)
		}
	}()
	t.Cleanup(func() { srv.Close() })
	return newLoopbackServer(t, srv)
}

// open navigates the tab ctx to url and waits for the page's script to
// have run (readyState complete).
func open(t *testing.T, ctx context.Context, url string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		t.Fatalf("open %s: %v", url, err)
	}
}

// waitJS polls the page of ctx every 25 ms until the JavaScript expression
// cond is truthy, and fails the test after within, saying what the
// expression show evaluated to at that moment.
func waitJS(t *testing.T, ctx context.Context, cond, show string, within time.Duration, what string) {
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
func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

func textOf(id string) string { return fmt.Sprintf("document.getElementById(%q).textContent", id) }

func TestBrowserQ15ShowsConnected(t *testing.T) {
	t.Parallel()
	base := startPage(t, "q15")
	ctx := chrome.Launch(t, &chrome.Options{Timeout: 30 * time.Second})
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
	base := startPage(t, "q19")
	alice := chrome.Launch(t, &chrome.Options{Timeout: 45 * time.Second})
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

func sendKeys(t *testing.T, ctx context.Context, keys string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS("#msg"), keys)); err != nil {
		t.Fatalf("type %q: %v", keys, err)
	}
}

// TestBrowserQ22ReactionFloatsForOthers clicks a reaction in one tab and
// watches the floating emoji in the other.
func TestBrowserQ22ReactionFloatsForOthers(t *testing.T) {
	t.Parallel()
	base := startPage(t, "q22")
	a := chrome.Launch(t, &chrome.Options{Timeout: 45 * time.Second})
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
