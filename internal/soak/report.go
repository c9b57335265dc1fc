package soak

import (
	"fmt"
	"io"
)

// WriteText prints a report: per target, each client's counts, the
// server's goroutines and RSS at the start and end, and the problems.
func WriteText(w io.Writer, r *Report) {
	for _, t := range r.Targets {
		verdict := "ok"
		if len(t.Problems) > 0 {
			verdict = "FAIL"
		}
		fmt.Fprintf(w, "soak %s (%s): %s, %.0fs, %d broadcasts\n", t.Name, t.URL, verdict, t.Seconds, t.Broadcasts)
		cs := append([]ClientReport(nil), t.Clients...)
		sortClients(cs)
		for _, c := range cs {
			line := fmt.Sprintf("  %-4s %-16s %6d acks, %d lost, %d ticks", c.Kind, c.Transport, c.Acks, c.Lost, c.Ticks)
			if c.Pings > 0 {
				line += fmt.Sprintf(", %d pings", c.Pings)
			}
			if c.Disconnect != "" {
				line += ", disconnected: " + c.Disconnect
			}
			fmt.Fprintln(w, line)
		}
		if t.Start != nil {
			fmt.Fprintf(w, "  server at start: %s\n", t.Start)
		}
		if t.End != nil {
			fmt.Fprintf(w, "  server at end:   %s\n", t.End)
		}
		for _, p := range t.Problems {
			fmt.Fprintf(w, "  problem: %s\n", p)
		}
	}
}
