package probes

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"rtlab/graders"
)

// pageShortPolling judges one check of a Q9 page (clients.md, Q9): backlog,
// new-items, since, cadence, no-duplicates or survives-error (params.check).
// The first check runs the whole session (about 15 s) in the browser; the
// others read its verdicts.
func pageShortPolling(ctx context.Context, env *graders.ProbeEnv, params map[string]any) error {
	return judgePage(ctx, env, params, "q9", "page-short-polling", runShortPolling)
}

// shortPollPath is the feed Q9's page polls.
const shortPollPath = "/api/notifications"

// Q9's windows (clients.md).
const (
	q9Interval    = time.Second             // the page's ?interval=
	q9ShowWithin  = 2500 * time.Millisecond // backlog and new items
	q9CadenceSpan = 8 * time.Second
	q9ErrorWithin = 3500 * time.Millisecond // a post after the 500 shows
)

// runShortPolling drives a Q9 page: 2 items before it loads; 3 posts and
// 1 more later; 8 s of polling measured; one GET answered 500 and a post
// after it. Every check's verdict comes out of this one session.
func runShortPolling(ctx context.Context, h *PageHarness) *pageOutcome {
	t := newTrial("backlog", "new-items", "since", "cadence", "no-duplicates", "survives-error")
	posts := &feedPosts{ctx: ctx, h: h, t: t}
	backlog, ok := posts.backlog()
	if !ok {
		return t.out
	}
	if err := t.open(ctx, h, url.Values{"interval": {fmt.Sprint(q9Interval.Milliseconds())}}); err != nil {
		return t.fail(err)
	}
	defer t.close()
	s, v := t.s, t.v

	// backlog: both items posted before the page loaded.
	v["backlog"] = waitShown(ctx, s, backlog, s.Loaded, q9ShowWithin, "the grader posted 2 notifications before the page loaded")
	if v["backlog"] != nil {
		t.stopped(ctx)
		return t.out
	}
	if !shortPollNewItems(ctx, t, posts) {
		return t.out
	}

	// cadence: 8 s of GETs from the first.
	if gets := feedGETs(h.Requests(), shortPollPath); len(gets) > 0 {
		if err := Wait(ctx, time.Until(gets[0].Start.Add(q9CadenceSpan+200*time.Millisecond))); err != nil {
			return t.fail(err)
		}
	}
	v["cadence"] = judgeCadence(s, h.Requests())

	// survives-error: the next GET gets a 500, then a post must show.
	if v["new-items"] == nil {
		v["survives-error"] = shortPollError(ctx, s, h, posts.post)
	} else {
		v["survives-error"] = graders.Skipf("needs new-items")
	}
	if t.stopped(ctx) {
		return t.out
	}

	els, err := s.Query(ctx, notificationsSelector, "data-id")
	if err != nil {
		return t.fail(err)
	}
	v["no-duplicates"] = judgeNoDuplicates(els, posts.items, s)
	v["since"] = judgeSince(s, h.Requests(), shortPollPath)
	return t.out
}

// shortPollNewItems judges new-items: 3 posts a few ms apart, shown
// within 2.5 s; 1.2 s later 1 more. It reports false when the session
// must end (a harness problem, recorded in t).
func shortPollNewItems(ctx context.Context, t *pageTrial, posts *feedPosts) bool {
	var three []postedItem
	for i := 1; i <= 3; i++ {
		it, ok := posts.post(fmt.Sprintf("New item %d", i))
		if !ok {
			return false
		}
		three = append(three, it)
	}
	t.v["new-items"] = waitShown(ctx, t.s, three, three[0].PostedAt, q9ShowWithin, "the grader posted 3 notifications a few ms apart")
	if t.v["new-items"] != nil {
		return true
	}
	if err := Wait(ctx, 1200*time.Millisecond); err != nil {
		t.fail(err)
		return false
	}
	last, ok := posts.post("Later item")
	if !ok {
		return false
	}
	t.v["new-items"] = waitShown(ctx, t.s, []postedItem{last}, last.PostedAt, q9ShowWithin, "1.2 s later the grader posted 1 more")
	return true
}

