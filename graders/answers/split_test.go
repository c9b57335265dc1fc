package answers

import (
	"strings"
	"testing"
)

func TestSplitIsLenient(t *testing.T) {
	md := "# My answers\n\nintro, belongs to nothing\n\n" +
		"## Q1\none\n\n" +
		"## Q03 — The frame\nthree\n### A sub-heading\nstill three\n" +
		"```sh\n# Q4 in a code block is a comment\n```\n" +
		"### q7: compared\nseven\n" +
		"## Question 12\ntwelve\n" +
		"## Exercise 20.\ntwenty\n" +
		"# Q1 (continued)\nmore one\n" +
		"## Q1a is not Q1\n## Queue\nqueue text\n" +
		"**Q26.** Rooms are server-side.\nMore.\n" +
		"__Question 30__\nthirty\n" +
		"**Q13 is bold prose, not a label\n"
	got := Split([]byte(md))
	want := map[string]string{
		"q1":  "one\n\nmore one\n## Q1a is not Q1\n## Queue\nqueue text",
		"q3":  "three\n### A sub-heading\nstill three\n```sh\n# Q4 in a code block is a comment\n```",
		"q7":  "seven",
		"q12": "twelve",
		"q20": "twenty",
		"q26": "Rooms are server-side.\nMore.",
		"q30": "thirty\n**Q13 is bold prose, not a label",
	}
	if len(got) != len(want) {
		t.Errorf("Split found %d answers, want %d: %q", len(got), len(want), got)
	}
	for id, w := range want {
		if got[id] != w {
			t.Errorf("%s = %q, want %q", id, got[id], w)
		}
	}
	if strings.Contains(got["q1"], "intro") {
		t.Error("text before the first heading was given to Q1")
	}
}

// A table row reads as a sentence, each cell after its header; a list item
// is its own paragraph, and so is a code block, a sentence a line; an HTML
// comment says nothing.
func TestPassages(t *testing.T) {
	ps := passages("<!-- say 101 here -->\nProse one. Prose two, e.g. this.\n\n| call | sender | others |\n|---|:-:|---|\n| `socket.broadcast.emit` | ✗ | ✓ |\n\n- item one\n- item two\n\n```js\nio.emit('x')\nio.emit('y')\n```\nAfter.\n")
	var got []string
	for _, p := range ps {
		got = append(got, p.Norm)
	}
	want := []string{"prose one", "prose two e g this", "call sender others", "call socket broadcast emit sender no others yes", "item one", "item two", "io emit x", "io emit y", "after"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("passages:\n got %q\nwant %q", got, want)
	}
	if ps[0].Para != ps[1].Para || ps[3].Para == ps[4].Para || ps[4].Para == ps[5].Para || ps[6].Para != ps[7].Para || ps[7].Para == ps[8].Para {
		t.Errorf("paragraphs: %+v", ps)
	}
}
