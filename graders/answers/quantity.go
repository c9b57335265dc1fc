package answers

import (
	"math"
	"regexp"
	"strconv"
	"strings"
)

// A quantity is a number read from text, with its unit when one follows:
// "48,000,000 bytes", "0.6 MB", "25 s", "101". Value is in the dimension's
// base unit (bytes, seconds); Written is the number as written, before the
// unit scaled it, which is what a unitless spelling compares with.
type quantity struct {
	Written float64
	Value   float64
	Dim     string // "B" (bytes), "s" (seconds), or "" for a bare number
	Text    string // as it appeared, for messages
}

// unit is one spelling of a unit and what it is worth in its dimension's
// base unit.
type unit struct {
	dim   string
	scale float64
}

// units maps each accepted unit spelling to its worth. The abbreviations
// are case-sensitive (B is a byte, b would be a bit, which the course never
// means); the words are matched in lower case.
var units = map[string]unit{
	"B": {"B", 1}, "kB": {"B", 1e3}, "KB": {"B", 1e3}, "MB": {"B", 1e6}, "GB": {"B", 1e9},
	"KiB": {"B", 1 << 10}, "MiB": {"B", 1 << 20}, "GiB": {"B", 1 << 30},
	"byte": {"B", 1}, "bytes": {"B", 1}, "octet": {"B", 1}, "octets": {"B", 1},
	"kilobyte": {"B", 1e3}, "kilobytes": {"B", 1e3}, "megabyte": {"B", 1e6}, "megabytes": {"B", 1e6},
	"gigabyte": {"B", 1e9}, "gigabytes": {"B", 1e9},
	"ms": {"s", 1e-3}, "msec": {"s", 1e-3}, "millisecond": {"s", 1e-3}, "milliseconds": {"s", 1e-3},
	"s": {"s", 1}, "sec": {"s", 1}, "secs": {"s", 1}, "second": {"s", 1}, "seconds": {"s", 1},
	"min": {"s", 60}, "mins": {"s", 60}, "minute": {"s", 60}, "minutes": {"s", 60},
	"h": {"s", 3600}, "hour": {"s", 3600}, "hours": {"s", 3600},
}

// multipliers are the words (and the k suffix) that scale a number before
// its unit: "48 million bytes", "600k".
var multipliers = map[string]float64{"thousand": 1e3, "million": 1e6, "billion": 1e9, "k": 1e3}

// quantityRe finds a number, thousands separated by a comma, an underscore,
// an apostrophe or a narrow space, with an optional fraction and exponent,
// then an optional multiplier and an optional unit word. The number must
// not continue a word or another number (v4.8, 0x81).
var quantityRe = regexp.MustCompile(`(?:^|[^\p{L}\p{N}._])((?:\d{1,3}(?:[,_'\x{00A0}\x{202F}\x{2009}]\d{3})+|\d+)(?:\.\d+)?(?:[eE][+-]?\d+)?)(?:[ \x{00A0}\x{202F}]?(thousand|million|billion|k)\b)?(?:[ \x{00A0}\x{202F}]?([A-Za-z]+))?`)

// quantities returns every number in s with its unit.
func quantities(s string) []quantity {
	var out []quantity
	for _, m := range quantityRe.FindAllStringSubmatchIndex(s, -1) {
		numText := s[m[2]:m[3]]
		n, err := strconv.ParseFloat(strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' || r == '.' || r == 'e' || r == 'E' || r == '+' || r == '-' {
				return r
			}
			return -1
		}, numText), 64)
		if err != nil {
			continue
		}
		q := quantity{Written: n, Value: n}
		end := m[3]
		if m[4] >= 0 {
			q.Written *= multipliers[strings.ToLower(s[m[4]:m[5]])]
			q.Value = q.Written
			end = m[5]
		}
		if m[6] >= 0 {
			word := s[m[6]:m[7]]
			u, ok := units[word]
			if !ok {
				u, ok = units[strings.ToLower(word)]
				// Only the words are case-insensitive: "MB" yes, "mb" no.
				ok = ok && len(word) > 3
			}
			if ok {
				q.Value *= u.scale
				q.Dim = u.dim
				end = m[7]
			}
		}
		q.Text = strings.TrimSpace(s[m[2]:end])
		out = append(out, q)
	}
	return out
}

// parseQuantity reads a spelling that is one figure and nothing else
// ("48,000,000 B", "~0.6 MB", "101"); ok is false for anything else, which
// is then a phrase.
func parseQuantity(spelling string) (quantity, bool) {
	s := strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(spelling), "~≈"))
	qs := quantities(s)
	if len(qs) != 1 || qs[0].Text != s {
		return quantity{}, false
	}
	return qs[0], true
}

// matches reports whether q, found in a text, is the figure a rubric's
// spelling want names. A unitless spelling (101, 1002) matches the number
// as written whatever follows it; a spelling with a unit matches the same
// amount in any unit of its dimension, or the bare number in the base unit
// (48000000 for 48 MB).
func (want quantity) matches(q quantity) bool {
	if want.Dim == "" {
		return same(want.Written, q.Written)
	}
	if q.Dim == "" {
		return same(want.Value, q.Written)
	}
	return q.Dim == want.Dim && same(want.Value, q.Value)
}

// same compares two figures allowing for float rounding only: 0.6 MB and
// 600 kB are the same; 45.8 MiB is not 48 MB.
func same(a, b float64) bool {
	return math.Abs(a-b) <= 1e-9*math.Max(math.Abs(a), math.Abs(b))
}
