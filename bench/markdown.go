package bench

import (
	"fmt"
	"io"
	"strings"
)

// WriteMarkdown writes the run's summary: the Q12 table (model beside
// measurement) with the formulas and the reasons they differ, delivery and
// latency, cost, and Q7's measured rows.
func WriteMarkdown(w io.Writer, r *Results) error {
	var b strings.Builder
	c := r.Config
	fmt.Fprintf(&b, "# rtlab bench — %s\n\n", r.Started.Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(&b, "%d simulated users per transport, one update of %d B every %gs each; HTTP clients send %s. "+
		"Measured window %gs after a %gs warm-up, reported per minute. Server and clients in one process on loopback "+
		"(%s/%s, %d CPUs, %s); transports run one after another. Run took %.0fs.\n\n",
		c.Users, c.PayloadBytes, c.IntervalSeconds, yesNo(c.Headers == "browser"), c.WindowSeconds, c.WarmupSeconds,
		r.Host.GOOS, r.Host.GOARCH, r.Host.CPUs, r.Host.GoVersion, r.Seconds)
	if h := Headline(r); h != "" {
		b.WriteString(h + "\n\n")
	}
	writeQ12(&b, r)
	writeDelivery(&b, r)
	writeCost(&b, r)
	writeQ7(&b, r)
	if len(r.Sweep) > 0 {
		writeSweep(&b, r)
	}
	b.WriteString("## Method\n\n")
	b.WriteString("- Application bytes: every server-side connection is wrapped in a counting `net.Conn` (`internal/wire`); " +
		"in = sent by clients, out = sent by the server. Payload is the updates' bytes the server wrote; headers/framing is the rest " +
		"(HTTP request and status lines, headers, chunk sizes, WebSocket and Engine.IO framing, handshakes, pings).\n")
	fmt.Fprintf(&b, "- Wire bytes: `TCP_INFO` of every server socket at the start and end of the window (or at its close): "+
		"segments in and out, SYN/FIN and pure ACKs included, plus the TCP payload bytes; each segment adds %d B (%s).\n", c.TCPIPHeaderBytes, c.TCPIPHeaderNote)
	b.WriteString("- Latency: the server stamps each update when it publishes it; the client records its arrival (same clock). " +
		"Short polling's figure is staleness, the age of an update when a poll first sees it.\n")
	b.WriteString("- CPU is the whole process (server and clients) during the window; memory is the Go runtime's peak while the transport ran.\n")
	for _, nm := range r.NotMeasured {
		b.WriteString("- " + nm + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Headline compares short polling with WebSocket the way Q12 does, in the
// model and on the wire: the ratio shrinks on the wire because a small
// WebSocket message pays as much TCP/IP overhead as a polling exchange's
// segments do. Empty when either did not run.
func Headline(r *Results) string {
	sp, ws := r.Transport("short-polling"), r.Transport("websocket")
	if sp == nil || ws == nil || sp.Status != "ok" || ws.Status != "ok" || ws.PerMinute.AppBytes == 0 || ws.Model.ExerciseBytesPerMin == 0 {
		return ""
	}
	s := fmt.Sprintf("**Headline.** Q12's model says short polling costs ×%s what WebSocket costs (%s against %s B/min). "+
		"Counted at the application layer it is ×%s (%s against %s)",
		num2(sp.Model.ExerciseBytesPerMin/ws.Model.ExerciseBytesPerMin), num(sp.Model.ExerciseBytesPerMin), num(ws.Model.ExerciseBytesPerMin),
		num2(sp.PerMinute.AppBytes/ws.PerMinute.AppBytes), num(sp.PerMinute.AppBytes), num(ws.PerMinute.AppBytes))
	if sp.Wire.Available && ws.Wire.Available && ws.PerMinute.WireBytes > 0 {
		s += fmt.Sprintf("; on the wire only ×%s (%s against %s), because every %d-byte WebSocket update travels in its own TCP segment "+
			"with %d B of IP and TCP headers and is answered by an ACK segment of the same size",
			num2(sp.PerMinute.WireBytes/ws.PerMinute.WireBytes), num(sp.PerMinute.WireBytes), num(ws.PerMinute.WireBytes),
			int(ws.Model.MeasuredUnitBytes), r.Config.TCPIPHeaderBytes)
	}
	return s + "."
}

func yesNo(browser bool) string {
	if browser {
		return "a browser's headers (Chrome's fetch: user agent, client hints, fetch metadata, cookies)"
	}
	return "Go's minimal headers"
}

// writeQ12 is the table the issue asks for: the textbook figure, the same
// formula with measured sizes, and the two measurements.
func writeQ12(b *strings.Builder, r *Results) {
	b.WriteString("## Q12: model beside measurement (bytes per minute, both directions)\n\n")
	b.WriteString("| Transport | Q12 model, exercise sizes | Model, measured sizes | Measured, application | Measured, on the wire | Wire ÷ Q12 |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|\n")
	for _, t := range r.Transports {
		if t.Status == "not run" {
			fmt.Fprintf(b, "| %s | %s | not run | not run | not run | – |\n", t.Name, num(t.Model.ExerciseBytesPerMin))
			continue
		}
		ex := num(t.Model.ExerciseBytesPerMin)
		if !t.Model.InQ12 {
			ex += " *"
		}
		ratio := "–"
		if t.Model.ExerciseBytesPerMin > 0 && t.PerMinute.WireBytes > 0 {
			ratio = "×" + num2(t.PerMinute.WireBytes/t.Model.ExerciseBytesPerMin)
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s |\n", t.Name, ex, num(t.Model.MeasuredBytesPerMin),
			num(t.PerMinute.AppBytes), wireOr(t), ratio)
	}
	b.WriteString("\n\\* not in Q12: the closest Q12 assumption, as stated below.\n\n")
	b.WriteString("Textbook answer: 48,000,000 (short polling), 48,000,000 (long polling), 600,000 (WebSocket) bytes per minute.\n\n")
	b.WriteString("### Formulas\n\n")
	for _, t := range r.Transports {
		fmt.Fprintf(b, "- **%s** — exercise: %s = %s B/min", t.Name, t.Model.Exercise, num(t.Model.ExerciseBytesPerMin))
		if t.Model.Measured != "" {
			fmt.Fprintf(b, "; measured sizes: %s = %s B/min", t.Model.Measured, num(t.Model.MeasuredBytesPerMin))
		}
		b.WriteString(".\n")
	}
	b.WriteString("\n### Where they differ and why\n\n")
	for _, t := range r.Transports {
		if t.Status == "not run" {
			fmt.Fprintf(b, "- **%s**: not run — %s\n", t.Name, t.Reason)
			continue
		}
		if t.Status == "failed" {
			fmt.Fprintf(b, "- **%s**: failed — %s\n", t.Name, t.Reason)
			continue
		}
		fmt.Fprintf(b, "- **%s**: %s\n", t.Name, strings.Join(t.Model.Notes, " "))
	}
	b.WriteString("\n")
}

func wireOr(t TransportResult) string {
	if !t.Wire.Available {
		return "n/a"
	}
	return num(t.PerMinute.WireBytes)
}

func writeDelivery(b *strings.Builder, r *Results) {
	b.WriteString("## Delivery and latency\n\n")
	b.WriteString("| Transport | Updates sent | Delivered | Missing | Latency | p50 ms | p95 ms | p99 ms | max ms |\n")
	b.WriteString("|---|---:|---:|---:|---|---:|---:|---:|---:|\n")
	for _, t := range r.Transports {
		if t.Status == "not run" {
			fmt.Fprintf(b, "| %s | not run |  |  |  |  |  |  |  |\n", t.Name)
			continue
		}
		miss := num(float64(t.Updates.Missing))
		if t.Promise && t.Updates.Missing > 0 {
			miss += " ⚠"
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", t.Name, num(float64(t.Updates.Sent)), num(float64(t.Updates.Delivered)),
			miss, t.Latency.Kind, fmtMS(t.Latency.P50), fmtMS(t.Latency.P95), fmtMS(t.Latency.P99), fmtMS(t.Latency.Max))
	}
	b.WriteString("\n")
}

func writeCost(b *strings.Builder, r *Results) {
	b.WriteString("## Cost\n\n")
	b.WriteString("| Transport | App in / out B/min | of which headers/framing | Requests/min | New connections/min | Segments in / out | Pure ACKs | CPU s | Peak memory MiB |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, t := range r.Transports {
		if t.Status == "not run" {
			fmt.Fprintf(b, "| %s | not run |  |  |  |  |  |  |  |\n", t.Name)
			continue
		}
		hdr := 0.0
		if t.App.Total() > 0 {
			hdr = float64(t.App.InHeaders+t.App.OutHeaders) / float64(t.App.Total())
		}
		fmt.Fprintf(b, "| %s | %s / %s | %s | %s | %s | %s / %s | %s | %.2f | %.1f |\n", t.Name,
			num(t.PerMinute.AppIn), num(t.PerMinute.AppOut), pct(hdr), num(t.PerMinute.Requests), num(t.PerMinute.Connections),
			num(float64(t.Wire.SegmentsIn)), num(float64(t.Wire.SegmentsOut)), num(float64(t.Wire.PureACKs)),
			t.CPUSeconds, float64(t.PeakMemBytes)/(1<<20))
	}
	b.WriteString("\nSegment and ACK counts are for the window, not per minute.\n\n")
}

func writeQ7(b *strings.Builder, r *Results) {
	b.WriteString("## Q7: measured rows\n\n")
	b.WriteString("| Technique | Direction | Connection | Bytes per update (app / wire) | Latency p50 / p99 | Requests per user per minute |\n")
	b.WriteString("|---|---|---|---:|---:|---:|\n")
	for _, q := range r.Q7Rows() {
		fmt.Fprintf(b, "| %s | %s | %s | %s / %s | %s / %s ms | %s |\n", q.Technique, q.Direction, q.Connection,
			num(q.AppBytesPerUpdate), num(q.WireBytesPerUpdate), fmtMS(q.LatencyP50), fmtMS(q.LatencyP99), num(q.RequestsPerUserMinute))
	}
	b.WriteString("\n")
}

func writeSweep(b *strings.Builder, r *Results) {
	b.WriteString("## Sweep: bytes per minute against users\n\n")
	b.WriteString("| Transport | Users | Q12 model | Measured, application | Measured, wire | Delivered / sent |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|\n")
	for _, s := range r.Sweep {
		fmt.Fprintf(b, "| %s | %d | %s | %s | %s | %s / %s |\n", s.Transport, s.Users, num(s.ExerciseModelPerMin),
			num(s.AppBytesPerMin), num(s.WireBytesPerMin), num(float64(s.Delivered)), num(float64(s.Sent)))
	}
	b.WriteString("\n")
}
