//go:build !linux

package sysstat

import "time"

// RSS: another process's resident memory is read from /proc, which only
// Linux has.
func RSS(pid int) (int64, error) { return 0, notMeasured("RSS (/proc/PID/status)") }

// ProcCPU: another process's CPU time is read from /proc, Linux only.
func ProcCPU(pid int) (time.Duration, error) {
	return 0, notMeasured("server CPU (/proc/PID/stat)")
}

// PeakRSSOf: another process's peak memory is read from /proc, Linux only.
func PeakRSSOf(pid int) (int64, error) { return 0, notMeasured("peak RSS (/proc/PID/status)") }
