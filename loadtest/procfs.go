package loadtest

import "rtlab/internal/sysstat"

// ReadRSS returns the resident set size of process pid in KiB, from
// /proc/PID/status (VmRSS), as the kernel counts it: heap, stacks and
// mapped code, not the kernel's socket buffers. Elsewhere than on Linux it
// returns a *sysstat.NotMeasured error.
func ReadRSS(pid int) (int64, error) { return sysstat.RSS(pid) }

// cpuSeconds returns this process's user and system CPU time so far, and
// the error of a platform that does not count it.
func cpuSeconds() (float64, error) {
	d, err := sysstat.CPUTime()
	return d.Seconds(), err
}

// RaiseFileLimit raises this process's soft RLIMIT_NOFILE to its hard
// limit, so that thousands of sockets fit; child processes started
// afterwards inherit it. It returns the new soft limit, or a
// *sysstat.NotMeasured error where there is no such limit (Windows).
func RaiseFileLimit() (uint64, error) { return sysstat.RaiseFileLimit() }
