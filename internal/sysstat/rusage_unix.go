//go:build unix

package sysstat

import (
	"runtime"
	"time"

	"golang.org/x/sys/unix"
)

// CPUTime is this process's user plus system CPU time so far (getrusage).
func CPUTime() (time.Duration, error) {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
		return 0, err
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), nil
}

// PeakRSS is this process's peak resident memory in bytes (getrusage's
// ru_maxrss, which Darwin counts in bytes and the other Unixes in KiB).
func PeakRSS() (int64, error) {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
		return 0, err
	}
	if runtime.GOOS == "darwin" || runtime.GOOS == "ios" {
		return int64(ru.Maxrss), nil
	}
	return int64(ru.Maxrss) * 1024, nil
}
