package procgroup

import (
	"os/exec"
	"strconv"
	"syscall"
)

// Shell returns a command that runs line with cmd /C.
func Shell(line string) *exec.Cmd { return exec.Command("cmd", "/C", line) }

// Isolate starts cmd in a new process group.
func Isolate(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.CreationFlags |= syscall.CREATE_NEW_PROCESS_GROUP
}

// Signal kills the process tree of cmd for SIGKILL (taskkill /T /F, then
// the process itself if taskkill is missing); Windows has no other signal to
// send, so it returns ErrNoGracefulStop for the rest.
func Signal(cmd *exec.Cmd, sig syscall.Signal) error {
	if sig != syscall.SIGKILL {
		return ErrNoGracefulStop
	}
	if exec.Command("taskkill", "/T", "/F", "/PID", strconv.Itoa(cmd.Process.Pid)).Run() == nil {
		return nil
	}
	return cmd.Process.Kill()
}
