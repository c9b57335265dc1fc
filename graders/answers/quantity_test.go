package answers

import "testing"

// One figure in every spelling a reader accepts, and near misses that are
// another figure.
func TestFiguresMatchAcrossUnits(t *testing.T) {
	for _, c := range []struct {
		want string
		text string
		ok   bool
	}{
		{"600,000 B", "0.6 MB per minute", true},
		{"600,000 B", "600 kB/min", true},
		{"600,000 B", "600,000 bytes", true},
		{"600,000 B", "600000", true},
		{"600,000 B", "600k", true},
		{"600,000 B", "0.6 megabytes", true},
		{"600,000 B", "60,000 bytes", false},
		{"600,000 B", "600 KiB", false},
		{"48,000,000 B", "48 MB", true},
		{"48,000,000 B", "48 million bytes", true},
		{"48,000,000 B", "48’000’000", false}, // a typographic apostrophe is not a separator here
		{"48,000,000 B", "4.8e7 B", true},
		{"48,000,000 B", "48 Mb", false}, // megabits
		{"48,000,000 B", "48 MiB", false},
		{"25 s", "25000 ms", true},
		{"25 s", "25 seconds", true},
		{"25 s", "25s", true},
		{"25 s", "25 minutes", false},
		{"60 s", "1 minute", true},
		{"101", "HTTP/1.1 101 Switching Protocols", true},
		{"101", "1010", false},
		{"1002", "close code 1,002", true},
		{"443", "v4.443", false},
	} {
		want, ok := parseQuantity(c.want)
		if !ok {
			t.Fatalf("%q is not a figure", c.want)
		}
		got := false
		for _, q := range quantities(c.text) {
			got = got || want.matches(q)
		}
		if got != c.ok {
			t.Errorf("%q in %q: matched %v, want %v (read %+v)", c.want, c.text, got, c.ok, quantities(c.text))
		}
	}
	for _, s := range []string{"Sec-WebSocket-Accept", "101 Switching Protocols", "48 MB/min", "0x81"} {
		if _, ok := parseQuantity(s); ok {
			t.Errorf("%q read as a figure; it is a phrase", s)
		}
	}
}
