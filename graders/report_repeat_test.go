package graders

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func repeatOf(runs ...[]Status) *Repeat {
	r := &Repeat{}
	for _, verdicts := range runs {
		rep := &Report{Exercise: "q99", Title: "Test", URL: "http://x"}
		for i, v := range verdicts {
			id := string(rune('a' + i))
			c := CheckResult{ID: id, Name: "check " + id, Status: v}
			if v == Fail {
				c.Reason = "it broke"
			}
			rep.Checks = append(rep.Checks, c)
		}
		r.Runs = append(r.Runs, []*Report{rep})
	}
	return r
}

func TestRepeatTotals(t *testing.T) {
	stable := repeatOf([]Status{Pass, Skip}, []Status{Pass, Skip})
	if f, fc, fl := stable.Totals(); f != 0 || fc != 0 || fl != 0 || !stable.Passed() {
		t.Errorf("stable: totals %d %d %d, passed %v", f, fc, fl, stable.Passed())
	}
	var sb bytes.Buffer
	WriteRepeatText(&sb, stable)
	for _, want := range []string{"  1 check passed in every run\n", "  -- check b (b) — skipped in every run", "STABLE: 2 runs"} {
		if !strings.Contains(sb.String(), want) {
			t.Errorf("stable text report lacks %q:\n%s", want, sb.String())
		}
	}
	flaky := repeatOf([]Status{Pass, Fail, Fail}, []Status{Fail, Fail, Skip}, []Status{Pass, Fail, Fail})
	f, fc, fl := flaky.Totals()
	if f != 6 || fc != 3 || fl != 2 || flaky.Passed() {
		// a: pass,fail,pass (flip); b: fail x3 (failed, stable); c: fail,skip,fail (flip)
		t.Errorf("flaky: totals %d %d %d (want 6 failing verdicts, 3 checks failed, 2 flipped), passed %v", f, fc, fl, flaky.Passed())
	}
	var b bytes.Buffer
	if err := WriteRepeatText(&b, flaky); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"✓✗✓ check a (a) — FLIPPED: 2 pass, 1 fail, 0 skip", "✗✗✗ check b (b) — FAILED in every run",
		"      run 2: it broke", "UNSTABLE: 3 runs of 1 exercise (3 checks): 6 failing verdicts in 3 checks, 2 checks flipped"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("text report lacks %q:\n%s", want, b.String())
		}
	}
	b.Reset()
	if err := WriteRepeatJSON(&b, flaky); err != nil {
		t.Fatal(err)
	}
	var j struct {
		Passed  bool     `json:"passed"`
		Flipped []string `json:"flipped"`
		Failed  []string `json:"failed"`
	}
	if err := json.Unmarshal(b.Bytes(), &j); err != nil {
		t.Fatal(err)
	}
	if j.Passed || strings.Join(j.Flipped, ",") != "q99/a,q99/c" || strings.Join(j.Failed, ",") != "q99/a,q99/b,q99/c" {
		t.Errorf("JSON: %+v", j)
	}
}

// TestRepeatNotGraded: an exercise that could not be graded in one run
// fails the repeat and is named, with its run.
func TestRepeatNotGraded(t *testing.T) {
	r := repeatOf([]Status{Pass})
	r.Runs = append(r.Runs, []*Report{{Exercise: "q99", Title: "Test", URL: "http://x", Err: errors.New("connection refused")}})
	if r.Passed() {
		t.Error("Passed() with a run not graded")
	}
	var b bytes.Buffer
	WriteRepeatText(&b, r)
	if !strings.Contains(b.String(), "! run 2: not graded: connection refused") || !strings.Contains(b.String(), "1 exercise not graded") {
		t.Errorf("text report:\n%s", b.String())
	}
}

// TestRepeatTextIsPrintable: a failure that quotes what a hostile server
// sent is shown escaped, as in the plain text report.
func TestRepeatTextIsPrintable(t *testing.T) {
	r := repeatOf([]Status{Fail}, []Status{Pass})
	r.Runs[0][0].Checks[0].Reason = "got \x1b[32m✓ fine\r\x00"
	var b bytes.Buffer
	WriteRepeatText(&b, r)
	if strings.ContainsAny(b.String(), "\x1b\r\x00") || !strings.Contains(b.String(), `run 1: got \x1b[32m✓ fine\x0d\x00`) {
		t.Errorf("text report not escaped:\n%q", b.String())
	}
}
