package graders

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
)

// Repeat is one target graded several times (rtlab grade --repeat N). A
// check whose verdict changes from one run to the next is flaky: either
// the server's behaviour depends on timing, or the check does. An
// instructor grades a reference server with a new scenario this way before
// students see it: a check that flips on a correct server would one day
// tell a student that correct code is wrong.
type Repeat struct {
	// Runs holds each run's reports, in run order; every run grades the
	// same exercises.
	Runs [][]*Report
	// Elapsed is the wall time of all the runs. Zero: not shown.
	Elapsed time.Duration
}

// CheckHistory is one check's verdicts over the runs of a Repeat.
type CheckHistory struct {
	Exercise string
	ID       string
	Name     string
	// Verdicts has one entry per run; "" when the check did not run at
	// all in that run (its exercise could not be graded).
	Verdicts []Status
	// Failures are the runs (1-based) in which the check failed, with
	// the failure's message.
	Failures []RunFailure
	// SkipReason is why the check was skipped, the last time it was.
	SkipReason string
}

// RunFailure is a check's failure in one run of a Repeat.
type RunFailure struct {
	Run     int    `json:"run"`
	Message string `json:"message"`
}

// Flipped reports whether the check's verdict was not the same in every
// run.
func (h *CheckHistory) Flipped() bool {
	for _, v := range h.Verdicts {
		if v != h.Verdicts[0] {
			return true
		}
	}
	return false
}

// Count returns in how many runs the check had verdict s.
func (h *CheckHistory) Count(s Status) int {
	n := 0
	for _, v := range h.Verdicts {
		if v == s {
			n++
		}
	}
	return n
}

// RunError is a harness error that kept an exercise from being graded in
// one run (unreachable server, --cmd that did not start).
type RunError struct {
	Run      int
	Exercise string
	Err      error
}

// Histories returns every check's history, exercises and checks in the
// order they were graded.
func (r *Repeat) Histories() []*CheckHistory {
	var out []*CheckHistory
	byKey := map[string]*CheckHistory{}
	for run, reports := range r.Runs {
		for _, rep := range reports {
			for _, c := range rep.Checks {
				key := rep.Exercise + "/" + c.ID
				h := byKey[key]
				if h == nil {
					h = &CheckHistory{Exercise: rep.Exercise, ID: c.ID, Name: c.Name, Verdicts: make([]Status, len(r.Runs))}
					byKey[key] = h
					out = append(out, h)
				}
				h.Verdicts[run] = c.Status
				switch c.Status {
				case Fail:
					h.Failures = append(h.Failures, RunFailure{Run: run + 1, Message: c.Message()})
				case Skip:
					h.SkipReason = c.Reason
				}
			}
		}
	}
	return out
}

// Errors returns the harness errors of every run.
func (r *Repeat) Errors() []RunError {
	var out []RunError
	for run, reports := range r.Runs {
		for _, rep := range reports {
			if rep.Err != nil {
				out = append(out, RunError{Run: run + 1, Exercise: rep.Exercise, Err: rep.Err})
			}
		}
	}
	return out
}

// Totals counts, over every run, the failing verdicts, the checks that
// failed at least once and the checks that flipped.
func (r *Repeat) Totals() (failingVerdicts, failedChecks, flipped int) {
	for _, h := range r.Histories() {
		failingVerdicts += len(h.Failures)
		if len(h.Failures) > 0 {
			failedChecks++
		}
		if h.Flipped() {
			flipped++
		}
	}
	return
}

// Passed reports whether every run graded every exercise, no check failed
// in any run and none flipped.
func (r *Repeat) Passed() bool {
	fails, _, flips := r.Totals()
	return fails == 0 && flips == 0 && len(r.Errors()) == 0
}

// exerciseOrder returns the exercises in the order of the first run that
// graded them, with the title and URL seen first.
func (r *Repeat) exerciseOrder() (ids []string, title, url map[string]string) {
	title, url = map[string]string{}, map[string]string{}
	for _, reports := range r.Runs {
		for _, rep := range reports {
			if _, ok := title[rep.Exercise]; !ok {
				ids = append(ids, rep.Exercise)
				title[rep.Exercise], url[rep.Exercise] = rep.Title, rep.URL
			}
		}
	}
	return ids, title, url
}

// verdictMarks renders verdicts as one mark per run: ✓ pass, ✗ fail,
// - skip, · not run.
func verdictMarks(vs []Status) string {
	var b strings.Builder
	for _, v := range vs {
		switch v {
		case Pass:
			b.WriteString("✓")
		case Fail:
			b.WriteString("✗")
		case Skip:
			b.WriteString("-")
		default:
			b.WriteString("·")
		}
	}
	return b.String()
}

// maxShownFailures bounds the failure messages printed per check in the
// text report (the JSON has them all).
const maxShownFailures = 3

