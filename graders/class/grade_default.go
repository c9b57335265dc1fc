package class

import (
	"context"

	"rtlab/graders/submission"
)

// GradeOptions are DefaultGrade's. A nil *GradeOptions means every
// default.
type GradeOptions struct {
	// NoSandbox runs student code without the sandbox, where bubblewrap
	// cannot run. Default false: sandboxed.
	NoSandbox bool
	// Exercises are the normalised ids to grade. Default: every exercise
	// of the course, those a submission has nothing for reported missing
	// (and left out of the gradebook when nobody has anything for them).
	Exercises []string
}

// DefaultGrade is the GradeFunc a class uses unless told otherwise:
// package submission's grade of one folder.
func DefaultGrade(opts *GradeOptions) GradeFunc {
	return func(ctx context.Context, dir string) (*submission.Result, error) {
		return nil, ErrNoGrader
	}
}
