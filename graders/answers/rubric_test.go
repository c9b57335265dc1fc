package answers

import (
	"errors"
	"strings"
	"testing"
	"testing/fstest"

	"rtlab/graders"
)

// A mistake in a rubric names the file, the line and the field.
func TestParseErrorsNameFileLineField(t *testing.T) {
	for _, c := range []struct{ yaml, want string }{
		{"exercise: q99\nfacts: []\n", "q20_emit_demo.answer.yaml:1: exercise: \"q99\" is not an exercise"},
		{"exercise: q20\nfacts:\n  - id: a\n    name: A\n    within: row\n    all: [x]\n", "q20_emit_demo.answer.yaml:3: facts[0] (a).within: \"row\""},
		{"exercise: q20\nfacts:\n  - id: a\n    name: A\n    all:\n      - x\n      - {what: w, any: ['/(/']}\n", "q20_emit_demo.answer.yaml:7: facts[0] (a).all[1]: pattern /(/"},
		{"exercise: q20\nfacts:\n  - id: a\n    name: A\n    all: [x]\n  - id: a\n    name: B\n    all: [y]\n", "q20_emit_demo.answer.yaml:6: facts[1].id: \"a\" is already the id of the item on line 3"},
		{"exercise: q20\nfacts:\n  - id: a\n    name: A\n    alll: [x]\n", "q20_emit_demo.answer.yaml:5:"},
		{"exercise: q20\nfacts:\n  - id: a\n    all: [x]\n", "facts[0] (a).name: missing"},
		{"exercise: q20\nfacts:\n  - id: a\n    name: A\n", "facts[0] (a): no terms"},
		{"exercise: q20\nfacts:\n  - id: a\n    name: A\n    any: ['/x/']\n", "facts[0] (a).any[0]: a term spelled by patterns only needs what:"},
	} {
		_, err := Parse("q20_emit_demo.answer.yaml", []byte(c.yaml))
		var pe *ParseError
		if err == nil || !errors.As(err, &pe) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Parse(%q) = %v; want a ParseError with %q", c.yaml, err, c.want)
		}
	}
	_, err := Load(fstest.MapFS{"q21_wrong_name.answer.yaml": {Data: []byte("exercise: q20\nfacts: [{id: a, name: A, all: [x]}]\n")}})
	if err == nil || !strings.Contains(err.Error(), "must be named q20_emit_demo.answer.yaml") {
		t.Errorf("a misnamed rubric loaded: %v", err)
	}
}

// GradeDoc grades each exercise asked for from its section; a section that
// is not there, or holds only a template's comment, is missing, not
// failed, and an id without a rubric says so.
func TestGradeDoc(t *testing.T) {
	t.Parallel()
	all := rubrics(t)
	md := []byte("## Q1\n<!-- your answer here -->\n\n## Q20\n`socket.emit` goes to the sender only. `io.emit` goes to everyone. `socket.broadcast.emit` goes to everyone but the sender.\n")
	reps := GradeDoc(md, all, []string{"q20", "Q01", "q9"})
	if len(reps) != 3 {
		t.Fatalf("%d reports, want 3", len(reps))
	}
	if r := reps[0]; !r.Passed() || r.Exercise != "q20" {
		t.Errorf("q20: %+v", r)
	}
	for _, c := range reps[1].Checks {
		if c.Status != graders.Missing || !strings.Contains(c.Reason, `"## Q1"`) {
			t.Errorf("q1 %s: %s %q, want missing naming the heading", c.ID, c.Status, c.Reason)
		}
	}
	if p, m := reps[1].Score(); p != 0 || m != 0 || !reps[1].Passed() {
		t.Errorf("a missing answer scores %d/%d (passed %v); want 0/0 and no failure", p, m, reps[1].Passed())
	}
	if reps[2].Err == nil {
		t.Error("q9 has no rubric, and its report has no error")
	}
	for _, c := range reps[0].Checks {
		if c.Status == graders.Review && (c.Reference == "" || !strings.Contains(c.Submitted, "io.emit")) {
			t.Errorf("review item %s lacks the reference or the student's text", c.ID)
		}
	}
	if got := GradeDoc(md, all, nil); len(got) != len(all) {
		t.Errorf("GradeDoc with no ids graded %d exercises, want every rubric's (%d)", len(got), len(all))
	}
}

// Where a bare token would pass a wrong answer, the fact's terms must be
// said together: Q12's figures swapped between transports fail, with a
// message naming the figure found beside the transport.
func TestNearFactsCatchSwappedFigures(t *testing.T) {
	t.Parallel()
	r := rubrics(t)["q12"]
	rep := r.Grade("| Transport | Bytes per minute |\n|---|---|\n| Short polling | 600,000 B |\n| Long polling | 48,000,000 B |\n| WebSocket | 48,000,000 B |\n\n800 B per exchange, 10 B per frame; polling costs 80 times more.\n")
	got := map[string]graders.CheckResult{}
	for _, c := range rep.Checks {
		got[c.ID] = c
	}
	for _, id := range []string{"short-polling-bytes", "websocket-bytes"} {
		c := got[id]
		if c.Status != graders.Fail || !strings.Contains(c.Reason, "but not in the same sentence") {
			t.Errorf("%s: %s %q; want a failure saying the figure is not with its transport", id, c.Status, c.Reason)
		}
	}
	if c := got["short-polling-bytes"]; !strings.Contains(c.Reason, "48,000,000 B") || !strings.Contains(c.Actual, "600,000 B") {
		t.Errorf("short-polling-bytes: %q / %q; want the figures it found, apart and beside short polling", c.Reason, c.Actual)
	}
	if got["long-polling-bytes"].Status != graders.Pass || got["ratio"].Status != graders.Pass {
		t.Errorf("the facts it gets right do not pass:\n%s", failures(rep))
	}
}
