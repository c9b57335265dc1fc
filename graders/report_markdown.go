package graders

import (
	"fmt"
	"io"
	"strings"
)

// WriteMarkdown writes a report to paste into an issue or a pull request:
// a table per exercise, then the details of each failure.
func WriteMarkdown(w io.Writer, reports []*Report) error {
	var b strings.Builder
	for _, r := range reports {
		p, f, s := r.Counts()
		mark := "✅"
		if !r.Passed() {
			mark = "❌"
		}
		fmt.Fprintf(&b, "## %s %s — %s\n\n", mark, strings.ToUpper(r.Exercise), mdEscape(r.Title))
		fmt.Fprintf(&b, "Graded `%s`: %d passed, %d failed, %d skipped.\n\n", r.URL, p, f, s)
		if r.Err != nil {
			fmt.Fprintf(&b, "**Could not grade:** %s\n\n", mdEscape(r.Err.Error()))
			continue
		}
		b.WriteString("| | Check | Result |\n|---|---|---|\n")
		for _, c := range r.Checks {
			icon, res := "✅", "pass"
			switch c.Status {
			case Fail:
				icon, res = "❌", mdEscape(c.Reason)
			case Skip:
				icon, res = "⏭️", "skipped: "+mdEscape(c.Reason)
			case Missing:
				icon, res = "⬜", "missing: "+mdEscape(c.Reason)
			case Review:
				icon, res = "👀", "to review: "+mdEscape(c.Reason)
			}
			fmt.Fprintf(&b, "| %s | %s | %s |\n", icon, mdEscape(c.Name), res)
		}
		b.WriteString("\n")
		for _, c := range r.Checks {
			if c.Status != Fail {
				continue
			}
			fmt.Fprintf(&b, "<details><summary>%s: %s</summary>\n\n```\n%s\n```\n\n</details>\n\n", c.ID, mdEscape(c.Name), strings.ReplaceAll(Printable(c.Message()), "```", "'''"))
		}
		writeReviews(&b, r)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeReviews adds, for each review item, the two texts its reviewer
// reads one after the other: the student's, then the reference.
func writeReviews(b *strings.Builder, r *Report) {
	for _, c := range r.Checks {
		if c.Status != Review || c.Reference == "" && c.Submitted == "" {
			continue
		}
		fmt.Fprintf(b, "<details><summary>to review, %s: %s</summary>\n\n", c.ID, mdEscape(c.Name))
		fmt.Fprintf(b, "**Submitted**\n\n```text\n%s\n```\n\n**Reference**\n\n```text\n%s\n```\n\n</details>\n\n", mdFenced(c.Submitted), mdFenced(c.Reference))
	}
}

// mdFenced makes s safe inside a fenced block.
func mdFenced(s string) string {
	return strings.ReplaceAll(Printable(strings.TrimSpace(s)), "```", "'''")
}

func mdEscape(s string) string {
	s = strings.ReplaceAll(Printable(s), "|", "\\|")
	return strings.ReplaceAll(s, "\n", " ")
}
