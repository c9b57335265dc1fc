package class

import (
	"fmt"
	"sort"
	"strings"

	"rtlab/graders"
	"rtlab/graders/submission"
)

// markdown is a student's <stem>.md: the score, then per exercise a table
// of checks and the details of each failure, to paste into the student's
// repository or an issue.
func markdown(r *Record) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s: %d/%d points\n\n", mdText(r.Student), r.Points, r.Max)
	if r.Crash != "" {
		fmt.Fprintf(&b, "**Could not be graded:** %s\n\n", mdText(r.Crash))
	}
	if r.Setup != "" {
		fmt.Fprintf(&b, "**Setup failed:**\n\n%s\n", mdBlock(r.Setup))
	}
	for _, s := range r.Sandbox {
		fmt.Fprintf(&b, "- sandbox: %s\n", mdText(s))
	}
	if len(r.Sandbox) > 0 {
		b.WriteString("\n")
	}
	if m := r.Missing(); len(m) > 0 {
		fmt.Fprintf(&b, "Nothing handed in for %s.\n\n", strings.Join(m, ", "))
	}
	for _, e := range r.Handed() {
		fmt.Fprintf(&b, "## %s %s: %s\n\n", strings.ToUpper(e.ID), mdText(e.Title), r.Cell(e.ID))
		if e.State != submission.Graded {
			if e.Reason != "" {
				fmt.Fprintf(&b, "%s\n\n", mdText(e.Reason))
			}
			continue
		}
		for _, p := range e.Parts {
			if p.Title != "" {
				fmt.Fprintf(&b, "### %s\n\n", mdText(p.Title))
			}
			if p.Error != "" {
				fmt.Fprintf(&b, "**Could not grade:** %s\n\n", mdText(p.Error))
			}
			if len(p.Checks) == 0 {
				continue
			}
			b.WriteString("| | Check | Result |\n|---|---|---|\n")
			for _, c := range p.Checks {
				fmt.Fprintf(&b, "| %s | %s | %s |\n", icon(c.Status), mdText(c.Name), mdText(verdictText(c)))
			}
			b.WriteString("\n")
			for _, c := range p.Checks {
				if c.Status != graders.Fail {
					continue
				}
				fmt.Fprintf(&b, "<details><summary>%s</summary>\n\n%s\n</details>\n\n", mdText(c.Name), mdBlock(checkDetail(c)))
			}
		}
	}
	if len(r.Logs) > 0 {
		cmds := make([]string, 0, len(r.Logs))
		for c := range r.Logs {
			cmds = append(cmds, c)
		}
		sort.Strings(cmds)
		b.WriteString("## Server output\n\n")
		for _, c := range cmds {
			fmt.Fprintf(&b, "`%s`:\n\n%s\n", strings.ReplaceAll(mdText(c), "`", "'"), mdBlock(r.Logs[c]))
		}
	}
	return []byte(b.String())
}

func icon(s graders.Status) string {
	switch s {
	case graders.Pass:
		return "✅"
	case graders.Fail:
		return "❌"
	case graders.Review:
		return "👀"
	case graders.Missing:
		return "⬜"
	}
	return "⏭️"
}

// verdictText is a check's verdict in a few words: "pass", the failure's
// reason, "skipped: why".
func verdictText(c Check) string {
	switch c.Status {
	case graders.Pass:
		return "pass"
	case graders.Fail:
		return c.Reason
	case graders.Review:
		return "to review: " + c.Reason
	case graders.Missing:
		return "missing: " + c.Reason
	}
	return "skipped: " + c.Reason
}

// checkDetail is a failure's whole story, as graders.CheckResult.Message
// tells it.
func checkDetail(c Check) string {
	cr := graders.CheckResult{Status: c.Status, Reason: c.Reason, Expected: c.Expected, Actual: c.Actual, Recent: c.Recent, Hint: c.Hint}
	return cr.Message()
}

// mdText is untrusted text on one line of Markdown: control runes made
// visible, pipes escaped for tables, angle brackets kept from reading as
// HTML.
func mdText(s string) string {
	s = graders.Printable(s)
	s = strings.NewReplacer("|", "\\|", "\n", " ", "<", "&lt;", ">", "&gt;").Replace(s)
	return s
}

// mdBlock is untrusted text in a fenced block no line of it can close.
func mdBlock(s string) string {
	fence := "```"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	return fence + "\n" + strings.TrimRight(graders.Printable(s), "\n") + "\n" + fence + "\n"
}
