package probes

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"rtlab/graders"
)

// pageLongPolling judges one check of a Q10 page (clients.md, Q10):
// backlog, push, one-waiting, handles-204, since or error-backoff
// (params.check). The first check runs the whole session (about 20 s);
// the others read its verdicts.
func pageLongPolling(ctx context.Context, env *graders.ProbeEnv, params map[string]any) error {
	return judgePage(ctx, env, params, "q10", "page-long-polling", runLongPolling)
}

// longPollPath is the feed Q10's page waits on.
const longPollPath = "/api/notifications/long-poll"

// Q10's windows (clients.md).
const (
	q10ShowWithin   = 2500 * time.Millisecond // backlog
	q10PushWithin   = time.Second             // a post while a request waits
	q10Quiet        = 6 * time.Second         // one-waiting's quiet window
	q10After204     = time.Second             // the next request after a 204
	q10Outage       = 3 * time.Second         // every request answered 503
	q10OutageMax    = 10                      // requests allowed meanwhile
	q10RecoverShown = 4 * time.Second         // a post after the outage shows
	q10WaitOpen     = 8 * time.Second         // for the page to have a request waiting
)

// runLongPolling drives a Q10 page (the server ends a quiet wait with 204
// after 2 s): 2 items before it loads; 6 quiet seconds watched; a post
// while a request waits and one 300 ms later; 3 s of 503s and a post
// after them.
func runLongPolling(ctx context.Context, h *PageHarness) *pageOutcome {
	t := newTrial("backlog", "push", "one-waiting", "handles-204", "since", "error-backoff")
	posts := &feedPosts{ctx: ctx, h: h, t: t}
	backlog, ok := posts.backlog()
	if !ok {
		return t.out
	}
	if err := t.open(ctx, h, nil); err != nil {
		return t.fail(err)
	}
	defer t.close()
	s, v := t.s, t.v

	v["backlog"] = waitShown(ctx, s, backlog, s.Loaded, q10ShowWithin, "the grader posted 2 notifications before the page loaded")
	if v["backlog"] != nil {
		return t.out
	}

	// one-waiting: 6 quiet seconds from the moment a request waits.
	quietFrom, waiting := waitOpenLongPoll(ctx, h, 0)
	if !waiting {
		v["one-waiting"] = &graders.Failure{Reason: fmt.Sprintf("no request was waiting on %s within %.0f s of the backlog", longPollPath, q10WaitOpen.Seconds()),
			Expected: "a new long poll right after each answer", Actual: s.Context(6)}
	} else if err := Wait(ctx, time.Until(quietFrom.Add(q10Quiet))); err != nil {
		return t.fail(err)
	}

	if !longPollPush(ctx, t, h, posts) {
		return t.out
	}

	// error-backoff: every request answered 503 for 3 s, then a post.
	v["error-backoff"] = longPollOutage(ctx, s, h, posts.post)
	if t.stopped(ctx) {
		return t.out
	}

	reqs := h.Requests()
	if waiting {
		v["one-waiting"] = judgeOneWaiting(s, reqs, quietFrom)
	}
	v["handles-204"] = judgeAfter204(s, reqs)
	v["since"] = judgeSince(s, reqs, longPollPath)
	if v["since"] == nil {
		els, err := s.Query(ctx, notificationsSelector, "data-id")
		if err != nil {
			return t.fail(err)
		}
		v["since"] = judgeNoDuplicates(els, posts.items, s)
	}
	return t.out
}

// longPollPush judges push: a post while a request waits, then one
// 300 ms later. It reports false when the session must end (a harness
// problem, recorded in t).
func longPollPush(ctx context.Context, t *pageTrial, h *PageHarness, posts *feedPosts) bool {
	s, v := t.s, t.v
	if _, ok := waitOpenLongPoll(ctx, h, 300*time.Millisecond); !ok {
		v["push"] = &graders.Failure{Reason: "no request was waiting on " + longPollPath + " to receive a post",
			Expected: "a long poll always waiting", Actual: s.Context(6)}
		return true
	}
	a, ok := posts.post("Pushed one")
	if !ok {
		return false
	}
	v["push"] = waitShown(ctx, s, []postedItem{a}, a.PostedAt, q10PushWithin, "a request was waiting; the grader posted a notification")
	if v["push"] != nil {
		return true
	}
	if err := Wait(ctx, time.Until(a.PostedAt.Add(300*time.Millisecond))); err != nil {
		t.fail(err)
		return false
	}
	b, ok := posts.post("Pushed two")
	if !ok {
		return false
	}
	v["push"] = waitShown(ctx, s, []postedItem{b}, b.PostedAt, q10PushWithin, "300 ms after the first post the grader posted another")
	if f, ok := v["push"].(*graders.Failure); ok {
		f.Expected = "the next long poll sent at once after each answer (no setTimeout before it), so the second post finds it waiting"
	}
	return true
}

