package probes

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"rtlab/graders"
	"rtlab/reference"
)

// pageStocks judges one check of a Q11 page (clients.md, Q11):
// eventsource, latest-price, one-row, reconnect or resume (params.check).
// The first check runs the whole session (about 12 s); the others read its
// verdicts.
func pageStocks(ctx context.Context, env *graders.ProbeEnv, params map[string]any) error {
	return judgePage(ctx, env, params, "q11", "page-stocks", runStocks)
}

// stocksPath is Q11's stream.
const stocksPath = "/api/stocks/stream"

// Q11's windows (clients.md).
const (
	q11StreamWithin = 3 * time.Second // the first stream request, the reconnection
	q11Events       = 15              // events sent before the pause
	q11Settle       = time.Second     // after the pause, before reading the rows
	q11Tolerance    = 0.005
	q11MovesWithin  = 3 * time.Second // after the reconnection, a new price shows
)

// stockRow is a [data-symbol] element of #stocks.
type stockRow struct {
	Symbol string `json:"symbol"`
	Price  string `json:"price"` // its .price text, normalised; "" without one
	Shown  bool   `json:"shown"`
	HasEl  bool   `json:"hasPrice"`
}

const stockRowsJS = `Array.from(document.querySelectorAll("#stocks [data-symbol]")).map((row) => {
  const p = row.querySelector(".price");
  return { symbol: row.getAttribute("data-symbol"), price: p ? p.textContent : "", hasPrice: !!p,
           shown: row.getClientRects().length > 0 && getComputedStyle(row).visibility !== "hidden" };
})`

func readStockRows(ctx context.Context, s *PageSession) ([]stockRow, error) {
	var rows []stockRow
	if err := s.Eval(ctx, stockRowsJS, &rows); err != nil {
		return nil, err
	}
	for i := range rows {
		rows[i].Price = NormalizeText(rows[i].Price)
	}
	return rows, nil
}

func describeRows(rows []stockRow) string {
	if len(rows) == 0 {
		return "#stocks holds no [data-symbol] element"
	}
	var parts []string
	for _, r := range rows {
		p := fmt.Sprintf(".price %q", r.Price)
		if !r.HasEl {
			p = "no .price element"
		}
		parts = append(parts, fmt.Sprintf("[data-symbol=%q] %s", r.Symbol, p))
	}
	return "#stocks: " + strings.Join(tailN(parts, 10), ", ")
}

// tick is a Q11 event as sent.
type stockTick struct {
	Symbol string  `json:"symbol"`
	Price  float64 `json:"price"`
	ID     string
	Stream int
}

func sentTicks(c *reference.StreamControl) []stockTick {
	var out []stockTick
	for _, e := range c.Sent() {
		var t stockTick
		if json.Unmarshal([]byte(e.Data), &t) == nil {
			t.ID, t.Stream = e.ID, e.Stream
			out = append(out, t)
		}
	}
	return out
}

