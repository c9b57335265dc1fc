package answers

import (
	"regexp"
	"strings"

	"rtlab/internal/exercise"
)

// heading matches a heading that opens an exercise's answer, leniently:
// "## Q1", "## Q01", "## q1 — title", "### Q1:", "# Question 7",
// "## Exercise 12". A heading that does not start with an exercise's
// number ("## What goes wrong") stays inside the answer it is in.
var heading = regexp.MustCompile(`(?i)^ {0,3}#{1,6}[ \t]*(?:q|question|exercise)[ \t.]*0*(\d+)(?:[^\p{L}\p{N}]|$)`)

// boldLabel matches a line that opens with the exercise in bold instead of
// a heading, "**Q1.** text" or "__Question 7__": what follows the closing
// marker is the start of the answer.
var boldLabel = regexp.MustCompile(`(?i)^ {0,3}(\*\*|__)[ \t]*(?:q|question|exercise)[ \t.]*0*(\d+)(?:[^\p{L}\p{N}*_][^*_]*)?(?:\*\*|__)(.*)$`)

// Split cuts answers.md into the text of each exercise's answer, by
// exercise id ("q7"), the heading line itself left out (a bold label's
// line keeps what follows the label). Text before the
// first such heading belongs to no exercise; an exercise headed twice gets
// both parts; a "#" inside a fenced code block is not a heading.
func Split(md []byte) map[string]string {
	out := map[string]string{}
	var cur string
	var b strings.Builder
	done := func() {
		if cur == "" {
			return
		}
		text := strings.Trim(b.String(), "\n")
		if prev, ok := out[cur]; ok && prev != "" {
			text = prev + "\n\n" + text
		}
		out[cur] = text
	}
	fence := ""
	for _, line := range strings.Split(strings.ReplaceAll(string(md), "\r\n", "\n"), "\n") {
		t := strings.TrimSpace(line)
		if fence == "" && (strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~")) {
			fence = t[:3]
		} else if fence != "" && strings.HasPrefix(t, fence) {
			fence = ""
		} else if m := heading.FindStringSubmatch(line); fence == "" && m != nil {
			done()
			cur = exercise.Normalize("q" + m[1])
			b.Reset()
			continue
		} else if m := boldLabel.FindStringSubmatch(line); fence == "" && m != nil {
			done()
			cur = exercise.Normalize("q" + m[2])
			b.Reset()
			line = strings.TrimSpace(m[3])
		}
		b.WriteString(line)
		b.WriteString("\n")
	}
	done()
	return out
}