// judgeCadence: over 8 s from the first GET, the median gap between GETs
// is 0.8–1.6 s and none is under 300 ms.
func judgeCadence(s *PageSession, reqs []PageRequest) error {
	gets := feedGETs(reqs, shortPollPath)
	if len(gets) == 0 {
		return &graders.Failure{Reason: "the page never read " + shortPollPath, Expected: "a GET every ?interval= ms (1000)", Actual: s.Context(6)}
	}
	end := gets[0].Start.Add(q9CadenceSpan)
	var gaps []time.Duration
	var shown []string
	for i := 1; i < len(gets) && !gets[i].Start.After(end); i++ {
		g := gets[i].Start.Sub(gets[i-1].Start)
		gaps = append(gaps, g)
		shown = append(shown, fmt.Sprintf("%d", g.Milliseconds()))
	}
	actual := fmt.Sprintf("%d GETs in 8 s; gaps %s ms", len(gaps)+1, strings.Join(tailN(shown, 16), ", "))
	if len(gaps) == 0 {
		return &graders.Failure{Reason: "the page read the feed once and never again in 8 s",
			Expected: "a GET every ?interval= ms (1000)", Actual: actual + "; " + s.Context(4)}
	}
	m := medianDuration(gaps)
	shortest := gaps[0]
	for _, g := range gaps {
		shortest = min(shortest, g)
	}
	switch {
	case m < 800*time.Millisecond:
		return &graders.Failure{Reason: fmt.Sprintf("the page polls every %d ms (median), faster than ?interval=1000: more than one polling loop runs", m.Milliseconds()),
			Expected: "a median gap between GETs of 0.8 to 1.6 s over 8 s", Actual: actual}
	case m > 1600*time.Millisecond:
		return &graders.Failure{Reason: fmt.Sprintf("the page polls every %d ms (median), slower than the ?interval=1000 it was given", m.Milliseconds()),
			Expected: "a median gap between GETs of 0.8 to 1.6 s over 8 s (read ?interval= from location.search)", Actual: actual}
	case shortest < 300*time.Millisecond:
		return &graders.Failure{Reason: fmt.Sprintf("two GETs came %d ms apart: more than one polling loop runs", shortest.Milliseconds()),
			Expected: "no gap under 300 ms between GETs (one timer: setTimeout after each poll, or one setInterval)", Actual: actual}
	}
	return nil
}

// shortPollError answers the page's next GET with 500, waits for it,
// then posts a notification that must show within 3.5 s.
func shortPollError(ctx context.Context, s *PageSession, h *PageHarness, post func(string) (postedItem, bool)) error {
	before := len(h.Requests())
	h.Fail(isFeedGET(shortPollPath), http.StatusInternalServerError, 1)
	hit := h.WaitRequests(ctx, 3*q9Interval, func(reqs []PageRequest) bool {
		for _, r := range reqs[before:] {
			if r.Failed && !r.Open() {
				return true
			}
		}
		return false
	})
	h.Heal()
	if !hit {
		return &graders.Failure{Reason: "the page stopped polling before the grader could answer a GET with 500",
			Expected: "a GET every second", Actual: s.Context(6)}
	}
	it, ok := post("After the error")
	if !ok {
		return ctx.Err()
	}
	err := waitShown(ctx, s, []postedItem{it}, it.PostedAt, q9ErrorWithin, "the grader answered one GET with 500, then posted a notification")
	if f, ok := err.(*graders.Failure); ok && !getAfterFailure(h.Requests()[before:]) {
		f.Reason += "; the page made no GET after the 500"
		f.Expected = "polling goes on after a failed GET: schedule the next poll in finally, not after await res.json()"
	}
	return err
}

// getAfterFailure reports whether a feed GET started after the one Fail
// answered.
func getAfterFailure(reqs []PageRequest) bool {
	failed := false
	for _, r := range reqs {
		if r.Method != http.MethodGet || r.Path != shortPollPath {
			continue
		}
		if failed {
			return true
		}
		failed = r.Failed
	}
	return false
}
