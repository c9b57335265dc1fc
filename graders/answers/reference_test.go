package answers

import (
	"fmt"
	"strings"
	"testing"

	"rtlab/graders"
	"rtlab/internal/exercise"
	refanswers "rtlab/reference/answers"
	"rtlab/scenarios"
)

// rubrics loads the embedded rubrics, as the binary does.
func rubrics(t *testing.T) map[string]*Rubric {
	t.Helper()
	all, err := Load(scenarios.FS())
	if err != nil {
		t.Fatal(err)
	}
	if err := AttachReferences(all, refanswers.FS()); err != nil {
		t.Fatal(err)
	}
	return all
}

// failures lists a report's failed checks with their messages.
func failures(r *graders.Report) string {
	var b strings.Builder
	for _, c := range r.Checks {
		if c.Status == graders.Fail {
			fmt.Fprintf(&b, "  %s (%s): %s\n", c.ID, c.Name, strings.ReplaceAll(c.Message(), "\n", "; "))
		}
	}
	return b.String()
}

// Every reference answer passes its own rubric: the rubric asks for what
// the course's answer says, in the spellings it uses (Q7's table as
// generated from the bench's results).
func TestReferenceAnswersPass(t *testing.T) {
	t.Parallel()
	for id, r := range rubrics(t) {
		if r.Reference == "" {
			t.Errorf("%s: no reference answer (reference/answers/%s.md)", id, exercise.Stem(id))
			continue
		}
		rep := r.Grade(r.Reference)
		if !rep.Passed() {
			t.Errorf("%s: the reference answer fails its rubric:\n%s", id, failures(rep))
		}
	}
}
