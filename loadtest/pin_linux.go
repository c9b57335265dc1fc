package loadtest

import (
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// pinProcess restricts every thread of process pid to cpu. A thread
// inherits its creator's CPUs, so once all are pinned the later ones are
// too; the threads are listed twice to catch one started meanwhile.
func pinProcess(pid, cpu int) error {
	var set unix.CPUSet
	set.Set(cpu)
	var err error
	for range 2 {
		tasks, rerr := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/task")
		if rerr != nil {
			return rerr
		}
		for _, t := range tasks {
			tid, perr := strconv.Atoi(t.Name())
			if perr != nil {
				continue
			}
			if e := unix.SchedSetaffinity(tid, &set); e != nil && e != unix.ESRCH {
				err = e
			}
		}
	}
	return err
}

// canPin reports whether processes can be pinned to CPUs here.
func canPin() bool { return true }
