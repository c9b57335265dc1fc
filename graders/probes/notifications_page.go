package probes

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"rtlab/graders"
)

// What the page probes of Q9 and Q10 share: the grader posts notifications
// to the feed, watches the page's #notifications for them, and reads the
// page's GETs for their since.

// postedItem is a notification the grader posted.
type postedItem struct {
	ID        string
	Message   string
	CreatedAt int64
	PostedAt  time.Time
}

// postItem posts a notification as the grader (not logged as the page's).
func postItem(ctx context.Context, h *PageHarness, message string) (postedItem, error) {
	body, _ := json.Marshal(map[string]string{"message": message})
	status, resp, err := h.Do(ctx, http.MethodPost, "/api/notifications", body)
	if err != nil {
		return postedItem{}, fmt.Errorf("posting a notification to the reference server: %w", err)
	}
	var it struct {
		ID        any   `json:"id"`
		CreatedAt int64 `json:"createdAt"`
	}
	if status != http.StatusCreated || json.Unmarshal(resp, &it) != nil {
		return postedItem{}, fmt.Errorf("the reference server answered a post with %d %s", status, resp)
	}
	return postedItem{ID: fmt.Sprint(it.ID), Message: message, CreatedAt: it.CreatedAt, PostedAt: time.Now()}, nil
}

// feedPosts are the notifications one Q9 or Q10 session posts, kept in
// order for the duplicate count at its end.
type feedPosts struct {
	ctx   context.Context
	h     *PageHarness
	t     *pageTrial
	items []postedItem
}

// post posts msg; on a failure of the reference server it ends the
// session with that problem and reports false.
func (p *feedPosts) post(msg string) (postedItem, bool) {
	it, err := postItem(p.ctx, p.h, msg)
	if err != nil {
		p.t.fail(err)
		return it, false
	}
	p.items = append(p.items, it)
	return it, true
}

// backlog posts the two notifications a page must show once it loads.
func (p *feedPosts) backlog() ([]postedItem, bool) {
	backlog := make([]postedItem, 0, 2)
	for _, m := range []string{"Backlog one", "Backlog two"} {
		it, ok := p.post(m)
		if !ok {
			return nil, false
		}
		backlog = append(backlog, it)
	}
	return backlog, true
}

// notificationsSelector finds the page's notification elements.
const notificationsSelector = "#notifications [data-id]"

// shownCounts counts, per id, the displayed notification elements whose
// text holds the message of that id.
func shownCounts(els []PageElement, posted []postedItem) map[string]int {
	msg := map[string]string{}
	for _, p := range posted {
		msg[p.ID] = p.Message
	}
	out := map[string]int{}
	for _, e := range els {
		id := e.Attr["data-id"]
		if m, ok := msg[id]; ok && !e.Empty() && strings.Contains(e.Text, m) {
			out[id]++
		}
	}
	return out
}

// describeList is #notifications as a failure shows it.
func describeList(els []PageElement) string {
	if len(els) == 0 {
		return `#notifications holds no [data-id] element`
	}
	var parts []string
	for _, e := range els {
		s := fmt.Sprintf(`[data-id=%q] %q`, e.Attr["data-id"], e.Text)
		if !e.Shown {
			s += " (hidden)"
		}
		parts = append(parts, s)
	}
	return "#notifications shows " + strings.Join(tailN(parts, 8), ", ")
}

// waitShown waits until every item is shown, at most within from start,
// and returns nil, or a failure saying which were missing.
func waitShown(ctx context.Context, s *PageSession, items []postedItem, start time.Time, within time.Duration, did string) error {
	all := append([]postedItem(nil), items...)
	els, ok, err := s.WaitQuery(ctx, time.Until(start.Add(within)), notificationsSelector, []string{"data-id"}, func(els []PageElement) bool {
		c := shownCounts(els, all)
		for _, it := range all {
			if c[it.ID] == 0 {
				return false
			}
		}
		return true
	})
	if err != nil {
		return err
	}
	if ok {
		return nil
	}
	c := shownCounts(els, all)
	var missing []string
	for _, it := range all {
		if c[it.ID] == 0 {
			missing = append(missing, fmt.Sprintf("id %s %q", it.ID, it.Message))
		}
	}
	return &graders.Failure{
		Reason:   fmt.Sprintf("%s: %s not shown within %.1f s", did, strings.Join(missing, ", "), within.Seconds()),
		Expected: fmt.Sprintf(`an element [data-id="ID"] inside #notifications, its text holding the message, for each`),
		Actual:   describeList(els) + "; " + s.Context(6),
	}
}