// runStocks drives a Q11 page against the market (an event every 300 ms
// for ACME, GLOBEX or INITECH, retry: 500): the stream request; 15
// events, a pause, the rows read; the stream ended, the reconnection
// watched.
func runStocks(ctx context.Context, h *PageHarness) *pageOutcome {
	t := newTrial("eventsource", "latest-price", "one-row", "reconnect", "resume")
	ctl := h.Hooks.Streams
	if err := t.open(ctx, h, nil); err != nil {
		return t.fail(err)
	}
	defer t.close()
	defer ctl.Resume()
	s, v := t.s, t.v

	v["eventsource"] = judgeEventSource(ctx, s, stocksPath, s.Loaded, q11StreamWithin)
	if v["eventsource"] != nil {
		return t.out
	}

	// latest-price and one-row: 15 events, a pause, 1 s, the rows.
	have := func() bool { return len(sentTicks(ctl)) >= q11Events }
	if !waitFor(ctx, 10*time.Second, have) {
		return t.fail(fmt.Errorf("the Q11 market sent %d events in 10 s, not %d", len(sentTicks(ctl)), q11Events))
	}
	ctl.Pause()
	if err := Wait(ctx, q11Settle); err != nil {
		return t.fail(err)
	}
	ticks := sentTicks(ctl)
	rows, err := readStockRows(ctx, s)
	if err != nil {
		return t.fail(err)
	}
	v["one-row"] = judgeOneRow(s, rows, ticks)
	v["latest-price"] = judgeLatestPrice(s, rows, ticks)
	ctl.Resume()

	// reconnect and resume: the stream ended.
	lastID := ""
	if len(ticks) > 0 {
		lastID = ticks[len(ticks)-1].ID
	}
	before, streamsBefore := len(h.Requests()), ctl.Streams()
	ctl.End()
	var again PageRequest
	found := h.WaitRequests(ctx, q11StreamWithin, func(reqs []PageRequest) bool {
		for _, r := range reqs[before:] {
			if r.Method == http.MethodGet && r.Path == stocksPath {
				again = r
				return true
			}
		}
		return false
	})
	if !found {
		v["reconnect"] = &graders.Failure{
			Reason:   "the grader ended the stream: the page did not reconnect within 3 s",
			Expected: "a new GET " + stocksPath + " (EventSource reconnects by itself after retry: 500 ms, unless onerror closes it)",
			Actual:   s.Context(6)}
		v["resume"] = graders.Skipf("needs reconnect")
		return t.out
	}
	v["resume"] = judgeResume(s, again, lastID)
	v["reconnect"] = judgeMovesAgain(ctx, s, ctl, streamsBefore)
	if v["reconnect"] == nil {
		v["reconnect"] = judgeOneStream(s, stocksPath)
	}
	return t.out
}

// waitFor polls cond every 20 ms for at most within.
func waitFor(ctx context.Context, within time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) || Wait(ctx, 20*time.Millisecond) != nil {
			return cond()
		}
	}
	return true
}

// judgeEventSource: within `within` of start, exactly one GET of path with
// Accept: text/event-stream, and no other request of it.
func judgeEventSource(ctx context.Context, s *PageSession, path string, start time.Time, within time.Duration) error {
	h := s.Harness
	streams := func(reqs []PageRequest) []PageRequest {
		var out []PageRequest
		for _, r := range reqs {
			if r.Path == path {
				out = append(out, r)
			}
		}
		return out
	}
	// The whole window: a second stream made on load may come late.
	Wait(ctx, time.Until(start.Add(within)))
	got := streams(h.Requests())
	switch {
	case len(got) == 0:
		return &graders.Failure{Reason: fmt.Sprintf("the page did not request %s within %.0f s of loading", path, within.Seconds()),
			Expected: fmt.Sprintf(`new EventSource(%q)`, path), Actual: s.Context(6)}
	case !strings.Contains(got[0].Header.Get("Accept"), "text/event-stream"):
		return &graders.Failure{Reason: fmt.Sprintf("the page requested %s without Accept: text/event-stream: not an EventSource", path),
			Expected: fmt.Sprintf(`new EventSource(%q), which sends Accept: text/event-stream and keeps one stream open`, path),
			Actual:   fmt.Sprintf("Accept: %q; %s", got[0].Header.Get("Accept"), s.Context(6))}
	case len(got) > 1:
		return &graders.Failure{Reason: fmt.Sprintf("the page opened %d streams of %s at once", len(got), path),
			Expected: "one EventSource, made once (not again in onload or on every render)", Actual: s.Context(6)}
	}
	return nil
}

// lastPrices returns the last price sent for each symbol.
func lastPrices(ticks []stockTick) map[string]float64 {
	out := map[string]float64{}
	for _, t := range ticks {
		out[t.Symbol] = t.Price
	}
	return out
}

func sortedSymbols(m map[string]float64) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// judgeOneRow: exactly one [data-symbol] row per symbol sent.
func judgeOneRow(s *PageSession, rows []stockRow, ticks []stockTick) error {
	count := map[string]int{}
	for _, r := range rows {
		count[r.Symbol]++
	}
	for _, sym := range sortedSymbols(lastPrices(ticks)) {
		if count[sym] != 1 {
			return &graders.Failure{
				Reason:   fmt.Sprintf("after %d events %s has %d [data-symbol=%q] rows", len(ticks), sym, count[sym], sym),
				Expected: "exactly one row per symbol: find the row of the symbol and update it, create it only the first time",
				Actual:   describeRows(rows)}
		}
	}
	return nil
}

