package probes

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/chromedp/chromedp"

	"rtlab/graders"
	"rtlab/socketio"
)

// pageReactions judges one check of a Q22 page (clients.md, Q22): emit,
// float, brief, burst or no-html (params.check). The first check runs the
// whole session (about 15 s); the others read its verdicts.
func pageReactions(ctx context.Context, env *graders.ProbeEnv, params map[string]any) error {
	return judgePage(ctx, env, params, "q22", "page-reactions", runReactions)
}

// Q22's windows (clients.md).
const (
	q22Within     = time.Second            // Bob gets a click's reaction; a reaction shows
	q22MoveSpan   = 300 * time.Millisecond // a shown reaction moves or fades over this
	q22GoneWithin = 5 * time.Second        // a reaction is removed or hidden
	q22Burst      = 20                     // reactions Bob sends in 1 s
	q22BurstGone  = 6 * time.Second        // none of the burst is visible then
	q22XSSWatch   = 1500 * time.Millisecond
)

var q22Types = []string{"thumbs-up", "heart", "clap"}

var q22Checks = []string{"emit", "float", "brief", "burst", "no-html"}

// reactionsJS installs in the page a watch on the [data-reaction]
// elements: every element added from now on is kept in order (a
// MutationObserver sees even those removed at once), so that the grader
// counts what its own clients caused and not what the page's clicks drew.
const reactionsJS = `(() => {
  const w = window.__rtlab22 = { added: [] };
  const take = (n) => {
    if (n.nodeType !== 1) return;
    if (n.matches("[data-reaction]")) w.added.push(n);
    for (const c of n.querySelectorAll("[data-reaction]")) w.added.push(c);
  };
  new MutationObserver((ms) => { for (const m of ms) for (const n of m.addedNodes) take(n); })
    .observe(document.documentElement, { childList: true, subtree: true });
  w.visible = (el) => {
    if (!el.isConnected || el.getClientRects().length === 0) return false;
    for (let e = el; e; e = e.parentElement) {
      const cs = getComputedStyle(e);
      if (cs.visibility === "hidden" || Number(cs.opacity) === 0) return false;
    }
    return true;
  };
  w.state = (el) => {
    const r = el.getBoundingClientRect();
    return { type: el.getAttribute("data-reaction"), visible: w.visible(el), connected: el.isConnected,
      box: [r.x, r.y, r.width, r.height].map((v) => Math.round(v * 10) / 10).join(","),
      opacity: getComputedStyle(el).opacity, text: el.textContent.trim().slice(0, 40) };
  };
  w.from = (i) => w.added.slice(i).map(w.state);
  return true;
})()`

// reactionState is one watched element as reactionsJS reports it.
type reactionState struct {
	Type      string `json:"type"`
	Visible   bool   `json:"visible"`
	Connected bool   `json:"connected"`
	Box       string `json:"box"`
	Opacity   string `json:"opacity"`
	Text      string `json:"text"`
}

