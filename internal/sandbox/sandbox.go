package sandbox

import (
	"errors"
	"fmt"
	"time"

	"rtlab/internal/defaults"
)

// Options configure a Box. A nil *Options means the defaults.
type Options struct {
	// Limits are the rlimits of every process in the box; nil means the
	// defaults of Limits.
	Limits *Limits
	// Grace is how long Stop waits after SIGTERM before SIGKILL. Default 3s
	// (the contract's).
	Grace time.Duration
	// StartTimeout bounds the wait for a server's port. Default 20s (npm
	// start can be slow).
	StartTimeout time.Duration
	// LogCap is how much of a server's stdout, and of its stderr, is kept.
	// Default 1 MiB each; the rest is read and dropped.
	LogCap int
	// Bwrap is the bubblewrap program. Default "bwrap" found in PATH.
	Bwrap string
	// UID is the uid the box's processes run as. Default: a random uid
	// between 1,200,000 and 801,200,000 that no process has. Two boxes
	// must never share one: RLIMIT_NPROC and the final sweep count by uid.
	UID int
}

// Limits are rlimits, set in the box before the student's command runs.
// A zero field means its default.
type Limits struct {
	// CPU is RLIMIT_CPU, CPU time per process. Default 120s: a server that
	// burns a core forever is ended by the kernel.
	CPU time.Duration
	// AddressSpace is RLIMIT_AS in bytes. Default 4 GiB (V8 reserves a lot
	// of address space it never touches; 1 GiB is the least node starts
	// with).
	AddressSpace uint64
	// OpenFiles is RLIMIT_NOFILE. Default 1024.
	OpenFiles uint64
	// Processes is RLIMIT_NPROC for the box's uid: processes and threads
	// together (node runs about a dozen threads). Default 256.
	Processes uint64
	// FileSize is RLIMIT_FSIZE in bytes, the largest file a process may
	// write (in /tmp or HOME). Default 64 MiB.
	FileSize uint64
}

func (l *Limits) withDefaults() Limits {
	v := defaults.Copy(l)
	defaults.Positive(&v.CPU, 120*time.Second)
	defaults.Zero(&v.AddressSpace, 4<<30)
	defaults.Zero(&v.OpenFiles, 1024)
	defaults.Zero(&v.Processes, 256)
	defaults.Zero(&v.FileSize, 64<<20)
	return v
}

func (o *Options) withDefaults() Options {
	v := defaults.Copy(o)
	l := v.Limits.withDefaults()
	v.Limits = &l
	defaults.Positive(&v.Grace, 3*time.Second)
	defaults.Positive(&v.StartTimeout, 20*time.Second)
	defaults.Positive(&v.LogCap, 1<<20)
	defaults.Zero(&v.Bwrap, "bwrap")
	return v
}

// Command is one server to start in a box.
type Command struct {
	// Line is run with sh -c, in Dir seen at /submission.
	Line string
	// Dir is the submission's folder on the grader's side. It is mounted
	// read-only at /submission, the command's working directory.
	Dir string
	// Env is the whole environment the command gets besides PATH, HOME,
	// TMPDIR and PORT (JWT_SECRET=…, RATE_LIMIT_WINDOW_MS=…): the
	// grader's own environment is not passed on.
	Env []string
	// OnLine, when set, is called with each line of output kept (stream is
	// "stdout" or "stderr"), from the reading goroutines.
	OnLine func(stream, line string)
}

// MountPoint is where the submission is seen inside the box.
const MountPoint = "/submission"

// HomeDir is HOME inside the box, a private tmpfs.
const HomeDir = "/home/student"

// UnavailableError says why this machine cannot sandbox: a missing
// program, another OS, no privilege to make namespaces.
type UnavailableError struct {
	Reason string
}

func (e *UnavailableError) Error() string {
	return "the sandbox cannot run here: " + e.Reason
}

// StartError says a server in the box did not start: it exited, or never
// listened on PORT. Output holds its last lines.
type StartError struct {
	Command string
	Msg     string
	Output  []string
}

func (e *StartError) Error() string {
	s := fmt.Sprintf("server %q %s", e.Command, e.Msg)
	if len(e.Output) == 0 {
		return s + "; it printed nothing"
	}
	return s + "; its last output:\n  " + joinLines(e.Output)
}

// ErrClosed is returned by Start on a Box already closed.
var ErrClosed = errors.New("sandbox: the box is closed")

func joinLines(l []string) string {
	s := ""
	for i, x := range l {
		if i > 0 {
			s += "\n  "
		}
		s += x
	}
	return s
}
