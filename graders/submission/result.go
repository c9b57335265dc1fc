// Package submission grades one student's hand-in: a folder with an
// optional rtlab.yaml, a Node.js project whose servers are started (in the
// sandbox when asked), browser pages under client/, Q8's nginx
// configuration and written answers (../shared/spec/submissions.md).
//
// It sits above the engine: it finds what the student handed in, starts
// it, and runs package graders on each part; it knows nothing of classes.
// Package class grades many submissions with it.
package submission

import (
	"time"

	"rtlab/graders"
)

// State is what became of one exercise of a submission.
type State string

const (
	// Graded: at least one part (server, page, answer, config) ran; its
	// reports hold the verdicts.
	Graded State = "graded"
	// Missing: the submission has nothing for the exercise.
	Missing State = "missing"
	// Error: the exercise could not be graded at all (a failed install, a
	// broken manifest); Reason says why.
	Error State = "error"
)

// Exercise is one exercise of a submission, with every part that was
// graded: Q9's server and its page are two reports of one exercise.
type Exercise struct {
	ID     string // normalised id, "q9"
	State  State
	Reason string // why Missing or Error; "" when Graded
	// Parts are the reports of the parts graded, server first, then page,
	// answer, config. Report.Exercise is ID in each.
	Parts []*graders.Report
}

// Score is the exercise's points: passed over gradeable, summed over its
// parts (graders.Report.Score).
func (e *Exercise) Score() (points, max int) {
	for _, r := range e.Parts {
		p, m := r.Score()
		points += p
		max += m
	}
	return
}

// Result is one submission graded.
type Result struct {
	// Student is the manifest's student, or the folder's name.
	Student string
	// Dir is the submission's folder as given.
	Dir string
	// Exercises are in course order (exercise.Sort), one per exercise the
	// submission was graded on, Missing ones included.
	Exercises []*Exercise
	// Setup, when not empty, is why the submission could not be set up
	// (a malformed rtlab.yaml, a failed npm install): the installer's last
	// lines or the manifest error with its line. The parts that did not
	// need what failed are still graded.
	Setup string
	// Sandbox lists what the sandbox denied or had to do ("connect to
	// 93.184.216.34:80 refused: no network", "killed 3 processes left at
	// the end"): a contained submission, not a broken server.
	Sandbox []string
	// Logs are the servers' stdout and stderr, capped (1 MiB each), by
	// server command.
	Logs map[string]string
	// Started and Duration time the whole submission.
	Started  time.Time
	Duration time.Duration
}

// Score sums the exercises' scores.
func (r *Result) Score() (points, max int) {
	for _, e := range r.Exercises {
		p, m := e.Score()
		points += p
		max += m
	}
	return
}
