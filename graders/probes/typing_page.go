package probes

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"time"

	"github.com/chromedp/chromedp"

	"rtlab/graders"
	"rtlab/socketio"
)

// pageTyping judges one check of a Q19 page (clients.md, Q19):
// emits-typing, debounce, idle-stop, shows-others or no-duplicates
// (params.check). The first check runs the whole session (about 12 s);
// the others read its verdicts.
func pageTyping(ctx context.Context, env *graders.ProbeEnv, params map[string]any) error {
	return judgePage(ctx, env, params, "q19", "page-typing", runTyping)
}

// Q19's windows (clients.md).
const (
	q19Within      = time.Second             // an event reaches Bob; #typing follows
	q19KeyEvery    = 250 * time.Millisecond  // the debounce burst
	q19BurstSpan   = 3 * time.Second         //
	q19StopMin     = 1600 * time.Millisecond // stop-typing after the last key
	q19StopMax     = 3500 * time.Millisecond //
	q19StopWatched = 5500 * time.Millisecond // how long stops are counted after the last key
)

// q19Name is the user the page is opened as.
const q19Name = "Alice"

var q19Checks = []string{"emits-typing", "debounce", "idle-stop", "shows-others", "no-duplicates"}

// runTyping drives a Q19 page opened as ?name=Alice: Bob and Carol join
// once the page's socket is connected; they type and stop while the
// grader reads #typing; then the grader types into #msg while Bob listens.
func runTyping(ctx context.Context, h *PageHarness) *pageOutcome {
	t := newTrial(q19Checks...)
	if err := t.open(ctx, h, url.Values{"name": {q19Name}}); err != nil {
		return t.fail(err)
	}
	defer t.close()
	s, v := t.s, t.v
	if !t.pageConnects(ctx, h) {
		return t.out
	}
	bob, err := dialPageClient(ctx, h, "Bob")
	if err != nil {
		return t.fail(err)
	}
	defer bob.Close()
	carol, err := dialPageClient(ctx, h, "Carol")
	if err != nil {
		return t.fail(err)
	}
	defer carol.Close()

	v["shows-others"] = typingShowsOthers(ctx, s, bob, carol)
	v["no-duplicates"] = typingNoDuplicates(ctx, s, bob)
	if t.stopped(ctx) {
		return t.out
	}
	if err := typeKeys(ctx, s, bob, v); err != nil {
		return t.fail(err)
	}
	return t.out
}

// typingShowsOthers: Bob, then Carol type; Bob, then Carol stop.
func typingShowsOthers(ctx context.Context, s *PageSession, bob, carol *pageClient) error {
	steps := []struct {
		who   *pageClient
		event string
		want  string
		did   string
	}{
		{bob, "typing", "Bob is typing…", "Bob sent typing"},
		{carol, "typing", "Bob, Carol are typing…", "then Carol sent typing"},
		{bob, "stop-typing", "Carol is typing…", "then Bob sent stop-typing"},
		{carol, "stop-typing", "", "then Carol sent stop-typing"},
	}
	for _, st := range steps {
		if err := st.who.sock.Emit(st.event, map[string]string{"username": st.who.name}); err != nil {
			return err
		}
		if err := waitTypingLine(ctx, s, st.want, st.did); err != nil {
			return err
		}
	}
	return nil
}

// typingNoDuplicates: Bob sends typing 3 times, then stop-typing.
func typingNoDuplicates(ctx context.Context, s *PageSession, bob *pageClient) error {
	for range 3 {
		if err := bob.sock.Emit("typing", map[string]string{"username": "Bob"}); err != nil {
			return err
		}
	}
	// The three are sent in order on one connection: once the line shows
	// something, all three have arrived within a moment; read it again
	// after a short settle so that a third name has time to show.
	if err := waitTypingLine(ctx, s, "Bob is typing…", "Bob sent typing 3 times in a row"); err != nil {
		return err
	}
	if err := Wait(ctx, 300*time.Millisecond); err != nil {
		return err
	}
	if err := waitTypingLine(ctx, s, "Bob is typing…", "Bob sent typing 3 times in a row (read again 300 ms later)"); err != nil {
		return err
	}
	if err := bob.sock.Emit("stop-typing", map[string]string{"username": "Bob"}); err != nil {
		return err
	}
	return waitTypingLine(ctx, s, "", "then Bob sent stop-typing once")
}

// waitTypingLine waits until #typing reads want ("" for empty) for at most
// 1 s.
func waitTypingLine(ctx context.Context, s *PageSession, want, did string) error {
	els, ok, err := s.WaitQuery(ctx, q19Within, "#typing", nil, func(els []PageElement) bool {
		if len(els) != 1 {
			return false
		}
		if want == "" {
			return els[0].Empty()
		}
		return els[0].Shown && els[0].Text == want
	})
	if err != nil || ok {
		return err
	}
	exp := fmt.Sprintf("#typing to read %q within %s", want, q19Within)
	if want == "" {
		exp = fmt.Sprintf("#typing empty within %s", q19Within)
	}
	switch {
	case len(els) == 0:
		return &graders.Failure{Reason: did + ", but the page has no element #typing", Expected: exp, Actual: s.Context(4)}
	case !els[0].Shown:
		return &graders.Failure{Reason: did + ", but #typing is not displayed", Expected: exp, Actual: s.Context(4)}
	}
	return &graders.Failure{Reason: fmt.Sprintf("%s, but #typing read %q", did, els[0].Text), Expected: exp, Actual: s.Context(4)}
}

