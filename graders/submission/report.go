package submission

import (
	"errors"
	"strconv"
	"strings"

	"rtlab/graders"
	"rtlab/internal/exercise"
)

// SummaryID is the Exercise of the report Reports adds for what is about
// the submission as a whole: its setup, the sandbox's notes, what it
// lacks.
const SummaryID = "submission"

// Reports flattens the result for graders' writers (text, JSON, JUnit,
// Markdown): a first report about the submission (setup, sandbox notes,
// the exercises it has nothing for, listed once rather than as a report
// each), then every part of every other exercise in course order; an exercise that could not be graded at all is a report
// with its reason as the error.
func (r *Result) Reports() []*graders.Report {
	sum := &graders.Report{Exercise: SummaryID, Title: "Submission of " + r.Student, URL: r.Dir, Duration: r.Duration}
	if r.Setup != "" {
		sum.Checks = append(sum.Checks, graders.CheckResult{ID: "setup", Name: "the submission is set up (manifest, dependencies)",
			Status: graders.Fail, Reason: r.Setup,
			Hint: "fix what the first line names; the parts that did not need it were graded all the same"})
	}
	for i, n := range r.Sandbox {
		sum.Checks = append(sum.Checks, graders.CheckResult{ID: "sandbox-" + itoa(i+1), Name: "the sandbox contained it",
			Status: graders.Skip, Reason: n})
	}
	var missing []string
	for _, e := range r.Exercises {
		if e.State == Missing {
			missing = append(missing, strings.ToUpper(e.ID))
		}
	}
	if len(missing) > 0 {
		sum.Checks = append(sum.Checks, graders.CheckResult{ID: "missing", Name: "exercises handed in",
			Status: graders.Missing, Reason: "nothing for " + strings.Join(missing, ", ")})
	}
	out := []*graders.Report{sum}
	for _, e := range r.Exercises {
		if e.State == Missing {
			continue // in the summary's list
		}
		if e.State == Error && len(e.Parts) == 0 {
			out = append(out, &graders.Report{Exercise: e.ID, Title: titleOf(e.ID), Err: errors.New(e.Reason)})
			continue
		}
		out = append(out, e.Parts...)
	}
	return out
}

func itoa(i int) string { return strconv.Itoa(i) }

func titleOf(id string) string { return exercise.Title(id) }
