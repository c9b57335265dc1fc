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
	// Submission is the template of each submission's options (limits,
	// timeouts, page and answer graders); NoSandbox and Exercises above
	// are set in a copy of it. Default: package submission's defaults.
	Submission *submission.Options
}

// DefaultGrade is the GradeFunc a class uses unless told otherwise:
// package submission's grade of one folder, in its sandbox unless
// opts.NoSandbox.
func DefaultGrade(opts *GradeOptions) GradeFunc {
	var o GradeOptions
	if opts != nil {
		o = *opts
	}
	return func(ctx context.Context, dir string) (*submission.Result, error) {
		var so submission.Options
		if o.Submission != nil {
			so = *o.Submission
		}
		so.NoSandbox = o.NoSandbox
		if len(o.Exercises) > 0 {
			so.Exercises = o.Exercises
		}
		return submission.Grade(ctx, dir, &so)
	}
}
