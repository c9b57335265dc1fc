//go:build unix

package procgroup

import (
	"os/exec"
	"syscall"
)

// Shell returns a command that runs line with sh -c.
func Shell(line string) *exec.Cmd { return exec.Command("sh", "-c", line) }

// Isolate makes cmd, not yet started, the leader of a new process group.
func Isolate(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
}

// Signal sends sig to the process group of cmd, started after Isolate.
func Signal(cmd *exec.Cmd, sig syscall.Signal) error {
	return syscall.Kill(-cmd.Process.Pid, sig)
}
