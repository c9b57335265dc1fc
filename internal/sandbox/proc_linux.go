package sandbox

import (
	"os"
	"strconv"
	"strings"
)

// proc is one process seen in /proc.
type proc struct {
	pid, ppid, pgrp int
	name            string
}

// procsOf lists the processes whose real uid is uid: every process of one
// box, wherever in the tree it went.
func procsOf(uid int) []proc {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []proc
	want := strconv.Itoa(uid)
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		status, err := os.ReadFile("/proc/" + e.Name() + "/status")
		if err != nil {
			continue // gone meanwhile
		}
		if realUID(string(status)) != want {
			continue
		}
		p, ok := readStat(pid)
		if !ok {
			continue
		}
		out = append(out, p)
	}
	return out
}

// realUID is the first field of the Uid: line of /proc/PID/status.
func realUID(status string) string {
	for _, l := range strings.Split(status, "\n") {
		if rest, ok := strings.CutPrefix(l, "Uid:"); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				return f[0]
			}
		}
	}
	return ""
}

// readStat reads pid, name, ppid and process group from /proc/PID/stat.
// The name is in parentheses and may hold spaces and parentheses itself,
// so the fields after it are found from the last ')'.
func readStat(pid int) (proc, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return proc{}, false
	}
	s := string(b)
	open, closing := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 0 || closing < open {
		return proc{}, false
	}
	f := strings.Fields(s[closing+1:])
	if len(f) < 3 {
		return proc{}, false
	}
	ppid, _ := strconv.Atoi(f[1])
	pgrp, _ := strconv.Atoi(f[2])
	return proc{pid: pid, ppid: ppid, pgrp: pgrp, name: s[open+1 : closing]}, true
}

// children are the pids whose parent is pid.
func children(pid int) []proc {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []proc
	for _, e := range ents {
		n, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if p, ok := readStat(n); ok && p.ppid == pid {
			out = append(out, p)
		}
	}
	return out
}