// typeKeys: one key, then a key every 250 ms for 3 s, then quiet; Bob
// listens for typing and stop-typing. Judges emits-typing, debounce and
// idle-stop.
func typeKeys(ctx context.Context, s *PageSession, bob *pageClient, v verdicts) error {
	key := func() (time.Time, error) {
		// The page may emit before the browser answers the key: the
		// key's time is when it was sent.
		at := time.Now()
		return at, s.act(ctx, chromedp.SendKeys(chromedp.CSS("#msg"), "a"))
	}
	first, err := key()
	if err != nil {
		v["emits-typing"] = &graders.Failure{Reason: "the grader could not type into #msg", Expected: "an input #msg on the page",
			Actual: err.Error() + "; " + s.Context(3)}
		v["debounce"] = graders.Skipf("needs emits-typing")
		v["idle-stop"] = graders.Skipf("needs emits-typing")
		return nil
	}
	from := bob.at(first)
	isAlice := func(e socketio.InboxEvent) bool {
		var u map[string]any
		return len(e.Args) == 1 && json.Unmarshal(e.Args[0], &u) == nil && u["username"] == q19Name
	}
	bob.waitEvents(ctx, "typing", from, q19Within, func(evs []socketio.InboxEvent) bool { return len(evs) > 0 })
	typing := bob.events("typing", from)
	switch {
	case len(typing) == 0 && pageSent(s.Harness, "typing"):
		v["emits-typing"] = &graders.Failure{Reason: "the grader typed one key into #msg; the page sent typing with the wrong payload, which the server does not relay",
			Expected: `typing {"username":"Alice"} (the name of ?name=)`, Actual: describePageEvents(s.Harness, s.Opened, 2)}
	case len(typing) == 0:
		v["emits-typing"] = &graders.Failure{Reason: "the grader typed one key into #msg, but Bob received no typing event within 1 s",
			Expected: `typing {"username":"Alice"} (the name of ?name=)`, Actual: describePageEvents(s.Harness, s.Opened, 4) + "; " + s.Context(3)}
	case !isAlice(typing[0]):
		v["emits-typing"] = &graders.Failure{Reason: "the grader typed one key into #msg; Bob received typing with the wrong payload",
			Expected: `typing {"username":"Alice"}`, Actual: describeEvents(typing[:1], from)}
	default:
		v["emits-typing"] = nil
	}

	// The burst: a key every 250 ms for 3 s from the first.
	last := first
	for next := first.Add(q19KeyEvery); !next.After(first.Add(q19BurstSpan)); next = next.Add(q19KeyEvery) {
		if err := Wait(ctx, time.Until(next)); err != nil {
			return err
		}
		if last, err = key(); err != nil {
			return err
		}
	}
	early := bob.events("stop-typing", from)
	var during []socketio.InboxEvent
	for _, e := range early {
		if e.At <= bob.at(last) {
			during = append(during, e)
		}
	}
	if len(during) > 0 {
		v["debounce"] = &graders.Failure{
			Reason:   fmt.Sprintf("the grader typed a key every 250 ms for 3 s, but Bob received stop-typing %d time(s) meanwhile", len(during)),
			Expected: "no stop-typing while the keys keep coming: restart the 2 s timer on every key",
			Actual:   describeEvents(during, from) + " (times from the first key)",
		}
	} else {
		v["debounce"] = nil
	}

	// Quiet: count the stops after the last key.
	if err := Wait(ctx, time.Until(last.Add(q19StopWatched))); err != nil {
		return err
	}
	end := bob.at(last)
	var after []socketio.InboxEvent
	for _, e := range bob.events("stop-typing", end) {
		after = append(after, e)
	}
	v["idle-stop"] = judgeIdleStop(after, end, isAlice)
	return nil
}

// judgeIdleStop: exactly one stop-typing {"username":"Alice"} after the
// last key, 1.6–3.5 s after it.
func judgeIdleStop(after []socketio.InboxEvent, last time.Duration, isAlice func(socketio.InboxEvent) bool) error {
	exp := fmt.Sprintf(`exactly one stop-typing {"username":"Alice"}, %.1f–%.1f s after the last key`, q19StopMin.Seconds(), q19StopMax.Seconds())
	got := describeEvents(after, last) + " (times from the last key)"
	switch {
	case len(after) == 0:
		return &graders.Failure{Reason: fmt.Sprintf("Bob received no stop-typing within %.1f s of the last key", q19StopWatched.Seconds()), Expected: exp}
	case len(after) > 1:
		return &graders.Failure{Reason: fmt.Sprintf("Bob received stop-typing %d times after the last key: a timer not cleared, or set with setInterval", len(after)), Expected: exp, Actual: got}
	case !isAlice(after[0]):
		return &graders.Failure{Reason: "Bob received stop-typing with the wrong payload", Expected: exp, Actual: got}
	}
	if d := after[0].At - last; d < q19StopMin || d > q19StopMax {
		return &graders.Failure{Reason: fmt.Sprintf("stop-typing came %.1f s after the last key", d.Seconds()), Expected: exp, Actual: got}
	}
	return nil
}