// WriteRepeatText prints a Repeat for a terminal: per exercise, the checks
// that flipped or failed with their verdict in each run and why they
// failed; the stable ones are counted, not listed. The last line sums up:
// runs, checks, failing verdicts, flipped checks.
func WriteRepeatText(w io.Writer, r *Repeat) error {
	hist := r.Histories()
	errs := r.Errors()
	ids, title, url := r.exerciseOrder()
	var b strings.Builder
	for i, id := range ids {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "%s %s — %s\n", strings.ToUpper(id), title[id], Printable(url[id]))
		for _, e := range errs {
			if e.Exercise == id {
				writeIndented(&b, fmt.Sprintf("  ! run %d: not graded: ", e.Run), e.Err.Error())
			}
		}
		passed := 0
		for _, h := range hist {
			if h.Exercise != id {
				continue
			}
			flip := h.Flipped()
			if !flip && len(h.Failures) == 0 {
				if h.Verdicts[0] == Skip {
					fmt.Fprintf(&b, "  %s %s (%s) — skipped in every run: %s\n", verdictMarks(h.Verdicts), Printable(h.Name), h.ID, Printable(h.SkipReason))
				} else {
					passed++
				}
				continue
			}
			verdict := "FAILED in every run"
			if flip {
				verdict = fmt.Sprintf("FLIPPED: %d pass, %d fail, %d skip", h.Count(Pass), h.Count(Fail), h.Count(Skip))
			}
			fmt.Fprintf(&b, "  %s %s (%s) — %s\n", verdictMarks(h.Verdicts), Printable(h.Name), h.ID, verdict)
			for k, f := range h.Failures {
				if k == maxShownFailures {
					fmt.Fprintf(&b, "      … and %d more failing runs (the JSON report has them all)\n", len(h.Failures)-k)
					break
				}
				first, _, _ := strings.Cut(f.Message, "\n")
				fmt.Fprintf(&b, "      run %d: %s\n", f.Run, Printable(first))
			}
		}
		if passed > 0 {
			fmt.Fprintf(&b, "  %s passed in every run\n", plural(passed, "check"))
		}
	}
	fails, failed, flips := r.Totals()
	verdict := "STABLE"
	if !r.Passed() {
		verdict = "UNSTABLE"
	}
	took := ""
	if r.Elapsed > 0 {
		took = fmt.Sprintf(" in %s", r.Elapsed.Round(time.Second))
	}
	fmt.Fprintf(&b, "\n%s: %d runs of %s (%d checks)%s: %d failing verdicts in %d checks, %d checks flipped, %s not graded\n",
		verdict, len(r.Runs), plural(len(ids), "exercise"), len(hist), took, fails, failed, flips, plural(len(errs), "exercise"))
	_, err := io.WriteString(w, b.String())
	return err
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

type jsonRepeat struct {
	Runs            int                  `json:"runs"`
	Passed          bool                 `json:"passed"`
	FailingVerdicts int                  `json:"failing_verdicts"`
	FailedChecks    int                  `json:"failed_checks"`
	FlippedChecks   int                  `json:"flipped_checks"`
	ElapsedMS       int64                `json:"elapsed_ms"`
	Exercises       []jsonRepeatExercise `json:"exercises"`
	Flipped         []string             `json:"flipped"`
	Failed          []string             `json:"failed"`
	Errors          []jsonRepeatError    `json:"errors,omitempty"`
}

type jsonRepeatExercise struct {
	Exercise string            `json:"exercise"`
	URL      string            `json:"url"`
	Checks   []jsonRepeatCheck `json:"checks"`
}

type jsonRepeatCheck struct {
	ID       string       `json:"id"`
	Name     string       `json:"name"`
	Verdicts []Status     `json:"verdicts"`
	Flipped  bool         `json:"flipped"`
	Failures []RunFailure `json:"failures"`
}

type jsonRepeatError struct {
	Run      int    `json:"run"`
	Exercise string `json:"exercise"`
	Error    string `json:"error"`
}

// WriteRepeatJSON writes a Repeat as one object:
//
//	{"runs","passed","failing_verdicts","failed_checks","flipped_checks","elapsed_ms",
//	 "flipped":["q23/sender-copy"],"failed":[…],
//	 "exercises":[{"exercise","url","checks":[{"id","name","verdicts":["pass","fail",…],
//	   "flipped","failures":[{"run","message"}]}]}],"errors":[{"run","exercise","error"}]}
//
// verdicts has one entry per run ("" where the exercise was not graded).
func WriteRepeatJSON(w io.Writer, r *Repeat) error {
	fails, failed, flips := r.Totals()
	out := jsonRepeat{Runs: len(r.Runs), Passed: r.Passed(), FailingVerdicts: fails, FailedChecks: failed,
		FlippedChecks: flips, ElapsedMS: r.Elapsed.Milliseconds(), Flipped: []string{}, Failed: []string{}}
	ids, _, url := r.exerciseOrder()
	hist := r.Histories()
	for _, id := range ids {
		ex := jsonRepeatExercise{Exercise: id, URL: url[id], Checks: []jsonRepeatCheck{}}
		for _, h := range hist {
			if h.Exercise != id {
				continue
			}
			c := jsonRepeatCheck{ID: h.ID, Name: h.Name, Verdicts: h.Verdicts, Flipped: h.Flipped(), Failures: h.Failures}
			if c.Failures == nil {
				c.Failures = []RunFailure{}
			}
			if c.Flipped {
				out.Flipped = append(out.Flipped, id+"/"+h.ID)
			}
			if len(h.Failures) > 0 {
				out.Failed = append(out.Failed, id+"/"+h.ID)
			}
			ex.Checks = append(ex.Checks, c)
		}
		out.Exercises = append(out.Exercises, ex)
	}
	for _, e := range r.Errors() {
		out.Errors = append(out.Errors, jsonRepeatError{Run: e.Run, Exercise: e.Exercise, Error: e.Err.Error()})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
