package probes

import (
	"context"
	"fmt"
	"strings"
	"time"

	"rtlab/graders"
	"rtlab/reference"
)

// pageUserCount judges one check of a Q17 page (clients.md, Q17):
// shows-count, follows or one-socket (params.check). The first check runs
// the whole session (a few seconds); the others read its verdicts.
func pageUserCount(ctx context.Context, env *graders.ProbeEnv, params map[string]any) error {
	return judgePage(ctx, env, params, "q17", "page-user-count", runUserCount)
}

// Q17's windows (clients.md).
const (
	q17FirstWithin  = 2 * time.Second // the page alone shows 1
	q17FollowWithin = time.Second     // each change shows
	q17Watch        = 2 * time.Second // the session goes on quietly, for one-socket
)

// userCountSelector is the element that shows the count.
const userCountSelector = "#user-count"

// runUserCount drives a Q17 page: alone, then Bob and Carol join, Bob
// leaves politely, Carol drops. Each step's count must show.
func runUserCount(ctx context.Context, h *PageHarness) *pageOutcome {
	t := newTrial("shows-count", "follows", "one-socket")
	if err := t.open(ctx, h, nil); err != nil {
		return t.fail(err)
	}
	defer t.close()
	s, v := t.s, t.v

	v["shows-count"] = waitCount(ctx, s, 1, s.Loaded, q17FirstWithin, "the page was alone on the server")
	if v["shows-count"] != nil {
		v["follows"] = graders.Skipf("needs shows-count")
	} else {
		v["follows"] = followCount(ctx, s, h)
	}
	if t.stopped(ctx) {
		return t.out
	}
	// A page that opens a socket in a timer shows it given time.
	if err := Wait(ctx, q17Watch); err != nil {
		return t.fail(err)
	}
	v["one-socket"] = judgeOneSocket(s, h, "over the whole session")
	return t.out
}

// followCount: Bob joins (2), Carol joins (3), Bob leaves politely (2),
// Carol drops (1); each within 1 s.
func followCount(ctx context.Context, s *PageSession, h *PageHarness) error {
	bob, err := dialPageClient(ctx, h, "Bob")
	if err != nil {
		return err
	}
	defer bob.Close()
	if err := waitCount(ctx, s, 2, time.Now(), q17FollowWithin, "the grader's client Bob joined (2 users)"); err != nil {
		return err
	}
	carol, err := dialPageClient(ctx, h, "Carol")
	if err != nil {
		return err
	}
	defer carol.Close()
	if err := waitCount(ctx, s, 3, time.Now(), q17FollowWithin, "then Carol joined (3 users)"); err != nil {
		return err
	}
	bob.Close()
	if err := waitCount(ctx, s, 2, time.Now(), q17FollowWithin, "then Bob left politely (2 users)"); err != nil {
		return err
	}
	carol.Drop()
	return waitCount(ctx, s, 1, time.Now(), q17FollowWithin, "then Carol's connection dropped with no goodbye (1 user)")
}

// waitCount waits until #user-count reads want, for within from start.
func waitCount(ctx context.Context, s *PageSession, want int, start time.Time, within time.Duration, did string) error {
	els, ok, err := s.WaitQuery(ctx, time.Until(start.Add(within)), userCountSelector, nil, func(els []PageElement) bool {
		if len(els) != 1 || !els[0].Shown {
			return false
		}
		n, dec, ok := ParseNumber(els[0].Text)
		return ok && dec == 0 && n == float64(want)
	})
	if err != nil || ok {
		return err
	}
	expected := fmt.Sprintf("#user-count to read %d within %s", want, within)
	switch {
	case len(els) == 0:
		return &graders.Failure{Reason: did + ", but the page has no element #user-count", Expected: expected, Actual: s.Context(4)}
	case !els[0].Shown:
		return &graders.Failure{Reason: did + ", but #user-count is not displayed", Expected: expected, Actual: s.Context(4)}
	}
	return &graders.Failure{Reason: fmt.Sprintf("%s, but #user-count read %q %s later", did, els[0].Text, within),
		Expected: expected, Actual: s.Context(4)}
}

// judgeOneSocket: the server saw exactly one socket from the page.
func judgeOneSocket(s *PageSession, h *PageHarness, when string) error {
	socks := pageSockets(h)
	if len(socks) == 1 {
		return nil
	}
	return &graders.Failure{
		Reason:   fmt.Sprintf("the server saw %d sockets from the page %s", len(socks), when),
		Expected: "exactly one: io() called once, when the page loads",
		Actual:   describeSockets(socks, s.Opened),
	}
}

// describeSockets lists sockets as a failure shows them.
func describeSockets(socks []reference.SeenSocket, origin time.Time) string {
	if len(socks) == 0 {
		return "no socket"
	}
	parts := make([]string, 0, len(socks))
	for _, k := range socks {
		p := fmt.Sprintf("joined +%.1fs", k.Joined.Sub(origin).Seconds())
		if !k.Left.IsZero() {
			p += fmt.Sprintf(", left +%.1fs (%s)", k.Left.Sub(origin).Seconds(), k.Reason)
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, "; ")
}
