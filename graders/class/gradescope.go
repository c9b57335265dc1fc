package class

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"rtlab/graders"
	"rtlab/graders/submission"
)

// gradescopeResults is Gradescope's autograder results.json: the
// submission's score and one test per check, so a course that collects
// grades in Gradescope can upload rtlab's verdicts as they are.
type gradescopeResults struct {
	Score        float64          `json:"score"`
	MaxScore     float64          `json:"max_score"`
	Output       string           `json:"output,omitempty"`
	OutputFormat string           `json:"output_format"`
	Visibility   string           `json:"visibility"`
	Tests        []gradescopeTest `json:"tests"`
}

type gradescopeTest struct {
	Name     string  `json:"name"`
	Number   string  `json:"number,omitempty"`
	Score    float64 `json:"score"`
	MaxScore float64 `json:"max_score"`
	// Status is "passed" or "failed"; left out for a check worth nothing
	// (skipped, to review, missing), which Gradescope then shows without
	// a verdict.
	Status string `json:"status,omitempty"`
	Output string `json:"output,omitempty"`
}

// gradescope renders r as Gradescope's results.json. A check is a test
// worth its points; an exercise that is missing or could not be graded is
// one test worth nothing whose output says why.
func gradescope(r *Record) ([]byte, error) {
	out := gradescopeResults{Score: float64(r.Points), MaxScore: float64(r.Max),
		OutputFormat: "text", Visibility: "visible", Tests: []gradescopeTest{}}
	var notes []string
	if r.Crash != "" {
		notes = append(notes, "Could not be graded: "+r.Crash)
	}
	if r.Setup != "" {
		notes = append(notes, "Setup failed:\n"+r.Setup)
	}
	for _, s := range r.Sandbox {
		notes = append(notes, "sandbox: "+s)
	}
	if m := r.Missing(); len(m) > 0 {
		notes = append(notes, "Nothing handed in for "+strings.Join(m, ", ")+".")
	}
	out.Output = graders.Printable(strings.Join(notes, "\n"))
	for _, e := range r.Handed() {
		prefix := strings.ToUpper(e.ID) + " " + e.Title
		if e.State != submission.Graded {
			t := gradescopeTest{Name: prefix, Number: e.ID, Output: string(e.State)}
			if e.Reason != "" {
				t.Output += ": " + graders.Printable(e.Reason)
			}
			if e.State == submission.Error {
				t.Status = "failed"
			}
			out.Tests = append(out.Tests, t)
			continue
		}
		for pi, p := range e.Parts {
			if p.Error != "" {
				out.Tests = append(out.Tests, gradescopeTest{Name: prefix + ": " + partName(p, pi),
					Number: e.ID, Status: "failed", Output: "Could not grade: " + graders.Printable(p.Error)})
			}
			for _, c := range p.Checks {
				t := gradescopeTest{Name: fmt.Sprintf("%s: %s", prefix, graders.Printable(c.Name)), Number: e.ID + "." + c.ID}
				switch c.Status {
				case graders.Pass:
					t.Score, t.MaxScore, t.Status = float64(c.Worth), float64(c.Worth), "passed"
				case graders.Fail:
					t.MaxScore, t.Status = float64(c.Worth), "failed"
					t.Output = graders.Printable(checkDetail(c))
				default:
					t.Output = graders.Printable(verdictText(c))
				}
				out.Tests = append(out.Tests, t)
			}
		}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// partName is how a part is named where its title is not enough.
func partName(p Part, i int) string {
	if p.Title != "" {
		return graders.Printable(p.Title)
	}
	return fmt.Sprintf("part %d", i+1)
}
