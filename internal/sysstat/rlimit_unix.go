//go:build unix

package sysstat

import "golang.org/x/sys/unix"

// RaiseFileLimit lifts this process's soft limit on open files
// (RLIMIT_NOFILE) to its hard limit, so that thousands of sockets fit;
// children started afterwards inherit it. It returns the new soft limit.
func RaiseFileLimit() (uint64, error) {
	var rl unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &rl); err != nil {
		return 0, err
	}
	if rl.Cur < rl.Max {
		old := rl.Cur
		rl.Cur = rl.Max
		if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &rl); err != nil {
			return uint64(old), err
		}
	}
	return uint64(rl.Cur), nil
}
