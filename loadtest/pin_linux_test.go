package loadtest

import (
	"os/exec"
	"runtime"
	"testing"

	"golang.org/x/sys/unix"
)

// TestPinProcess pins a child process to CPU 1 and reads its threads'
// affinity back.
func TestPinProcess(t *testing.T) {
	if runtime.NumCPU() < 2 {
		t.Skip("pinning needs two CPUs")
	}
	cmd := exec.Command("sleep", "30")
	if err := cmd.Start(); err != nil {
		t.Skipf("no sleep command: %v", err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	if err := pinProcess(cmd.Process.Pid, 1); err != nil {
		t.Fatal(err)
	}
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(cmd.Process.Pid, &set); err != nil {
		t.Fatal(err)
	}
	if set.Count() != 1 || !set.IsSet(1) {
		t.Errorf("after pinning to CPU 1 the process may run on %d CPU(s), CPU 1 set: %v", set.Count(), set.IsSet(1))
	}
}
