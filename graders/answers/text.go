package answers

import (
	"regexp"
	"strings"
	"unicode"
)

// A passage is one sentence of an answer: the smallest stretch of text a
// fact's terms may be required to share. Para numbers the paragraph (a
// block of prose, one list item, one table row, one heading) it belongs to,
// for facts that need only the same paragraph.
type passage struct {
	Raw     string // the text, markdown kept, for messages
	Norm    string // normalize(Raw), for phrases and patterns
	Figures []quantity
	Para    int
}

func newPassage(raw string, para int) passage {
	return passage{Raw: raw, Norm: normalize(raw), Figures: quantities(raw), Para: para}
}

// passages cuts a Markdown answer into sentences. Prose is split after a
// full stop, a question or an exclamation mark followed by a space; a list
// item and a heading are paragraphs of their own, and so is a fenced code
// block, each of its lines a sentence; a table row
// is one sentence whose cells are each prefixed by their column's header
// ("A, the sender: no"), so that "| socket.broadcast.emit | no | yes |"
// under "| call | A, the sender | B, C, the others |" says what the prose
// "socket.broadcast.emit does not reach the sender" says.
func passages(md string) []passage {
	md = htmlComment.ReplaceAllString(md, "")
	var out []passage
	para := 0
	var block []string
	flush := func() {
		if len(block) == 0 {
			return
		}
		for _, s := range sentences(strings.Join(block, " ")) {
			out = append(out, newPassage(s, para))
		}
		block = block[:0]
		para++
	}
	one := func(s string) {
		flush()
		if strings.TrimSpace(s) != "" {
			out = append(out, newPassage(s, para))
			para++
		}
	}
	var header []string // the current table's header cells
	inTable, fence := false, ""
	for _, line := range strings.Split(strings.ReplaceAll(md, "\r\n", "\n"), "\n") {
		t := strings.TrimSpace(line)
		if fence != "" {
			if strings.HasPrefix(t, fence) {
				fence = ""
				para++
				continue
			}
			if t != "" {
				out = append(out, newPassage(t, para))
			}
			continue
		}
		if strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~") {
			flush()
			fence = t[:3]
			continue
		}
		if strings.HasPrefix(t, "|") {
			flush()
			cells := tableCells(t)
			switch {
			case !inTable:
				inTable, header = true, cells
				one(strings.Join(cells, ", "))
			case isRule(cells):
			default:
				one(tableRow(header, cells))
			}
			continue
		}
		inTable = false
		switch {
		case t == "":
			flush()
		case strings.HasPrefix(t, "#"), listItem.MatchString(t):
			flush()
			block = append(block, t)
		default:
			block = append(block, t)
		}
	}
	flush()
	return out
}

// htmlComment matches an HTML comment, which a reader of the rendered
// answer does not see (a template's instructions, a note to self): it
// states nothing.
var htmlComment = regexp.MustCompile(`(?s)<!--.*?-->`)

// listItem matches the start of a list item: "- ", "* ", "+ ", "1. ", "2) ".
var listItem = regexp.MustCompile(`^(?:[-*+]|\d+[.)])\s`)

// tableCells splits a Markdown table row into its trimmed cells.
func tableCells(row string) []string {
	row = strings.TrimSuffix(strings.TrimPrefix(row, "|"), "|")
	row = strings.ReplaceAll(row, `\|`, "\x00")
	cells := strings.Split(row, "|")
	for i, c := range cells {
		cells[i] = strings.TrimSpace(strings.ReplaceAll(c, "\x00", "|"))
	}
	return cells
}

// isRule reports whether cells are a table's |---|:--:| line.
func isRule(cells []string) bool {
	for _, c := range cells {
		if strings.Trim(c, "-: ") != "" {
			return false
		}
	}
	return true
}

// tableRow reads a row as a sentence: each cell after its header.
func tableRow(header, cells []string) string {
	parts := make([]string, 0, len(cells))
	for i, c := range cells {
		if c == "" {
			continue
		}
		if v, ok := marks[c]; ok {
			c = v
		}
		if i < len(header) && header[i] != "" {
			c = header[i] + ": " + c
		}
		parts = append(parts, c)
	}
	return strings.Join(parts, "; ")
}

// marks are the ticks and crosses a table says yes and no with.
var marks = map[string]string{"✓": "yes", "✔": "yes", "✔️": "yes", "✅": "yes", "☑": "yes",
	"✗": "no", "✘": "no", "❌": "no", "—": "no", "–": "no", "-": "no"}

// abbreviations end in a full stop that does not end a sentence.
var abbreviations = strings.NewReplacer("e.g. ", "e.g.\x00", "i.e. ", "i.e.\x00", "etc. ", "etc.\x00",
	"vs. ", "vs.\x00", "cf. ", "cf.\x00", "approx. ", "approx.\x00")

// sentenceEnd is where prose is cut: after . ! ? and the space that follows.
var sentenceEnd = regexp.MustCompile(`[.!?]["')*_]*\s+`)

// sentences splits a paragraph of prose into sentences.
func sentences(p string) []string {
	p = abbreviations.Replace(p)
	var out []string
	last := 0
	for _, m := range sentenceEnd.FindAllStringIndex(p, -1) {
		out = append(out, strings.TrimSpace(strings.ReplaceAll(p[last:m[1]], "\x00", " ")))
		last = m[1]
	}
	if rest := strings.TrimSpace(strings.ReplaceAll(p[last:], "\x00", " ")); rest != "" {
		out = append(out, rest)
	}
	return out
}

// normalize lowers s and reduces it to its words and numbers separated by
// single spaces, so that "`Sec-WebSocket-Accept`", "sec websocket accept"
// and "Sec-Websocket-Accept:" read the same; × reads as x ("×80" is
// "x 80"). Phrases and patterns are
// matched on this form.
func normalize(s string) string {
	var b strings.Builder
	space := true
	for _, r := range strings.ToLower(s) {
		if r == '×' { // ×80, 80×: "times", written as the letter x
			if !space {
				b.WriteByte(' ')
			}
			b.WriteString("x ")
			space = true
			continue
		}
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
			space = false
			continue
		}
		if !space {
			b.WriteByte(' ')
			space = true
		}
	}
	return strings.TrimSpace(b.String())
}
