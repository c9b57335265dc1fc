package bench

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteText prints the run's headline for a terminal: per transport, the
// Q12 model beside the measurement, delivery and latency.
func WriteText(w io.Writer, r *Results) error {
	fmt.Fprintf(w, "%d users, 1 update/%gs each, %d B payload, %s headers; bytes per minute, both directions\n\n",
		r.Config.Users, r.Config.IntervalSeconds, r.Config.PayloadBytes, r.Config.Headers)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "transport\tQ12 model\tmodel, measured sizes\tmeasured app\tmeasured wire\tdelivered/sent\tp50 ms\tp99 ms\t")
	for _, t := range r.Transports {
		switch t.Status {
		case "not run", "failed":
			fmt.Fprintf(tw, "%s\t%s\t%s\t\t\t\t\t\t\n", t.Name, num(t.Model.ExerciseBytesPerMin), t.Status)
			continue
		}
		star := ""
		if !t.Model.InQ12 {
			star = "*"
		}
		fmt.Fprintf(tw, "%s\t%s%s\t%s\t%s\t%s\t%d/%d\t%s\t%s\t\n", t.Name, num(t.Model.ExerciseBytesPerMin), star,
			num(t.Model.MeasuredBytesPerMin), num(t.PerMinute.AppBytes), wireOr(t),
			t.Updates.Delivered, t.Updates.Sent, fmtMS(t.Latency.P50), fmtMS(t.Latency.P99))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "\n* not in Q12: closest Q12 assumption applied. Textbook: 48,000,000 / 48,000,000 / 600,000.")
	if h := Headline(r); h != "" {
		fmt.Fprintln(w, "\n"+strings.ReplaceAll(h, "**", ""))
	}
	for _, t := range r.Transports {
		if t.Reason != "" {
			fmt.Fprintf(w, "%s: %s\n", t.Name, t.Reason)
		}
	}
	for _, nm := range r.NotMeasured {
		fmt.Fprintln(w, nm)
	}
	return nil
}
