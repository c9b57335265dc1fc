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
)

// Q7Begin and Q7End mark the generated table in q07_transports_compared.md.
const (
	Q7Begin = "<!-- q7-table: generated from reports/bench/latest/results.json by package answers; do not edit -->"
	Q7End   = "<!-- /q7-table -->"
)

// results is the part of bench's results.json the table reads.
type results struct {
	Started string `json:"started"`
	Host    struct {
		CPUs int `json:"cpus"`
	} `json:"host"`
	Config struct {
		Users           int     `json:"users"`
		IntervalSeconds float64 `json:"interval_seconds"`
		PayloadBytes    int     `json:"payload_bytes"`
	} `json:"config"`
	Transports []transport `json:"transports"`
}

type transport struct {
	Name        string `json:"name"`
	Status      string `json:"status"`
	Description string `json:"description"`
	PerMinute   struct {
		AppBytes  float64 `json:"app_bytes"`
		AppIn     float64 `json:"app_in"`
		WireBytes float64 `json:"wire_bytes"`
		Requests  float64 `json:"requests"`
	} `json:"per_minute"`
	Updates struct {
		Sent      int `json:"sent"`
		Delivered int `json:"delivered"`
	} `json:"updates"`
	Latency struct {
		Kind string  `json:"kind"`
		P50  float64 `json:"p50_ms"`
		P95  float64 `json:"p95_ms"`
	} `json:"latency"`
}

// q7Rows are the transports the question compares, in the table's order,
// with what the bench cannot measure: the direction of the channel.
var q7Rows = []struct{ name, label, direction string }{
	{"short-polling", "Short polling", "client asks, server answers"},
	{"long-polling", "Long polling", "client asks, server answers when it has news"},
	{"sse", "Server-Sent Events", "server → client only"},
	{"websocket", "WebSocket", "both ways, either side at any time"},
	{"socketio-websocket", "Socket.IO (WebSocket)", "both ways, events and acks"},
}

// Q7Table renders the comparison table from a results.json.
func Q7Table(resultsJSON []byte) (string, error) {
	var r results
	if err := json.Unmarshal(resultsJSON, &r); err != nil {
		return "", fmt.Errorf("results.json: %w", err)
	}
	if r.Config.Users == 0 || r.Config.IntervalSeconds == 0 {
		return "", errors.New("results.json: no users or interval in config")
	}
	updatesPerMin := float64(r.Config.Users) * 60 / r.Config.IntervalSeconds
	by := map[string]transport{}
	for _, t := range r.Transports {
		by[t.Name] = t
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Measured by `make bench` (%s, %d users, one %d-byte update per user every %gs, %d CPUs, loopback); per minute, both directions.\n\n",
		r.Started, r.Config.Users, r.Config.PayloadBytes, r.Config.IntervalSeconds, r.Host.CPUs)
	b.WriteString("| | Direction | Requests/min | Bytes/min (HTTP + frames) | Bytes/min on the wire (+ TCP/IP) | Wire bytes per update | Latency p50 / p95 |\n")
	b.WriteString("|---|---|---:|---:|---:|---:|---|\n")
	for _, row := range q7Rows {
		t, ok := by[row.name]
		if !ok || t.Status != "ok" {
			return "", fmt.Errorf("results.json: transport %s missing or not ok", row.name)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s ms / %s ms (%s) |\n",
			row.label, row.direction, thousands(t.PerMinute.Requests), thousands(t.PerMinute.AppBytes),
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
