// Package sysstat reads what the operating system counts for a process (CPU
// time, resident memory) and raises its open-file limit. Each measure exists
// only where the platform offers it: elsewhere the function returns a
// *NotMeasured error, whose message is the line rtlab prints ("not measured
// on windows: …") before it goes on with the rest of its report. Keeping the
// platform files here, small and build-tagged, is what lets cmd/rtlab build
// for every GOOS the course's laptops run.
package sysstat

import (
	"errors"
	"runtime"
)

// NotMeasured says that a measure does not exist on this platform.
type NotMeasured struct {
	GOOS string // runtime.GOOS
	What string // the measure and where it would come from, e.g. "server RSS (/proc/PID/status)"
}

func (e *NotMeasured) Error() string { return "not measured on " + e.GOOS + ": " + e.What }

// notMeasured is the error of a measure this platform lacks.
func notMeasured(what string) error { return &NotMeasured{GOOS: runtime.GOOS, What: what} }

// IsNotMeasured reports whether err says that the platform lacks a measure
// (as opposed to a measure that failed).
func IsNotMeasured(err error) bool {
	var nm *NotMeasured
	return errors.As(err, &nm)
}