// isFeedGET reports whether r is one of the page's reads of the feed at
// path (Q9's /api/notifications, Q10's long poll).
func isFeedGET(path string) func(r *PageRequest) bool {
	return func(r *PageRequest) bool { return r.Method == http.MethodGet && r.Path == path }
}

// feedGETs returns the page's reads of path, in order.
func feedGETs(reqs []PageRequest, path string) []PageRequest {
	var out []PageRequest
	match := isFeedGET(path)
	for i := range reqs {
		if match(&reqs[i]) {
			out = append(out, reqs[i])
		}
	}
	return out
}

// newestIn returns the largest createdAt in a feed response body, 0 for
// none.
func newestIn(body []byte) int64 {
	var f struct {
		Notifications []struct {
			CreatedAt int64 `json:"createdAt"`
		} `json:"notifications"`
	}
	json.Unmarshal(body, &f)
	var m int64
	for _, n := range f.Notifications {
		m = max(m, n.CreatedAt)
	}
	return m
}

// receivedGrace is how long before a request a response must have ended
// for the since check to count it as received. A page may make its next
// request while an answer is still on its way or waiting for the page's
// script to run (two timers, a loaded machine); an answer a second old
// has been read by any page that reads its answers at all.
const receivedGrace = time.Second

// judgeSince checks each read after the first: its since must be at least
// the newest createdAt of the answers the page had received when it made
// it. The reads are the browser's (when the page called fetch: Chromium
// may hold a request back before the server sees it); the answers are the
// server's. path is the feed's path.
func judgeSince(s *PageSession, reqs []PageRequest, path string) error {
	var reads []BrowserRequest
	for _, r := range s.BrowserRequests() {
		if u, err := url.Parse(r.URL); err == nil && r.Method == http.MethodGet && u.Path == path {
			reads = append(reads, r)
		}
	}
	answers := feedGETs(reqs, path)
	if len(reads) < 2 {
		return &graders.Failure{Reason: fmt.Sprintf("the page read %s fewer than twice", path),
			Expected: "a read, then more, each with ?since=", Actual: s.Context(6)}
	}
	for i, g := range reads[1:] {
		var need int64
		for _, a := range answers {
			if a.Status == http.StatusOK && !a.Failed && !a.End.IsZero() && a.End.Add(receivedGrace).Before(g.Start) {
				need = max(need, newestIn(a.Body))
			}
		}
		u, _ := url.Parse(g.URL)
		raw := u.Query().Get("since")
		since, err := strconv.ParseInt(raw, 10, 64)
		if raw == "" {
			since, err = 0, nil
		}
		if err != nil || since < need {
			return &graders.Failure{
				Reason: fmt.Sprintf("read %d of %s (made at %s) asked for since=%q, older than what the page already had",
					i+2, path, s.Since(g.Start), raw),
				Expected: fmt.Sprintf("since ≥ %d, the newest createdAt the page had received before (keep the largest createdAt seen, from the server's items, not Date.now())", need),
				Actual:   "reads: " + describeSinces(s, answers),
			}
		}
	}
	return nil
}

// describeSinces lists the since of each read, briefly.
func describeSinces(s *PageSession, gets []PageRequest) string {
	var parts []string
	for _, g := range gets {
		parts = append(parts, fmt.Sprintf("%s since=%s → %d", s.Since(g.Start), g.Query.Get("since"), g.Status))
	}
	return strings.Join(tailN(parts, 10), ", ")
}

// judgeNoDuplicates fails when an id is shown more than once.
func judgeNoDuplicates(els []PageElement, posted []postedItem, s *PageSession) error {
	c := shownCounts(els, posted)
	var dups []string
	ids := make([]string, 0, len(c))
	for id := range c {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		if c[id] > 1 {
			dups = append(dups, fmt.Sprintf("id %s %d times", id, c[id]))
		}
	}
	if len(dups) > 0 {
		return &graders.Failure{Reason: "a notification is shown more than once: " + strings.Join(dups, ", "),
			Expected: `each notification once: add only the items of the answer, or skip an id already shown`,
			Actual:   describeList(els) + "; " + s.Context(4)}
	}
	return nil
}

// medianDuration is the median of ds (0 for none).
func medianDuration(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
