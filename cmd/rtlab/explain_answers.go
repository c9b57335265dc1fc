package main

import (
	"fmt"
	"strings"

	"rtlab/graders/answers"
	"rtlab/scenarios"
)

// explainAnswer prints what a written answer to exercise id must cover:
// the rubric's summary, then each fact and review item as the student
// reads it in a report. It reports false when the exercise has no rubric.
//
// The accepted spellings are not printed. The course publishes what must
// be said (the contract, and the facts' names here), so a student knows
// what to cover; the list of spellings would add nothing a student needs
// and would turn the answer into a fill-in exercise, with Q12's figures
// given away. A fact's name says what to state without giving a figure the
// student must work out.
func explainAnswer(e *env, id string, part bool) (bool, error) {
	rubrics, err := answers.Load(scenarios.FS())
	if err != nil {
		return false, fmt.Errorf("the embedded answer rubrics do not parse (a bug in rtlab): %w", err)
	}
	r, ok := rubrics[id]
	if !ok {
		return false, nil
	}
	var b strings.Builder
	if part {
		fmt.Fprintf(&b, "\nWritten part, graded from answers.md under \"## %s\":\n\n", strings.ToUpper(id))
	} else {
		fmt.Fprintf(&b, "%s — %s (a written answer, graded from answers.md under \"## %s\")\n\n", strings.ToUpper(id), r.Title, strings.ToUpper(id))
	}
	for _, line := range strings.Split(strings.TrimRight(r.Summary, "\n"), "\n") {
		b.WriteString(strings.TrimRight("  "+line, " ") + "\n")
	}
	fmt.Fprintf(&b, "\nFacts the answer must state (%d), each a check; any wording, a table or a list will do:\n", len(r.Facts))
	for i, f := range r.Facts {
		fmt.Fprintf(&b, "  %2d. %s\n      [%s]", i+1, f.Name, f.ID)
		if f.Points > 1 {
			fmt.Fprintf(&b, " %d points", f.Points)
		}
		switch f.Within {
		case "sentence":
			b.WriteString(" said in one sentence (or one table row)")
		case "paragraph":
			b.WriteString(" said in one paragraph (or one list item, one table row)")
		}
		b.WriteString("\n")
	}
	if len(r.Review) > 0 {
		fmt.Fprintf(&b, "\nRead by a person, beside the reference answer (%d):\n", len(r.Review))
		for _, it := range r.Review {
			fmt.Fprintf(&b, "  - %s [%s]\n", it.Name, it.ID)
		}
	}
	fmt.Fprintf(&b, "\nGrade it: rtlab grade --answers answers.md --exercise %s\n", id)
	_, err = fmt.Fprint(e.stdout, b.String())
	return true, err
}
