package graders

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Printable returns s as a report may show it: what a server sent (a
// body, an event's payload, an error that quotes them) reaches every
// report, and a hostile or broken server can send bytes that a terminal
// obeys instead of showing (an escape sequence that recolours or rewrites
// a line, a carriage return that overwrites "✗" with "✓", a NUL that ends
// the text for some readers). Line feeds and tabs stay; every other
// control character, invalid UTF-8 and the bidirectional overrides that
// reorder a line are shown escaped: \x00, \x1b, \xff, \u202e.
func Printable(s string) string {
	i := 0
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		if needsEscape(r, n) {
			break
		}
		i += n
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	b.WriteString(s[:i])
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case !needsEscape(r, n):
			b.WriteString(s[i : i+n])
		case r == utf8.RuneError || r < 0x80:
			fmt.Fprintf(&b, `\x%02x`, s[i]) // a control byte, or one byte of invalid UTF-8
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
		i += n
	}
	return b.String()
}

// needsEscape reports whether rune r, n bytes long in its string, is one
// Printable escapes.
func needsEscape(r rune, n int) bool {
	switch {
	case r == '\n' || r == '\t':
		return false
	case r == utf8.RuneError && n == 1:
		return true
	case r < 0x20 || r == 0x7f, r >= 0x80 && r <= 0x9f:
		return true
	case r == 0x200e || r == 0x200f, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}
