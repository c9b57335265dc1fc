package bench

import (
	"fmt"
	"strings"
)

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

// exerciseOnly fills the exercise half of r.Model, for a transport that did
// not run.
func exerciseOnly(r *TransportResult, cfg Config) {
	unit, perMin, inQ12, formula := ExerciseModel(r.Name, cfg.Users, cfg.IntervalSeconds, cfg.PayloadBytes)
	r.Model = Model{Exercise: formula, ExerciseUnitBytes: unit, ExerciseBytesPerMin: perMin, InQ12: inQ12}
}

// modelNotes explains, with the run's numbers, the gaps between the
// exercise's figure, the model with measured sizes, the application bytes
// and the wire bytes.
func modelNotes(r *TransportResult, cfg Config, m Model) []string {
	var notes []string
	updatesPerMin := float64(cfg.Users) * 60 / cfg.IntervalSeconds
	if m.ExerciseBytesPerMin > 0 && m.MeasuredBytesPerMin > 0 {
		n := fmt.Sprintf("Assumed %s B per %s, measured %s B (%s), ×%s the assumption.",
			num(m.ExerciseUnitBytes), m.Kind, num(m.MeasuredUnitBytes), unitWhy(r.Name, cfg), num2(m.MeasuredUnitBytes/m.ExerciseUnitBytes))
		if m.Kind == "exchange" && r.Requests > 0 {
			req := float64(r.App.In) / float64(r.Requests)
			n += fmt.Sprintf(" The request is %s of each exchange: headers the client repeats every time.", pct(req/m.MeasuredUnitBytes))
		}
		notes = append(notes, n)
	}
	app := r.PerMinute.AppBytes
	if m.MeasuredBytesPerMin > 0 && app > 0 {
		ratio := app / m.MeasuredBytesPerMin
		var n string
		if ratio > 0.98 && ratio < 1.02 {
			n = fmt.Sprintf("Measured application bytes are %s of that model:", pct(ratio))
		} else {
			n = fmt.Sprintf("Measured application bytes are %s of that model, because of", pct(ratio))
		}
		switch m.Kind {
		case "exchange":
			n += fmt.Sprintf(" %s requests/min for %s updates/min, %s new connections/min (keep-alive).",
				num(r.PerMinute.Requests), num(updatesPerMin), num(r.PerMinute.Connections))
		default:
			n += fmt.Sprintf(" %s messages/min for %s updates/min, %s B/min from clients, %s new connections/min.",
				num(float64(r.Messages)*60/r.WindowSeconds), num(updatesPerMin), num(r.PerMinute.AppIn), num(r.PerMinute.Connections))
		}
		if strings.HasPrefix(r.Name, "socketio") && cfg.WarmupSeconds+cfg.WindowSeconds < 25 {
			n += " Engine.IO heartbeats (every 25 s) fell outside this short run; they add about 2.4 ping/pong pairs per user per minute."
		}
		notes = append(notes, n)
	}
	if r.Wire.Available && app > 0 && r.Updates.Delivered > 0 {
		segs := r.Wire.SegmentsIn + r.Wire.SegmentsOut
		perUpdate := float64(r.Wire.Total()) / float64(r.Updates.Delivered)
		notes = append(notes, fmt.Sprintf("On the wire: ×%s the application bytes, %s B per update, because TCP/IP adds %d B to each of %s segments (%s segments per update, %s of them pure ACKs), which no Q12 formula counts.",
			num2(r.PerMinute.WireBytes/app), num(perUpdate), cfg.TCPIPHeaderBytes, num(float64(segs)),
			num2(float64(segs)/float64(r.Updates.Delivered)), pct(float64(r.Wire.PureACKs)/float64(segs))))
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
		return "deflate output + 2 B header: an 8 B update does not compress, it grows"
	case "socketio-websocket":
		return "Engine.IO/Socket.IO packet `42[\"update\",…]` inside the frame"
	case "sse":
		return "event text plus HTTP/1.1 chunk framing"
	}
	return "measured"
}
