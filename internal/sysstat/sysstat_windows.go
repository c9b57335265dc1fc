package sysstat

import (
	"syscall"
	"time"
)

// CPUTime is this process's user plus kernel CPU time so far
// (GetProcessTimes).
func CPUTime() (time.Duration, error) {
	var creation, exit, kernel, user syscall.Filetime
	h, err := syscall.GetCurrentProcess()
	if err != nil {
		return 0, err
	}
	if err := syscall.GetProcessTimes(h, &creation, &exit, &kernel, &user); err != nil {
		return 0, err
	}
	// A Filetime counts 100-nanosecond intervals.
	ticks := func(f syscall.Filetime) int64 { return int64(f.HighDateTime)<<32 | int64(f.LowDateTime) }
	return time.Duration((ticks(kernel) + ticks(user)) * 100), nil
}

// PeakRSS is not read on Windows (it would need psapi's
// GetProcessMemoryInfo).
func PeakRSS() (int64, error) { return 0, notMeasured("peak RSS (getrusage)") }

// RaiseFileLimit: Windows has no RLIMIT_NOFILE; sockets are limited by
// memory, not by a per-process descriptor limit.
func RaiseFileLimit() (uint64, error) { return 0, notMeasured("open-file limit (RLIMIT_NOFILE)") }
