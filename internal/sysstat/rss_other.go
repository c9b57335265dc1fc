//go:build !linux

package sysstat

// RSS: another process's resident memory is read from /proc, which only
// Linux has.
func RSS(pid int) (int64, error) { return 0, notMeasured("RSS (/proc/PID/status)") }
