package loadtest

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// DropSummary says how many clients the server dropped and why, such as
// "3 clients (ping timeout: 2, transport close: 1)".
func DropSummary(r *Result) string {
	reasons := make([]string, 0, len(r.DisconnectReasons))
	for k := range r.DisconnectReasons {
		reasons = append(reasons, k)
	}
	sort.Strings(reasons)
	for i, k := range reasons {
		reasons[i] = fmt.Sprintf("%s: %d", k, r.DisconnectReasons[k])
	}
	noun := "clients"
	if r.Disconnects == 1 {
		noun = "client"
	}
	return fmt.Sprintf("%d %s (%s)", r.Disconnects, noun, strings.Join(reasons, ", "))
}

// WriteText writes a run's summary for a terminal.
func WriteText(w io.Writer, r *Result) {
	fmt.Fprintf(w, "rtlab load: %s, %d clients over %s against %s (%.1fs)\n", r.Mode, r.Clients, r.Transport, r.URL, r.ElapsedS)
	fmt.Fprintf(w, "  connected   %d, failed %d, closed by the server %d\n", r.Connected, r.Failures, r.Disconnects)
	for _, f := range r.FailureSamples {
		fmt.Fprintf(w, "    failure: %s\n", f)
	}
	if r.Disconnects > 0 {
		fmt.Fprintf(w, "    closed by the server: %s\n", DropSummary(r))
	}
	for _, d := range r.DisconnectSamples {
		fmt.Fprintf(w, "    closed: %s\n", d)
	}
	if r.Connect.Count > 0 {
		fmt.Fprintf(w, "  connect     %s\n", latencyLine(&r.Connect))
	}
	switch r.Mode {
	case ModeBroadcast:
		fmt.Fprintf(w, "  broadcast   %d ticks of %d characters: %d of %d delivered, %d lost, %d out of order\n",
			r.Messages, r.Size, r.Deliveries, r.Expected, r.Lost, r.OutOfOrder)
		fmt.Fprintf(w, "  throughput  %.0f deliveries/s\n", r.DeliveriesPerSec)
		if r.ServerAck != nil {
			fmt.Fprintf(w, "  server      sent %d in %.1f ms (its ack)\n", r.ServerAck.Sent, r.ServerAck.MS)
		}
		if r.Latency != nil {
			fmt.Fprintf(w, "  latency     %s (tick t, ms resolution, to receipt)\n", latencyLine(r.Latency))
		}
	case ModeEcho:
		fmt.Fprintf(w, "  throughput  %d acks, %.0f acks/s over %.0fs\n", r.Acks, r.AcksPerSec, r.DurationS)
		if r.Latency != nil {
			fmt.Fprintf(w, "  latency     %s\n", latencyLine(r.Latency))
		}
	}
	if s := r.Server; s != nil {
		fmt.Fprintf(w, "  server RSS  %d KB → %d KB after %.0fs: %.2f KB per connection (pid %d)\n",
			s.RSSBeforeKB, s.RSSAfterKB, s.RSSSampledAfter, s.RSSPerConnKB, s.PID)
	}
	fmt.Fprintf(w, "  load tool   %.2f CPU seconds, RSS %d KB → %d KB: %.2f KB per client, %d goroutines\n",
		r.Tool.CPUSeconds, r.Tool.RSSBeforeKB, r.Tool.RSSAfterKB, r.Tool.RSSPerClientKB, r.Tool.Goroutines)
	if r.Mode != ModeIdle {
		line := fmt.Sprintf("  CPU per op  load tool %.1f µs", r.Tool.CPUPerOpUS)
		if s := r.Server; s != nil && s.CPUPerOpUS > 0 {
			line += fmt.Sprintf(", server %.1f µs (%.2f CPU seconds, /proc/%d/stat)", s.CPUPerOpUS, s.CPUSeconds, s.PID)
		} else {
			line += "; the server's with --pid"
		}
		fmt.Fprintln(w, line)
	}
	for _, nm := range r.NotMeasured {
		fmt.Fprintf(w, "  %s\n", nm)
	}
}

func latencyLine(l *Latency) string {
	return fmt.Sprintf("p50 %s  p90 %s  p99 %s  max %s ms (%d samples)",
		fmtMS(l.P50MS), fmtMS(l.P90MS), fmtMS(l.P99MS), fmtMS(l.MaxMS), l.Count)
}

