package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// writeAnswers writes an answers.md made of the testdata answers of the
// exercises named, each under its "## QN" heading.
func writeAnswers(t *testing.T, kind string, stems ...string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("# My answers\n\n")
	for _, stem := range stems {
		data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "answers", stem, kind+".md"))
		if err != nil {
			t.Fatal(err)
		}
		n := strings.TrimLeft(stem[1:3], "0")
		b.WriteString("## Q" + n + "\n\n" + string(data) + "\n")
	}
	path := filepath.Join(t.TempDir(), "answers.md")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// rtlab grade --answers: correct answers pass (exit 0), a wrong one fails
// the fact it gets wrong (exit 1) and says so, and an exercise without an
// answer is missing, which fails nothing.
func TestGradeAnswers(t *testing.T) {
	t.Parallel()
	good := writeAnswers(t, "other_words", "q12_bandwidth", "q20_emit_demo")
	code, out, errOut := runCLI(t, "grade", "--answers", good, "--exercise", "q12,Q20,q1")
	if code != 0 {
		t.Errorf("correct answers: exit %d, want 0\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"✓ Gives short polling's bytes per minute", "? Says when to use each", "(missing: no answer under a \"## Q1\" heading)"} {
		if !strings.Contains(out, want) {
			t.Errorf("the report does not say %q:\n%s", want, out)
		}
	}

	bad := writeAnswers(t, "wrong", "q12_bandwidth")
	code, out, errOut = runCLI(t, "grade", "--answers", bad, "--exercise", "q12")
	if code != 1 {
		t.Errorf("a wrong answer: exit %d, want 1", code)
	}
	if !regexp.MustCompile(`✗ Gives short polling's bytes per minute\n\s+the answer does not mention the figure for short polling\n\s+actual:\s+found instead: 800,000 B \(that is per second`).MatchString(out) {
		t.Errorf("the failure does not name the fact and what was found instead:\n%s", out)
	}

	// A file without one exercise heading is all missing, and rtlab says why.
	plain := filepath.Join(t.TempDir(), "plain.md")
	if err := os.WriteFile(plain, []byte("1. socket.emit goes to the sender only\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = runCLI(t, "grade", "--answers", plain, "--exercise", "q20")
	if code != 0 || !strings.Contains(out, "MISSING") || !strings.Contains(errOut, "has no heading that names an exercise") {
		t.Errorf("answers without headings: exit %d\n%s%s", code, out, errOut)
	}

	// Every report format renders answers, review and missing included.
	dir := t.TempDir()
	for _, format := range []string{"json", "junit", "markdown"} {
		file := filepath.Join(dir, "r."+format)
		if code, _, errOut := runCLI(t, "grade", "--answers", good, "--exercise", "q20,q1", "--format", format, "--out", file); code != 0 {
			t.Fatalf("--format %s: exit %d: %s", format, code, errOut)
		}
		data, _ := os.ReadFile(file)
		for _, want := range []string{"review", "missing"} {
			if !strings.Contains(string(data), want) {
				t.Errorf("--format %s does not show %q:\n%s", format, want, data)
			}
		}
	}
	var reps []struct {
		Exercise string
		Checks   []struct{ ID, Status, Reference, Submitted string }
	}
	data, _ := os.ReadFile(filepath.Join(dir, "r.json"))
	if err := json.Unmarshal(data, &reps); err != nil || len(reps) != 2 {
		t.Fatalf("json report: %v\n%s", err, data)
	}
	for _, c := range reps[0].Checks {
		if c.Status == "review" && (c.Reference == "" || !strings.Contains(c.Submitted, "socket.broadcast.emit")) {
			t.Errorf("the review item %s lacks the reference or the student's text", c.ID)
		}
	}
}

func TestGradeAnswersUsage(t *testing.T) {
	t.Parallel()
	good := writeAnswers(t, "other_words", "q20_emit_demo")
	for _, tc := range []struct {
		args []string
		says string
	}{
		{[]string{"grade", "--answers", good, "--url", "http://127.0.0.1:3000"}, "--answers grades a file of written answers"},
		{[]string{"grade", "--answers", good, "--exercise", "q9"}, `exercise "q9" has no written answer to grade`},
		{[]string{"grade", "--answers", filepath.Join(t.TempDir(), "nope.md")}, "--answers: open"},
		{[]string{"grade", "--answers", good, "--format", "pdf"}, `--format "pdf"`},
	} {
		code, _, errOut := runCLI(t, tc.args...)
		if code != 2 || !strings.Contains(errOut, tc.says) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tc.args, code, errOut, tc.says)
		}
	}
}

// Reference mode grades the reference answers against their rubrics: the
// written-only exercises alone, without starting a server.
func TestGradeReferenceAnswers(t *testing.T) {
	t.Parallel()
	code, out, errOut := runCLI(t, "grade", "--exercise", "q1,q12,q13")
	if code != 0 {
		t.Fatalf("exit %d:\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"Q1 What WebSocket changes compared with HTTP — reference/answers/q01_ws_vs_http.md", "reference/answers/q12_bandwidth.md", "reference/answers/q13_socketio_wire.md"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
	if strings.Contains(out, "http://") {
		t.Errorf("answers alone started a server:\n%s", out)
	}
}

// rtlab list shows what is graded of every exercise; rtlab explain shows a
// written answer's facts, not its accepted spellings.
func TestListKindsAndExplainAnswer(t *testing.T) {
	t.Parallel()
	code, out, _ := runCLI(t, "list")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^EXERCISE\s+TITLE\s+KIND\s+CHECKS\s+REFERENCE`),
		regexp.MustCompile(`(?m)^q1\s.*\sanswer\s+6\s`),
		regexp.MustCompile(`(?m)^q6\s.*\spage\s`),
		regexp.MustCompile(`(?m)^q8\s.*\sconfig\s`),
		regexp.MustCompile(`(?m)^q17\s.*\sserver\s`),
		regexp.MustCompile(`(?m)^q20\s.*\sserver\+answer\s+4\+4\s`),
		regexp.MustCompile(`(?m)^\d+ of 38 exercises graded`),
	} {
		if !want.MatchString(out) {
			t.Errorf("rtlab list does not match %s:\n%s", want, out)
		}
	}
	code, out, _ = runCLI(t, "explain", "q12")
	if code != 0 || !strings.Contains(out, "Gives short polling's bytes per minute") || !strings.Contains(out, "rtlab grade --answers answers.md --exercise q12") {
		t.Errorf("rtlab explain q12: exit %d\n%s", code, out)
	}
	if strings.Contains(out, "48,000,000") || strings.Contains(out, "600,000") {
		t.Errorf("rtlab explain q12 gives the figures away:\n%s", out)
	}
	if code, out, _ = runCLI(t, "explain", "q10"); code != 0 || !strings.Contains(out, `Written part, graded from answers.md under "## Q10"`) {
		t.Errorf("rtlab explain q10 does not show its written part: exit %d\n%s", code, out)
	}
}
