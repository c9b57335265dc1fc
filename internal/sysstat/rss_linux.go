package sysstat

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
)

// RSS returns the resident set size of process pid in KiB, from
// /proc/PID/status (VmRSS), as the kernel counts it: heap, stacks and
// mapped code, not the kernel's socket buffers.
func RSS(pid int) (int64, error) { return statusField(pid, "VmRSS:") }

// statusField reads a KiB field of /proc/PID/status.
func statusField(pid int, name string) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if v, ok := bytes.CutPrefix(sc.Bytes(), []byte(name)); ok {
			f := bytes.Fields(v)
			if len(f) == 0 {
				break
			}
			return strconv.ParseInt(string(f[0]), 10, 64)
		}
	}
	return 0, fmt.Errorf("no %s in /proc/%d/status", name, pid)
}