func fmtMS(v float64) string {
	switch {
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

func trimFloat(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// WriteResult writes results.json, summary.txt and the latency chart of a
// run into dir, and returns the files written.
func WriteResult(r *Result, dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var files []string
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, err
	}
	p := filepath.Join(dir, "results.json")
	if err := os.WriteFile(p, append(b, '\n'), 0o644); err != nil {
		return nil, err
	}
	files = append(files, p)
	var sb strings.Builder
	WriteText(&sb, r)
	p = filepath.Join(dir, "summary.txt")
	if err := os.WriteFile(p, []byte(sb.String()), 0o644); err != nil {
		return files, err
	}
	files = append(files, p)
	charts, err := writeRunChart(r, dir)
	return append(files, charts...), err
}

func orNone(s string) string {
	if s == "" {
		return "not measured"
	}
	return s
}

// WriteComparisonText writes the comparison table as Markdown.
func WriteComparisonText(w io.Writer, c *Comparison) {
	fmt.Fprintf(w, "# rtlab load: %s\n\n", strings.Join(c.Servers, " vs "))
	fmt.Fprintf(w, "%s, %d repetitions per scenario and server, alternating, each on a fresh server process; %.0fs in all.\n",
		c.Start.UTC().Format("2006-01-02 15:04 UTC"), c.Reps, c.ElapsedS)
	fmt.Fprintf(w, "CPUs: %s. Machine load (/proc/loadavg 1/5/15 min): %s at the start, %s at the end.\n\n",
		c.Pinning, orNone(c.Load), orNone(c.LoadEnd))
	for _, s := range c.Scenarios {
		over := ""
		if s.Transport == "polling" {
			over = ", over HTTP long-polling"
		}
		switch s.Mode {
		case ModeBroadcast:
			fmt.Fprintf(w, "- **%s**: %d clients; one more emits bcast, the server sends %d ticks of %d characters to all%s\n", s.Name, s.Clients, s.Messages, s.Size, over)
		case ModeEcho:
			fmt.Fprintf(w, "- **%s**: %d clients each emitting echo (%d characters) with an ack in a loop for %.0fs%s\n", s.Name, s.Clients, s.Size, s.DurationS, over)
		case ModeIdle:
			fmt.Fprintf(w, "- **%s**: %d clients connected and held %.0fs; server RSS growth per connection (/proc VmRSS)\n", s.Name, s.Clients, s.DurationS)
		}
	}
	fmt.Fprintln(w)
	fmt.Fprint(w, "| scenario | metric |")
	for _, s := range c.Servers {
		fmt.Fprintf(w, " %s median (min–max) |", s)
	}
	if len(c.Servers) >= 2 {
		fmt.Fprintf(w, " %s / %s | target | |", c.Servers[0], c.Servers[1])
	}
	fmt.Fprintln(w)
	fmt.Fprint(w, "|---|---|")
	for range c.Servers {
		fmt.Fprint(w, "---:|")
	}
	if len(c.Servers) >= 2 {
		fmt.Fprint(w, "---:|---|---|")
	}
	fmt.Fprintln(w)
	for _, row := range c.Rows {
		unit := ""
		if row.Unit != "" {
			unit = " (" + row.Unit + ")"
		}
		fmt.Fprintf(w, "| %s | %s%s |", row.Scenario, row.Metric, unit)
		for _, st := range row.Stats {
			if len(st.Values) == 0 {
				fmt.Fprint(w, " – |")
				continue
			}
			fmt.Fprintf(w, " %s (%s–%s) |", fmtNum(st.Median), fmtNum(st.Min), fmtNum(st.Max))
		}
		if len(c.Servers) >= 2 {
			ratio, verdict := "–", ""
			if row.Ratio != 0 {
				ratio = fmt.Sprintf("%.2f", row.Ratio)
			}
			if row.Target != "" {
				verdict = "met"
				if !row.Met {
					verdict = "**not met**"
				}
			}
			fmt.Fprintf(w, " %s | %s | %s |", ratio, row.Target, verdict)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w)
	if t := c.Tool; t != nil {
		verdict := "met"
		if t.Tool.RSSPerClientKB > c.ToolTargetKB || t.Connected < t.Clients {
			verdict = "**not met**"
		}
		fmt.Fprintf(w, "Load tool: %d of %d idle clients held in one process against %s, %.2f KB RSS per client (target ≤ %s KB: %s), %d goroutines, %.1f CPU seconds.\n",
			t.Connected, t.Clients, t.Label, t.Tool.RSSPerClientKB, trimFloat(c.ToolTargetKB), verdict, t.Tool.Goroutines, t.Tool.CPUSeconds)
	} else if c.ToolErr != "" {
		fmt.Fprintf(w, "Load tool run failed: %s\n", c.ToolErr)
	}
	var errs []string
	for _, r := range c.Runs {
		if r.Err != "" {
			errs = append(errs, fmt.Sprintf("- %s %s #%d: %s", r.Server, r.Scenario, r.Rep, r.Err))
		}
	}
	if len(errs) > 0 {
		fmt.Fprintf(w, "\nRuns with errors:\n%s\n", strings.Join(errs, "\n"))
	}
}

func fmtNum(v float64) string {
	switch {
	case v >= 1000:
		return strconv.FormatFloat(v/1000, 'f', 1, 64) + "k"
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

// WriteComparison writes comparison.json, comparison.md and the charts
// into dir, and returns the files written.
func WriteComparison(c *Comparison, dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var files []string
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return nil, err
	}
	p := filepath.Join(dir, "comparison.json")
	if err := os.WriteFile(p, append(b, '\n'), 0o644); err != nil {
		return nil, err
	}
	files = append(files, p)
	var sb strings.Builder
	WriteComparisonText(&sb, c)
	p = filepath.Join(dir, "comparison.md")
	if err := os.WriteFile(p, []byte(sb.String()), 0o644); err != nil {
		return files, err
	}
	files = append(files, p)
	charts, err := writeComparisonCharts(c, dir)
	return append(files, charts...), err
}
