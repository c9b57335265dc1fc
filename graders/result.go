package graders

import (
	"fmt"
	"strings"
	"time"
)

// Status is a check's verdict.
type Status string

// The verdicts. Pass, Fail and Skip are the three of a server's or a
// page's checks (the contract's JSON report); Review and Missing come from
// written answers and submissions (submissions.md).
const (
	Pass Status = "pass"
	Fail Status = "fail"
	Skip Status = "skip"
	// Review is a written answer's item that needs a person's judgement
	// (an explanation's quality, a justified choice): neither pass nor
	// fail, shown to the instructor with the reference beside it.
	Review Status = "review"
	// Missing is a part of a submission that is not there (no answer to
	// Q7, no client/q9.html): not a failure, and worth no points.
	Missing Status = "missing"
)

// Gradeable reports whether a check with this verdict counts in an
// exercise's score: pass and fail do; skip, review and missing do not
// (submissions.md: "skip and review count in neither").
func (s Status) Gradeable() bool { return s == Pass || s == Fail }

// CheckResult is what one check yields: the one record every renderer
// reads. A failure says what was expected, what arrived, and a hint.
type CheckResult struct {
	ID     string
	Name   string
	Status Status
	// Reason is one line: why it failed, or why it was skipped.
	Reason string
	// Expected and Actual detail a failure, when there is something to
	// compare.
	Expected string
	Actual   string
	// Recent lists the last events the client in question received, the
	// context a student needs to see what their server did instead.
	Recent []string
	// Hint says what to look at (from the scenario).
	Hint     string
	Duration time.Duration
	// Harness marks a failure that is the grader's or the scenario's fault
	// (a bad template, a panic), not the student's; it still fails.
	Harness bool
	// Points is what the check is worth in a gradebook; 0 means the
	// default, 1 (see Worth).
	Points int
	// Reference and Submitted are a Review item's two texts: the reference
	// answer and what the student wrote, shown side by side.
	Reference string
	Submitted string
}

// Worth is the check's points: Points, or 1 when unset.
func (c CheckResult) Worth() int {
	if c.Points > 0 {
		return c.Points
	}
	return 1
}

// Message is the single-line-per-part text used by the JSON, JUnit and
// Markdown reports.
func (c CheckResult) Message() string {
	if c.Status == Pass {
		return ""
	}
	var b strings.Builder
	b.WriteString(c.Reason)
	if c.Expected != "" {
		fmt.Fprintf(&b, "\nexpected: %s", c.Expected)
	}
	if c.Actual != "" {
		fmt.Fprintf(&b, "\nactual: %s", c.Actual)
	}
	if len(c.Recent) > 0 {
		fmt.Fprintf(&b, "\nlast events received: %s", strings.Join(c.Recent, "; "))
	}
	if c.Hint != "" {
		fmt.Fprintf(&b, "\nhint: %s", c.Hint)
	}
	return b.String()
}

// Report is one exercise graded against one URL.
type Report struct {
	Exercise string
	Title    string
	URL      string
	Checks   []CheckResult
	// Err is a harness error that kept checks from running at all (the
	// server was unreachable, --cmd did not start): exit code 2.
	Err      error
	Duration time.Duration
}

// Passed reports whether every check passed or was skipped and nothing
// kept the grader from running.
func (r *Report) Passed() bool {
	if r.Err != nil {
		return false
	}
	for _, c := range r.Checks {
		if c.Status == Fail {
			return false
		}
	}
	return true
}

// Counts returns how many checks passed, failed and were skipped; review
// and missing items count as skipped here (they are neither pass nor fail).
func (r *Report) Counts() (pass, fail, skip int) {
	for _, c := range r.Checks {
		switch c.Status {
		case Pass:
			pass++
		case Fail:
			fail++
		default:
			skip++
		}
	}
	return
}

// Score returns the exercise's points: those of the checks that passed
// over those of the gradeable ones (pass or fail; submissions.md).
func (r *Report) Score() (points, max int) {
	for _, c := range r.Checks {
		if !c.Status.Gradeable() {
			continue
		}
		max += c.Worth()
		if c.Status == Pass {
			points += c.Worth()
		}
	}
	return
}

// Failure is the error a step returns when the server did not do what the
// contract says. Steps build it; the runner copies it into CheckResult.
type Failure struct {
	Reason   string
	Expected string
	Actual   string
	Recent   []string
}

func (f *Failure) Error() string {
	s := f.Reason
	if f.Expected != "" {
		s += "; expected " + f.Expected
	}
	if f.Actual != "" {
		s += "; got " + f.Actual
	}
	return s
}

// Failf is a Failure with only a reason, for probes.
func Failf(format string, args ...any) *Failure {
	return &Failure{Reason: fmt.Sprintf(format, args...)}
}

// SkipError ends a check as skipped rather than failed: a probe returns it
// when it cannot judge here (an in-process server cannot be signalled).
// Reason is shown as the skip's reason.
type SkipError struct{ Reason string }

func (e *SkipError) Error() string { return "skipped: " + e.Reason }

// Skipf is a SkipError, for probes: return graders.Skipf("needs --cmd: …").
func Skipf(format string, args ...any) *SkipError {
	return &SkipError{Reason: fmt.Sprintf(format, args...)}
}

// ScenarioError is a mistake in a scenario found while it runs (an unknown
// variable, a bad template): a harness error, never the student's fault.
type ScenarioError struct{ Msg string }

func (e *ScenarioError) Error() string { return "scenario error: " + e.Msg }
