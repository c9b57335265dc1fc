package submission

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"rtlab/internal/procgroup"
)

// InstallError is a failed dependency install: the command and its last
// lines of output.
type InstallError struct {
	Command string
	Err     error
	Tail    []string
}

func (e *InstallError) Error() string {
	s := fmt.Sprintf("%s failed (%v)", e.Command, e.Err)
	if len(e.Tail) == 0 {
		return s
	}
	return s + "; its last lines:\n  " + strings.Join(e.Tail, "\n  ")
}

// NpmInstall installs a Node.js project's dependencies the way the contract
// says: nothing when node_modules/ is there or there is no package.json,
// npm ci with a lockfile, npm install without. Install scripts do not run:
// the install is outside the sandbox (it needs the registry), and a
// course's servers (express, socket.io, jsonwebtoken) need none.
func NpmInstall(ctx context.Context, dir string) error {
	if !fileExists(filepath.Join(dir, "package.json")) {
		return nil
	}
	if st, err := os.Stat(filepath.Join(dir, "node_modules")); err == nil && st.IsDir() {
		return nil
	}
	verb := "install"
	if fileExists(filepath.Join(dir, "package-lock.json")) || fileExists(filepath.Join(dir, "npm-shrinkwrap.json")) {
		verb = "ci"
	}
	line := "npm " + verb + " --ignore-scripts --no-audit --no-fund"
	cmd := procgroup.Shell(line)
	cmd.Dir = dir
	procgroup.Isolate(cmd)
	var out tailWriter
	cmd.Stdout = &out
	cmd.Stderr = &out
	cmd.WaitDelay = 2 * time.Second
	if err := cmd.Start(); err != nil {
		return &InstallError{Command: line, Err: err}
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-ctx.Done():
		procgroup.Signal(cmd, syscall.SIGKILL)
		<-done
		err = fmt.Errorf("stopped after its time limit: %w", ctx.Err())
	}
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			err = errors.New(ee.String())
		}
		return &InstallError{Command: line, Err: err, Tail: out.tail(15)}
	}
	return nil
}

// tailWriter keeps the last 64 KiB written to it.
type tailWriter struct{ b []byte }

func (t *tailWriter) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if len(t.b) > 64<<10 {
		t.b = t.b[len(t.b)-64<<10:]
	}
	return len(p), nil
}

func (t *tailWriter) tail(n int) []string {
	lines := strings.Split(strings.TrimRight(string(t.b), "\n"), "\n")
	if len(lines) == 1 && lines[0] == "" {
		return nil
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return lines
}
