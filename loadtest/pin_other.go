//go:build !linux

package loadtest

import "errors"

// pinProcess is Linux only (sched_setaffinity).
func pinProcess(pid, cpu int) error { return errors.New("pinning to a CPU is not supported here") }

// canPin reports whether processes can be pinned to CPUs here.
func canPin() bool { return false }
