package graders

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestPrintable(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain ✓ text", "plain ✓ text"},
		{"two\nlines\tand a tab", "two\nlines\tand a tab"},
		{"nul\x00here", `nul\x00here`},
		{"\x1b[32mgreen\x1b[0m", `\x1b[32mgreen\x1b[0m`},
		{"✗ failed\r✓ passed", `✗ failed\x0d✓ passed`},
		{"del\x7f", `del\x7f`},
		{"bad utf-8 \xff\xfe", `bad utf-8 \xff\xfe`},
		{"c1 \u0085 control", `c1 \u0085 control`},
		{"abc\u202edcba", `abc\u202edcba`},
		{"a real \ufffd stays", "a real \ufffd stays"},
	} {
		if got := Printable(tc.in); got != tc.want {
			t.Errorf("Printable(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// hostileBytes is what a hostile server puts in a body: a NUL, a terminal
// escape that clears the screen, a carriage return that overwrites the ✗.
const hostileBytes = "\x00\x1b[2J\r  ✓ all passed"

// assertPrintable fails if out holds a control character other than a
// line feed (or a tab), or lacks the escaped NUL.
func assertPrintable(t *testing.T, what, out string) {
	t.Helper()
	for i := 0; i < len(out); i++ {
		if c := out[i]; (c < 0x20 && c != '\n' && c != '\t') || c == 0x7f {
			t.Errorf("%s: control byte %#x at %d: %q", what, c, i, out)
			return
		}
	}
	if !strings.Contains(out, `\x00`) {
		t.Errorf("%s: the NUL is not shown escaped: %q", what, out)
	}
}

// TestReportsShowServerBytesEscaped grades a server whose body holds
// hostileBytes and renders the report every way a person reads it.
func TestReportsShowServerBytesEscaped(t *testing.T) {
	ts := serveTS(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, hostileBytes)
	}), nil)
	sc := mustParse(t, `
exercise: q99
title: Hostile bodies
checks:
  - id: status
    name: The status is online
    steps:
      - http: {path: /api/status, expect: {status: 200, json: {status: online}}}
`)
	r := runQuick(t, sc, ts.URL)
	if r.Passed() {
		t.Fatal("a hostile body passed")
	}
	if !strings.Contains(r.Checks[0].Message(), "\x00") {
		t.Fatalf("the check does not quote the body, so this test proves nothing: %q", r.Checks[0].Message())
	}
	reports := []*Report{r, {Exercise: "q98", Title: "Unreachable", URL: ts.URL, Err: errors.New("cannot reach it: " + hostileBytes)}}

	var text, md, junit bytes.Buffer
	if err := WriteText(&text, reports, &TextOptions{Verbose: true}); err != nil {
		t.Fatal(err)
	}
	assertPrintable(t, "text", text.String())
	if err := WriteMarkdown(&md, reports); err != nil {
		t.Fatal(err)
	}
	assertPrintable(t, "markdown", md.String())
	if err := WriteJUnit(&junit, reports); err != nil {
		t.Fatal(err)
	}
	if err := xml.Unmarshal(junit.Bytes(), new(junitSuites)); err != nil {
		t.Errorf("junit: not XML any more: %v", err)
	}
	if !strings.Contains(junit.String(), `\x00`) {
		t.Errorf("junit: the NUL is not shown escaped")
	}
	// The colours paint adds are the report's own, not the server's.
	var color bytes.Buffer
	WriteText(&color, reports, &TextOptions{Color: true})
	if strings.Contains(color.String(), "\x1b[2J") {
		t.Errorf("text with colour: the server's escape sequence is live")
	}
}