// judgeLatestPrice: each symbol's row shows in .price its last price
// (±0.005).
func judgeLatestPrice(s *PageSession, rows []stockRow, ticks []stockTick) error {
	last := lastPrices(ticks)
	bySym := map[string]stockRow{}
	for _, r := range rows {
		bySym[r.Symbol] = r
	}
	for _, sym := range sortedSymbols(last) {
		r, ok := bySym[sym]
		want := fmt.Sprintf("%.2f", last[sym])
		if !ok {
			return &graders.Failure{Reason: fmt.Sprintf("no [data-symbol=%q] row for %s, though the stream sent it", sym, sym),
				Expected: fmt.Sprintf(`a row [data-symbol=%q] with a .price showing %s`, sym, want), Actual: describeRows(rows) + "; " + s.Context(4)}
		}
		got, _, isNum := ParseNumber(r.Price)
		if !r.HasEl || !isNum || math.Abs(got-last[sym]) > q11Tolerance {
			shows := fmt.Sprintf("shows %q", r.Price)
			switch {
			case !r.HasEl:
				shows = "has no .price element"
			case r.Price == "":
				shows = "is empty"
			}
			return &graders.Failure{
				Reason:   fmt.Sprintf("the grader paused the stream after %d events: 1 s later %s's .price %s, not its last price %s", len(ticks), sym, shows, want),
				Expected: "each event's price in its symbol's .price: const {symbol, price} = JSON.parse(e.data)",
				Actual:   describeRows(rows) + "; " + s.Context(4)}
		}
	}
	return nil
}

// judgeResume: the reconnection carries Last-Event-ID = the last id sent.
func judgeResume(s *PageSession, again PageRequest, lastID string) error {
	got := again.Header.Get("Last-Event-ID")
	if got != lastID {
		return &graders.Failure{
			Reason:   fmt.Sprintf("the page reconnected with Last-Event-ID %q, not %q, the id of the last event it was sent", got, lastID),
			Expected: "the EventSource's own reconnection, which sends Last-Event-ID (a new EventSource made by hand starts without it)",
			Actual:   s.Context(4)}
	}
	return nil
}

// judgeMovesAgain: after the reconnection, a price sent on a stream newer
// than the first `before` shows in its row within 3 s.
func judgeMovesAgain(ctx context.Context, s *PageSession, ctl *reference.StreamControl, before int) error {
	deadline := time.Now().Add(q11MovesWithin)
	var rows []stockRow
	for {
		var fresh []stockTick
		for _, t := range sentTicks(ctl) {
			if t.Stream > before {
				fresh = append(fresh, t)
			}
		}
		var err error
		if rows, err = readStockRows(ctx, s); err != nil {
			return err
		}
		for _, r := range rows {
			p, _, ok := ParseNumber(r.Price)
			for _, t := range fresh {
				if ok && t.Symbol == r.Symbol && math.Abs(p-t.Price) <= q11Tolerance {
					return nil
				}
			}
		}
		if time.Now().After(deadline) || Wait(ctx, 50*time.Millisecond) != nil {
			break
		}
	}
	return &graders.Failure{
		Reason:   "the page reconnected, but no price sent on the new stream showed within 3 s",
		Expected: "the rows updated from the events of the new stream",
		Actual:   describeRows(rows) + "; " + s.Context(6)}
}

// judgeOneStream: never two requests of path open at once, as the browser
// saw them.
func judgeOneStream(s *PageSession, path string) error {
	var prev *BrowserRequest
	for _, r := range s.BrowserRequests() {
		u, err := url.Parse(r.URL)
		if err != nil || u.Path != path {
			continue
		}
		if prev != nil && (prev.End.IsZero() || prev.End.After(r.Start.Add(timeSlack))) {
			return &graders.Failure{
				Reason:   fmt.Sprintf("two streams of %s were open at once: one made at %s, another at %s", path, s.Since(prev.Start), s.Since(r.Start)),
				Expected: "one EventSource at a time: close the old one before making another",
				Actual:   s.Context(6)}
		}
		r := r
		prev = &r
	}
	return nil
}
