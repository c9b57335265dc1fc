package procgroup

import (
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSignalReachesTheShellsChild: the shell's child (sleep) ends when the
// group is signalled, not only the shell.
func TestSignalReachesTheShellsChild(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("uses sh")
	}
	cmd := Shell("sleep 30 & wait")
	// The pipe stays open while sleep lives, and Wait waits for it: Wait
	// returns only once the child has ended too.
	cmd.Stdout = new(strings.Builder)
	Isolate(cmd)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	if err := Signal(cmd, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		Signal(cmd, syscall.SIGKILL)
		<-done
		t.Fatal("the group did not end within 10s of SIGTERM")
	}
}
