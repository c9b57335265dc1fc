package bench

// Q7Row is one technique's measured row for Q7's comparison table
// (polling, long polling, SSE, WebSocket), so the written answer is
// generated from a run instead of typed by hand.
type Q7Row struct {
	Technique  string `json:"technique"`
	Transport  string `json:"transport"`
	Direction  string `json:"direction"`
	Connection string `json:"connection"`
	// Bytes per delivered update, both directions, application and wire.
	AppBytesPerUpdate  float64 `json:"app_bytes_per_update"`
	WireBytesPerUpdate float64 `json:"wire_bytes_per_update"`
	LatencyP50         float64 `json:"latency_p50_ms"`
	LatencyP99         float64 `json:"latency_p99_ms"`
	// RequestsPerUserMinute is HTTP requests per user per minute (0 for
	// a stream or a WebSocket once open).
	RequestsPerUserMinute float64 `json:"requests_per_user_minute"`
}

var q7Labels = map[string][3]string{
	"short-polling":      {"Short polling", "client pulls", "a request per poll, keep-alive"},
	"long-polling":       {"Long polling", "client pulls, server holds", "a held request per update"},
	"sse":                {"Server-Sent Events", "server → client", "one long HTTP response"},
	"websocket":          {"WebSocket", "both ways", "one upgraded TCP connection"},
	"websocket-deflate":  {"WebSocket + deflate", "both ways", "one upgraded TCP connection"},
	"socketio-websocket": {"Socket.IO (WebSocket)", "both ways", "WebSocket + Engine.IO heartbeats"},
	"socketio-polling":   {"Socket.IO (polling)", "both ways", "long polling + POST for sends"},
}

// Q7Label returns how Q7's table names a transport of the run and which
// way its channel goes; ok is false for a transport Q7 does not know.
func Q7Label(name string) (technique, direction string, ok bool) {
	l, ok := q7Labels[name]
	return l[0], l[1], ok
}

// Q7Rows returns the measured rows of Q7's table for the transports that
// ran, in run order.
func (r *Results) Q7Rows() []Q7Row {
	var rows []Q7Row
	for _, t := range r.Transports {
		if t.Status == "not run" || t.Updates.Delivered == 0 {
			continue
		}
		l := q7Labels[t.Name]
		if l[0] == "" {
			l = [3]string{t.Name, "", ""}
		}
		d := float64(t.Updates.Delivered)
		row := Q7Row{
			Technique: l[0], Transport: t.Name, Direction: l[1], Connection: l[2],
			AppBytesPerUpdate:  round3(float64(t.App.Total()) / d),
			WireBytesPerUpdate: round3(float64(t.Wire.Total()) / d),
			LatencyP50:         t.Latency.P50, LatencyP99: t.Latency.P99,
		}
		if t.Users > 0 {
			row.RequestsPerUserMinute = round3(t.PerMinute.Requests / float64(t.Users))
		}
		rows = append(rows, row)
	}
	return rows
}