// runReactions drives a Q22 page: its three buttons clicked while Bob
// listens; then Bob sends a heart, a burst of 20, and the server an HTML
// type.
func runReactions(ctx context.Context, h *PageHarness) *pageOutcome {
	t := newTrial(q22Checks...)
	if err := t.open(ctx, h, nil); err != nil {
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
	if err := s.Eval(ctx, reactionsJS, nil); err != nil {
		return t.fail(err)
	}

	v["emit"] = reactionsEmit(ctx, s, bob)
	if t.stopped(ctx) {
		return t.out
	}
	// The page's own reactions may float a while: the checks below count
	// only the elements added from here on.
	if err := reactionsFloat(ctx, s, bob, v); err != nil {
		return t.fail(err)
	}
	if err := reactionsBurst(ctx, s, bob, v); err != nil {
		return t.fail(err)
	}
	v["no-html"] = reactionsNoHTML(ctx, s, h)
	if t.stopped(ctx) {
		return t.out
	}
	return t.out
}

// reactionsEmit clicks each button; Bob must receive reaction
// {"type":TYPE,"from"} within 1 s, once per click.
func reactionsEmit(ctx context.Context, s *PageSession, bob *pageClient) error {
	for _, typ := range q22Types {
		from := bob.at(time.Now())
		err := s.act(ctx, chromedp.Click(chromedp.CSS(fmt.Sprintf(`button[data-type=%q]`, typ))))
		if err != nil {
			return &graders.Failure{Reason: fmt.Sprintf("the grader could not click button[data-type=%q]", typ),
				Expected: `three buttons: button[data-type="thumbs-up"], "heart" and "clap"`, Actual: err.Error()}
		}
		bob.waitEvents(ctx, "reaction", from, q22Within, func(evs []socketio.InboxEvent) bool { return len(evs) > 0 })
		// A second copy would come right behind the first.
		if err := Wait(ctx, 150*time.Millisecond); err != nil {
			return err
		}
		got := bob.events("reaction", from)
		exp := fmt.Sprintf(`one reaction {"type":%q,"from":ID} within %s`, typ, q22Within)
		switch {
		case len(got) == 0:
			return &graders.Failure{Reason: fmt.Sprintf("the grader clicked the %s button, but Bob received no reaction (the server ignores an unknown type or payload)", typ),
				Expected: exp, Actual: describePageEvents(s.Harness, s.Opened, 4)}
		case len(got) > 1:
			return &graders.Failure{Reason: fmt.Sprintf("the grader clicked the %s button once, but Bob received %d reactions", typ, len(got)),
				Expected: exp, Actual: describeEvents(got, from)}
		}
		var r map[string]any
		if len(got[0].Args) == 0 || json.Unmarshal(got[0].Args[0], &r) != nil || r["type"] != typ {
			return &graders.Failure{Reason: fmt.Sprintf("the grader clicked the %s button, but Bob received another type", typ),
				Expected: exp, Actual: describeEvents(got, from)}
		}
	}
	return nil
}

// watched returns the states of the elements added to the page since
// index i of the watch.
func watched(ctx context.Context, s *PageSession, i int) ([]reactionState, error) {
	var out []reactionState
	err := s.Eval(ctx, fmt.Sprintf("window.__rtlab22 ? __rtlab22.from(%d) : []", i), &out)
	return out, err
}

// watchedCount is how many elements the watch has seen added.
func watchedCount(ctx context.Context, s *PageSession) (int, error) {
	var n int
	err := s.Eval(ctx, "window.__rtlab22 ? __rtlab22.added.length : 0", &n)
	return n, err
}

// waitWatched polls the elements added since i every 50 ms until cond
// accepts them, for at most within.
func waitWatched(ctx context.Context, s *PageSession, i int, within time.Duration, cond func([]reactionState) bool) ([]reactionState, bool, error) {
	deadline := time.Now().Add(within)
	for {
		st, err := watched(ctx, s, i)
		if err != nil {
			return nil, false, err
		}
		if cond(st) {
			return st, true, nil
		}
		if time.Now().After(deadline) {
			return st, false, nil
		}
		if err := Wait(ctx, 50*time.Millisecond); err != nil {
			return st, false, err
		}
	}
}

// reactionsFloat: Bob sends a heart; within 1 s a new visible
// [data-reaction="heart"], whose box or opacity changes over 300 ms
// (float), then removed or hidden within 5 s (brief).
func reactionsFloat(ctx context.Context, s *PageSession, bob *pageClient, v verdicts) error {
	i, err := watchedCount(ctx, s)
	if err != nil {
		return err
	}
	if err := bob.sock.Emit("reaction", map[string]string{"type": "heart"}); err != nil {
		return err
	}
	isHeart := func(st []reactionState) int {
		for k, e := range st {
			if e.Type == "heart" && e.Visible {
				return k
			}
		}
		return -1
	}
	st, ok, err := waitWatched(ctx, s, i, q22Within, func(st []reactionState) bool { return isHeart(st) >= 0 })
	if err != nil {
		return err
	}
	if !ok {
		v["float"] = &graders.Failure{Reason: `Bob sent a heart, but no visible element [data-reaction="heart"] was added to the page within 1 s`,
			Expected: `a new element with data-reaction="heart" for each reaction received`, Actual: describeReactions(st) + "; " + s.Context(3)}
		v["brief"] = graders.Skipf("needs float")
		return nil
	}
	k := isHeart(st)
	first := st[k]
	if err := Wait(ctx, q22MoveSpan); err != nil {
		return err
	}
	st, err = watched(ctx, s, i)
	if err != nil {
		return err
	}
	later := st[k]
	if later.Connected && later.Box == first.Box && later.Opacity == first.Opacity {
		v["float"] = &graders.Failure{Reason: `Bob sent a heart; its [data-reaction="heart"] element stood still for 300 ms`,
			Expected: "its box (position, size) or opacity changing: an animation or a transition",
			Actual:   fmt.Sprintf("box %s, opacity %s, both times", first.Box, first.Opacity)}
	} else {
		v["float"] = nil
	}
	st, ok, err = waitWatched(ctx, s, i+k, q22GoneWithin-q22MoveSpan, func(st []reactionState) bool { return len(st) > 0 && !st[0].Visible })
	if err != nil {
		return err
	}
	if !ok {
		v["brief"] = &graders.Failure{Reason: `Bob sent a heart; its [data-reaction="heart"] element was still visible 5 s later`,
			Expected: "removed or hidden (display: none, visibility: hidden or opacity 0) within 5 s",
			Actual:   describeReactions(st[:min(1, len(st))]) + " (a remove on animationend never runs when no animation ends)"}
	} else {
		v["brief"] = nil
	}
	return nil
}

// reactionsBurst: Bob sends 20 reactions in 1 s; at least 20 elements
// appear, none visible 6 s after the last.
func reactionsBurst(ctx context.Context, s *PageSession, bob *pageClient, v verdicts) error {
	i, err := watchedCount(ctx, s)
	if err != nil {
		return err
	}
	start := time.Now()
	for n := range q22Burst {
		if err := Wait(ctx, time.Until(start.Add(time.Duration(n)*time.Second/q22Burst))); err != nil {
			return err
		}
		if err := bob.sock.Emit("reaction", map[string]string{"type": q22Types[n%len(q22Types)]}); err != nil {
			return err
		}
	}
	last := time.Now()
	st, ok, err := waitWatched(ctx, s, i, q22Within, func(st []reactionState) bool { return len(st) >= q22Burst })
	if err != nil {
		return err
	}
	if !ok {
		v["burst"] = &graders.Failure{Reason: fmt.Sprintf("Bob sent %d reactions in 1 s, but only %d new elements [data-reaction] were added (one element reused?)", q22Burst, len(st)),
			Expected: fmt.Sprintf("a new element for each reaction: at least %d", q22Burst), Actual: describeReactions(st)}
		return nil
	}
	if err := Wait(ctx, time.Until(last.Add(q22BurstGone))); err != nil {
		return err
	}
	st, err = watched(ctx, s, i)
	if err != nil {
		return err
	}
	var left []reactionState
	for _, e := range st {
		if e.Visible {
			left = append(left, e)
		}
	}
	if len(left) > 0 {
		v["burst"] = &graders.Failure{Reason: fmt.Sprintf("Bob sent %d reactions in 1 s; 6 s later %d of them are still visible", q22Burst, len(left)),
			Expected: "each removed on its own (its own timer or animationend), none left",
			Actual:   describeReactions(left) + " (one timer variable shared by all: only the last is removed)"}
		return nil
	}
	v["burst"] = nil
	return nil
}

// q22XSS is the type the grader's server sends: an image that fails to
// load and runs its onerror when the page parses the type as HTML.
const q22XSS = `<img src="x-rtlab-no-html" onerror="window.__rtlabXSS = 1">`

// reactionsNoHTML: the server sends a reaction whose type is HTML; no
// script may run.
func reactionsNoHTML(ctx context.Context, s *PageSession, h *PageHarness) error {
	if err := h.Hooks.Sockets.Emit("reaction", map[string]string{"type": q22XSS, "from": "rtlab"}); err != nil {
		return err
	}
	deadline := time.Now().Add(q22XSSWatch)
	for time.Now().Before(deadline) {
		var ran bool
		if err := s.Eval(ctx, "window.__rtlabXSS === 1", &ran); err != nil {
			return err
		}
		if ran {
			return &graders.Failure{Reason: "the server sent a reaction whose type is HTML, and the page ran its script",
				Expected: "the type shown as text (textContent) or ignored: never parsed as HTML",
				Actual:   fmt.Sprintf("type %s; its onerror ran (innerHTML)", q22XSS)}
		}
		if err := Wait(ctx, 50*time.Millisecond); err != nil {
			return err
		}
	}
	return nil
}

// describeReactions lists watched elements for a failure, the last 6.
func describeReactions(st []reactionState) string {
	if len(st) == 0 {
		return "no element [data-reaction] was added"
	}
	parts := []string{}
	for _, e := range st[max(0, len(st)-6):] {
		vis := "visible"
		if !e.Connected {
			vis = "removed"
		} else if !e.Visible {
			vis = "hidden"
		}
		parts = append(parts, fmt.Sprintf("%q %s", e.Type, vis))
	}
	s := strings.Join(parts, ", ")
	if len(st) > 6 {
		s = fmt.Sprintf("%d elements, the last 6: %s", len(st), s)
	}
	return s
}
