package graders

import (
	"fmt"
	"io"
	"regexp"
	"strings"
)

// TextOptions configure WriteText. A nil *TextOptions means the defaults.
type TextOptions struct {
	// Color uses ANSI colours (on a terminal). Default false.
	Color bool
	// Verbose also prints the reason under passing checks. Default false.
	Verbose bool
}

// WriteText prints reports as a checklist a student reads top to bottom:
// ✓ pass, ✗ fail with what was expected, what arrived and a hint, and
// - skip with why.
func WriteText(w io.Writer, reports []*Report, o *TextOptions) error {
	var opts TextOptions
	if o != nil {
		opts = *o
	}
	paint := func(code, s string) string {
		if !opts.Color {
			return s
		}
		return "\x1b[" + code + "m" + s + "\x1b[0m"
	}
	var b strings.Builder
	for i, r := range reports {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "%s %s — %s\n", paint("1", strings.ToUpper(r.Exercise)), r.Title, Printable(r.URL))
		if r.Err != nil {
			writeIndented(&b, "  "+paint("31", "!")+" ", r.Err.Error())
			continue
		}
		for _, c := range r.Checks {
			switch c.Status {
			case Pass:
				fmt.Fprintf(&b, "  %s %s\n", paint("32", "✓"), Printable(c.Name))
			case Skip:
				fmt.Fprintf(&b, "  %s %s %s\n", paint("33", "-"), Printable(c.Name), paint("2", "(skipped: "+Printable(c.Reason)+")"))
			case Missing:
				fmt.Fprintf(&b, "  %s %s %s\n", paint("33", "-"), Printable(c.Name), paint("2", "(missing: "+Printable(c.Reason)+")"))
			case Review:
				fmt.Fprintf(&b, "  %s %s %s\n", paint("36", "?"), Printable(c.Name), paint("2", "(for a person to review: "+Printable(c.Reason)+")"))
			case Fail:
				fmt.Fprintf(&b, "  %s %s\n", paint("31", "✗"), Printable(c.Name))
				tag := ""
				if c.Harness {
					tag = " [grader problem, not yours]"
				}
				writeIndented(&b, "      ", c.Reason+tag)
				if c.Expected != "" {
					writeIndented(&b, "      expected: ", c.Expected)
				}
				if c.Actual != "" {
					writeIndented(&b, "      actual:   ", c.Actual)
				}
				if len(c.Recent) > 0 {
					b.WriteString("      last events received:\n")
					for _, e := range c.Recent {
						writeIndented(&b, "        ", e)
					}
				}
				if c.Hint != "" {
					writeIndented(&b, "      hint: ", c.Hint)
				}
			}
		}
		p, f, s := r.Counts()
		review, missing := r.count(Review), r.count(Missing)
		verdict := paint("32", "PASSED")
		switch {
		case !r.Passed():
			verdict = paint("31", "FAILED")
		case missing > 0 && missing == len(r.Checks):
			verdict = paint("33", "MISSING")
		}
		tail := ""
		if review > 0 {
			tail += fmt.Sprintf(", %d to review", review)
		}
		if missing > 0 {
			tail += fmt.Sprintf(", %d missing", missing)
		}
		fmt.Fprintf(&b, "  %s: %d passed, %d failed, %d skipped%s (%.1fs)\n", verdict, p, f, s-review-missing, tail, r.Duration.Seconds())
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// count is how many of the report's checks have status s.
func (r *Report) count(s Status) int {
	n := 0
	for _, c := range r.Checks {
		if c.Status == s {
			n++
		}
	}
	return n
}

// ansiSGR matches the colour codes paint adds, which take no room on the
// screen.
var ansiSGR = regexp.MustCompile("\x1b\\[[0-9;]*m")

// writeIndented writes text after prefix, continuation lines aligned.
// text is made Printable: it may quote what a server sent.
func writeIndented(b *strings.Builder, prefix, text string) {
	pad := strings.Repeat(" ", len([]rune(ansiSGR.ReplaceAllString(prefix, ""))))
	for i, line := range strings.Split(strings.TrimRight(Printable(text), "\n"), "\n") {
		if i == 0 {
			b.WriteString(prefix)
		} else {
			b.WriteString(pad)
		}
		b.WriteString(line)
		b.WriteString("\n")
	}
}