// waitOpenLongPoll waits (at most q10WaitOpen) until a long poll of the
// page has been open for at least held, and returns when it was first
// seen so.
func waitOpenLongPoll(ctx context.Context, h *PageHarness, held time.Duration) (time.Time, bool) {
	var at time.Time
	deadline := time.Now().Add(q10WaitOpen)
	for time.Now().Before(deadline) {
		ok := h.WaitRequests(ctx, time.Until(deadline), func(reqs []PageRequest) bool {
			for _, r := range feedGETs(reqs, longPollPath) {
				if r.Open() {
					at = r.Start
					return true
				}
			}
			return false
		})
		if !ok {
			return time.Time{}, false
		}
		if held <= 0 {
			return time.Now(), true
		}
		// Open: wait until it has been held that long, unless it ends.
		if Wait(ctx, time.Until(at.Add(held))) != nil {
			return time.Time{}, false
		}
		for _, r := range feedGETs(h.Requests(), longPollPath) {
			if r.Open() && !r.Start.After(at) {
				return time.Now(), true
			}
		}
	}
	return time.Time{}, false
}

// longPollOutage answers every long poll 503 for 3 s (the one waiting
// now included), counts the requests, then posts a notification that must
// show within 4 s.
func longPollOutage(ctx context.Context, s *PageSession, h *PageHarness, post func(string) (postedItem, bool)) error {
	before := len(h.Requests())
	h.Fail(isFeedGET(longPollPath), http.StatusServiceUnavailable, -1)
	err := Wait(ctx, q10Outage)
	h.Heal()
	if err != nil {
		return err
	}
	var failed []string
	for _, r := range h.Requests()[before:] {
		if r.Failed {
			failed = append(failed, s.Since(r.Start))
		}
	}
	if len(failed) > q10OutageMax {
		return &graders.Failure{
			Reason:   fmt.Sprintf("the grader answered every request 503 for 3 s: the page sent %d requests meanwhile", len(failed)),
			Expected: fmt.Sprintf("at most %d: wait after a failure before trying again, longer each time (500 ms, 1 s, 2 s …)", q10OutageMax),
			Actual:   fmt.Sprintf("503s at %s", strings.Join(tailN(failed, 12), ", "))}
	}
	it, ok := post("After the outage")
	if !ok {
		return ctx.Err()
	}
	return waitShown(ctx, s, []postedItem{it}, it.PostedAt, q10RecoverShown, "after 3 s of 503s the grader posted a notification")
}

// judgeOneWaiting: never two long polls open at once (as the browser
// saw them: the page's own pile, which Chromium queues before the server
// sees it), and 2–5 requests in the 6 quiet seconds from quietFrom.
func judgeOneWaiting(s *PageSession, reqs []PageRequest, quietFrom time.Time) error {
	var open []BrowserRequest
	for _, r := range s.BrowserRequests() {
		u, err := url.Parse(r.URL)
		if err != nil || r.Method != http.MethodGet || u.Path != longPollPath {
			continue
		}
		for _, o := range open {
			if o.Waiting(r.Start) {
				return &graders.Failure{
					Reason: fmt.Sprintf("two long polls were open at once: the page made one at %s and another at %s, before the first was answered",
						s.Since(o.Start), s.Since(r.Start)),
					Expected: "one request waiting at a time: send the next one when the previous has been answered (a loop with await, not setInterval)",
					Actual:   s.Context(8)}
			}
		}
		open = append(open[:0], r)
	}
	gets := feedGETs(reqs, longPollPath)
	end := quietFrom.Add(q10Quiet)
	n := 0
	for _, g := range gets {
		if g.Start.Before(end) && (g.Open() || g.End.After(quietFrom)) {
			n++
		}
	}
	if n < 2 || n > 5 {
		return &graders.Failure{
			Reason:   fmt.Sprintf("in 6 quiet seconds (the server answers a quiet wait with 204 after 2 s) the page made %d requests", n),
			Expected: "2 to 5: one waiting, and a new one after each 204",
			Actual:   s.Context(8)}
	}
	return nil
}

// judgeAfter204: after every 204 the page's next long poll starts within
// 1 s.
func judgeAfter204(s *PageSession, reqs []PageRequest) error {
	gets := feedGETs(reqs, longPollPath)
	sort.Slice(gets, func(i, j int) bool { return gets[i].Start.Before(gets[j].Start) })
	seen := 0
	for i, g := range gets {
		if g.Status != http.StatusNoContent || g.Failed || g.Open() {
			continue
		}
		seen++
		var next time.Time
		for _, n := range gets[i+1:] {
			if !n.Start.Before(g.End) {
				next = n.Start
				break
			}
		}
		var gap time.Duration
		if next.IsZero() {
			gap = time.Since(g.End)
		} else {
			gap = next.Sub(g.End)
		}
		if gap > q10After204 {
			what := fmt.Sprintf("the next came %d ms later", gap.Milliseconds())
			if next.IsZero() {
				what = fmt.Sprintf("no request followed in %d ms", gap.Milliseconds())
			}
			return &graders.Failure{
				Reason:   fmt.Sprintf("a long poll answered 204 (nothing new) at %s: %s", s.Since(g.End), what),
				Expected: "the next request within 1 s of a 204: a 204 has no body (res.json() throws on it), so check res.status === 204 and ask again at once",
				Actual:   s.Context(8)}
		}
	}
	if seen == 0 {
		return &graders.Failure{Reason: "no long poll was answered 204: the page never waited 2 s quietly",
			Expected: "a request waiting until the server answers 204 after 2 s", Actual: s.Context(8)}
	}
	return nil
}
