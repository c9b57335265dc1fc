// Package answers holds the written reference answers of the course
// (Markdown, one file per exercise, named by its stem: q01_ws_vs_http.md,
// q07_transports_compared.md …) and the generator of
// the parts that come from measurements rather than from a pen: Q7's
// comparison table is rendered from the bench's results.json, between two
// marker comments, by Q7Table and Splice. TestQ7TableIsCurrent fails when
// q07_transports_compared.md and reports/bench/latest/results.json disagree; run
//
//	go test ./reference/answers -run Q7 -update
//
// after `make bench` to rewrite the table.
package answers

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"rtlab/bench"
)

// Q7Begin and Q7End mark the generated table in q07_transports_compared.md.
const (
	Q7Begin = "<!-- q7-table: generated from reports/bench/latest/results.json by package answers; do not edit -->"
	Q7End   = "<!-- /q7-table -->"
)

// q7Transports are the transports the question compares, in the table's
// order; bench names them (Q7Label), so that the answer and the bench's
// own report say the same.
var q7Transports = []string{"short-polling", "long-polling", "sse", "websocket", "socketio-websocket"}

// Q7Table renders the comparison table from a results.json.
func Q7Table(resultsJSON []byte) (string, error) {
	var r bench.Results
	if err := json.Unmarshal(resultsJSON, &r); err != nil {
		return "", fmt.Errorf("results.json: %w", err)
	}
	if r.Config.Users == 0 || r.Config.IntervalSeconds == 0 {
		return "", errors.New("results.json: no users or interval in config")
	}
	updatesPerMin := float64(r.Config.Users) * 60 / r.Config.IntervalSeconds
	by := map[string]bench.TransportResult{}
	for _, t := range r.Transports {
		by[t.Name] = t
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Measured by `make bench` (%s, %d users, one %d-byte update per user every %gs, %d CPUs, loopback); per minute, both directions.\n\n",
		r.Started.Format(time.RFC3339Nano), r.Config.Users, r.Config.PayloadBytes, r.Config.IntervalSeconds, r.Host.CPUs)
	b.WriteString("| | Direction | Requests/min | Bytes/min (HTTP + frames) | Bytes/min on the wire (+ TCP/IP) | Wire bytes per update | Latency p50 / p95 |\n")
	b.WriteString("|---|---|---:|---:|---:|---:|---|\n")
	for _, name := range q7Transports {
		t, ok := by[name]
		if !ok || t.Status != "ok" {
			return "", fmt.Errorf("results.json: transport %s missing or not ok", name)
		}
		label, direction, _ := bench.Q7Label(name)
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s ms / %s ms (%s) |\n",
			label, direction, thousands(t.PerMinute.Requests), thousands(t.PerMinute.AppBytes),
			thousands(t.PerMinute.WireBytes), thousands(t.PerMinute.WireBytes/updatesPerMin),
			short(t.Latency.P50), short(t.Latency.P95), t.Latency.Kind)
	}
	sp, ws := by["short-polling"], by["websocket"]
	fmt.Fprintf(&b, "\nShort polling costs ×%.0f what WebSocket costs in application bytes and ×%.1f on the wire. ",
		sp.PerMinute.AppBytes/ws.PerMinute.AppBytes, sp.PerMinute.WireBytes/ws.PerMinute.WireBytes)
	b.WriteString("Latency is *staleness* for short polling (how old an update is when the next poll picks it up: about half the interval) " +
		"and *delivery* time for the others (from the server's send to the client's receipt).\n")
	return b.String(), nil
}

// thousands formats n rounded, with thousands separators.
func thousands(n float64) string {
	s := fmt.Sprintf("%d", int64(math.Round(n)))
	var out []byte
	for i, c := range []byte(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, c)
	}
	return string(out)
}

// short formats a latency in ms with two significant digits below 10.
func short(ms float64) string {
	if ms < 10 {
		return fmt.Sprintf("%.2g", ms)
	}
	return fmt.Sprintf("%.0f", ms)
}

// Splice replaces what lies between Q7Begin and Q7End in md with table.
func Splice(md, table string) (string, error) {
	i := strings.Index(md, Q7Begin)
	j := strings.Index(md, Q7End)
	if i < 0 || j < i {
		return "", errors.New("q07_transports_compared.md has no generated-table markers")
	}
	return md[:i+len(Q7Begin)] + "\n" + table + md[j:], nil
}
