package bench

import "fmt"

// Q12's assumptions: one HTTP request/response exchange costs 800 B, one
// WebSocket frame costs 10 B.
const (
	Q12ExchangeBytes = 800
	Q12FrameBytes    = 10
)

// Model is the Q12 calculation for one transport, twice: with the
// exercise's assumed sizes, and with the sizes this run measured, so the
// summary can separate "the assumption was off" from "the formula leaves
// things out".
type Model struct {
	// Kind is "exchange" (one HTTP request and response per update) or
	// "message" (one pushed message per update).
	Kind string `json:"kind"`
	// Exercise is the formula with the exercise's sizes, in words.
	Exercise            string  `json:"exercise"`
	ExerciseUnitBytes   float64 `json:"exercise_unit_bytes"`
	ExerciseBytesPerMin float64 `json:"exercise_bytes_per_min"`
	// InQ12 is false for transports Q12 does not cover; their exercise
	// figure applies the closest Q12 assumption and says so.
	InQ12 bool `json:"in_q12"`
	// Measured is the same formula with the sizes measured in the run.
	Measured            string  `json:"measured"`
	MeasuredUnitBytes   float64 `json:"measured_unit_bytes"`
	MeasuredBytesPerMin float64 `json:"measured_bytes_per_min"`
	// Notes say where model and measurement differ and why.
	Notes []string `json:"notes"`
}

// ExerciseModel returns the Q12 figure, in bytes per minute, for users
// receiving one update every interval over transport name with payload
// bytes per update: 1000 users at 1 s give 48,000,000 for polling and
// 600,000 for WebSocket.
func ExerciseModel(name string, users int, intervalSeconds float64, payload int) (unit float64, perMin float64, inQ12 bool, formula string) {
	updates := float64(users) * 60 / intervalSeconds
	switch name {
	case "short-polling", "long-polling":
		unit, inQ12 = Q12ExchangeBytes, true
		formula = fmt.Sprintf("%d users × %s updates/min × %d B per exchange", users, num(60/intervalSeconds), Q12ExchangeBytes)
	case "socketio-polling":
		unit = Q12ExchangeBytes
		formula = fmt.Sprintf("not in Q12; as long polling: %d users × %s/min × %d B", users, num(60/intervalSeconds), Q12ExchangeBytes)
	case "websocket":
		unit, inQ12 = Q12FrameBytes, true
		formula = fmt.Sprintf("%d users × %s frames/min × %d B per frame", users, num(60/intervalSeconds), Q12FrameBytes)
	case "websocket-deflate", "socketio-websocket":
		unit = Q12FrameBytes
		formula = fmt.Sprintf("not in Q12; as WebSocket: %d users × %s/min × %d B", users, num(60/intervalSeconds), Q12FrameBytes)
	case "sse":
		unit = float64(payload + len("data: \n\n"))
		formula = fmt.Sprintf("not in Q12; one event `data: <%d B>\\n\\n`: %d users × %s/min × %s B", payload, users, num(60/intervalSeconds), num(unit))
	default:
		return 0, 0, false, "no model"
	}
	return unit, unit * updates, inQ12, formula
}

// model fills r.Model from r's measured counts.
func model(r *TransportResult, cfg Config) {
	unit, perMin, inQ12, formula := ExerciseModel(r.Name, cfg.Users, cfg.IntervalSeconds, cfg.PayloadBytes)
	m := Model{Exercise: formula, ExerciseUnitBytes: unit, ExerciseBytesPerMin: perMin, InQ12: inQ12}
	updatesPerMin := float64(cfg.Users) * 60 / cfg.IntervalSeconds
	perUpdate := func(v int64, n int64) float64 {
		if n == 0 {
			return 0
		}
		return float64(v) / float64(n)
	}
	switch r.Name {
	case "short-polling", "long-polling", "socketio-polling":
		m.Kind = "exchange"
		req := perUpdate(r.App.In, r.Requests)
		hdr := perUpdate(r.App.OutHeaders, r.Requests)
		m.MeasuredUnitBytes = req + hdr + float64(cfg.PayloadBytes)
		m.Measured = fmt.Sprintf("%d users × %s/min × (request %s B + response headers %s B + payload %d B)",
			cfg.Users, num(60/cfg.IntervalSeconds), num(req), num(hdr), cfg.PayloadBytes)
	default:
		m.Kind = "message"
		m.MeasuredUnitBytes = perUpdate(r.App.Out, r.Messages)
		m.Measured = fmt.Sprintf("%d users × %s/min × %s B per message (framing %s B + payload %d B)",
			cfg.Users, num(60/cfg.IntervalSeconds), num(m.MeasuredUnitBytes), num(m.MeasuredUnitBytes-float64(cfg.PayloadBytes)), cfg.PayloadBytes)
	}
	m.MeasuredBytesPerMin = m.MeasuredUnitBytes * updatesPerMin
	m.Notes = modelNotes(r, cfg, m)
	r.Model = m
}

// modelNotes explains, with the run's numbers, the gaps between the
// exercise's figure, the model with measured sizes, the application bytes
// and the wire bytes.
func modelNotes(r *TransportResult, cfg Config, m Model) []string {
	var notes []string
	if m.ExerciseBytesPerMin > 0 && m.MeasuredBytesPerMin > 0 {
		notes = append(notes, fmt.Sprintf("Assumed %s B per %s, measured %s B (%s): the assumption is off by ×%s.",
			num(m.ExerciseUnitBytes), m.Kind, num(m.MeasuredUnitBytes), unitWhy(r.Name, cfg), num2(m.MeasuredUnitBytes/m.ExerciseUnitBytes)))
	}
	app := r.PerMinute.AppBytes
	if m.MeasuredBytesPerMin > 0 && app > 0 {
		var why string
		switch m.Kind {
		case "exchange":
			why = fmt.Sprintf("%s requests/min against %s updates/min", num(r.PerMinute.Requests), num(float64(cfg.Users)*60/cfg.IntervalSeconds))
		default:
			why = fmt.Sprintf("client-to-server bytes (%s B/min: pings, acks, handshakes) that the formula leaves out", num(r.PerMinute.AppIn))
		}
		notes = append(notes, fmt.Sprintf("Application bytes measured are %s of the model with measured sizes: %s; %s new connections/min.",
			pct(app/m.MeasuredBytesPerMin), why, num(r.PerMinute.Connections)))
	}
	if r.Wire.Available && app > 0 {
		notes = append(notes, fmt.Sprintf("On the wire it is ×%s the application bytes: %d segments in the window at %d B of IP+TCP headers each, %d of them pure ACKs, which no Q12 formula counts.",
			num2(r.PerMinute.WireBytes/app), r.Wire.SegmentsIn+r.Wire.SegmentsOut, cfg.TCPIPHeaderBytes, r.Wire.PureACKs))
	}
	return notes
}

func unitWhy(name string, cfg Config) string {
	switch name {
	case "short-polling", "long-polling", "socketio-polling":
		if cfg.Headers == "minimal" {
			return "minimal Go client headers"
		}
		return "browser-like request headers"
	case "websocket":
		return "2 B frame header + payload, server frames are unmasked"
	case "websocket-deflate":
		return "compressed payload + 2 B header"
	case "socketio-websocket":
		return "Engine.IO/Socket.IO packet `42[\"update\",…]` inside the frame"
	case "sse":
		return "event text plus HTTP/1.1 chunk framing"
	}
	return "measured"
}
