package submission

import (
	"slices"

	"rtlab/internal/exercise"
)

// PageExercises are the exercises with a browser page (clients.md), in
// course order.
var PageExercises = []string{"q6", "q9", "q10", "q11", "q14", "q17", "q19", "q21", "q22"}

// IsPage reports whether exercise id has a browser page.
func IsPage(id string) bool { return slices.Contains(PageExercises, id) }

// PageFile is the conventional place of id's page: client/q6.html, and
// client/q21.jsx for Q21's React component.
func PageFile(id string) string {
	if id == "q21" {
		return "client/q21.jsx"
	}
	return "client/" + id + ".html"
}

// serverless are the exercises with a scenario that is not graded against
// the student's server: Q6 is a page the grader serves, Q8 is nginx in
// front of rtlab's own backend.
var serverless = []string{"q6", "q8"}

// courseIDs are every exercise of the course, in order.
func courseIDs() []string {
	var ids []string
	for _, e := range exercise.All() {
		if e.Num > 0 {
			ids = append(ids, e.ID)
		}
	}
	return ids
}
