// Package nodetest runs the real JavaScript implementations (the npm
// socket.io, socket.io-client, engine.io and engine.io-client packages)
// as peers in Go tests.
//
// The packages are pinned in testdata/node/package-lock.json. Require
// installs them with `npm ci` the first time a test needs them (under a file
// lock, since go test runs packages in parallel) and skips the test, saying
// how to get Node.js, when node or npm is absent.
package nodetest

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Dir is the absolute path of testdata/node, found from the module root.
func Dir(t testing.TB) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return filepath.Join(d, "testdata", "node")
		}
		if filepath.Dir(d) == d {
			t.Fatalf("nodetest: no go.mod above %s", wd)
		}
	}
}

var installOnce sync.Once
var installErr error

// Require skips t when Node.js is absent and makes sure the pinned npm
// packages are installed. It returns the testdata/node directory.
func Require(t testing.TB) string {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("nodetest: `node` not found on PATH; install Node.js 20 to run the interop tests")
	}
	dir := Dir(t)
	installOnce.Do(func() { installErr = install(dir) })
	if installErr != nil {
		t.Fatalf("nodetest: %v", installErr)
	}
	return dir
}

func install(dir string) error {
	lock, err := os.OpenFile(filepath.Join(dir, ".install.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return err
	}
	defer lock.Close()
	if err := unix.Flock(int(lock.Fd()), unix.LOCK_EX); err != nil {
		return err
	}
	defer unix.Flock(int(lock.Fd()), unix.LOCK_UN)
	if installed, err := os.Stat(filepath.Join(dir, "node_modules", ".package-lock.json")); err == nil {
		if lock, err := os.Stat(filepath.Join(dir, "package-lock.json")); err == nil && !lock.ModTime().After(installed.ModTime()) {
			return nil // what npm installed last is at least as new as the lock
		}
	}
	if _, err := exec.LookPath("npm"); err != nil {
		return fmt.Errorf("`npm` not found; run `npm ci` in %s", dir)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "npm", "ci", "--no-audit", "--no-fund")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("npm ci in %s: %v\n%s", dir, err, out)
	}
	return nil
}

// Process is a running node script.
type Process struct {
	cmd    *exec.Cmd
	lines  chan string
	stderr *strings.Builder
	mu     sync.Mutex
	done   chan struct{}
}

// Start runs `node script args...` in testdata/node and stops it when the
// test ends. Its stdout is read line by line (see Line and WaitFor).
func Start(t testing.TB, script string, args ...string) *Process {
	t.Helper()
	dir := Require(t)
	cmd := exec.Command("node", append([]string{script}, args...)...)
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &Process{cmd: cmd, lines: make(chan string, 1024), stderr: &strings.Builder{}, done: make(chan struct{})}
	cmd.Stderr = lockedWriter{p}
	if err := cmd.Start(); err != nil {
		t.Fatalf("nodetest: start %s: %v", script, err)
	}
	go func() {
		defer close(p.lines)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 64<<10), 4<<20)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
	}()
	go func() { cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
		for range p.lines {
		}
		if t.Failed() {
			t.Logf("node %s stderr:\n%s", script, p.Stderr())
		}
	})
	return p
}

type lockedWriter struct{ p *Process }

func (w lockedWriter) Write(b []byte) (int, error) {
	w.p.mu.Lock()
	defer w.p.mu.Unlock()
	return w.p.stderr.Write(b)
}

// Stderr returns what the script wrote to stderr so far.
func (p *Process) Stderr() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

// Line returns the next stdout line, or an error when the deadline passes
// or the script exits first.
func (p *Process) Line(timeout time.Duration) (string, error) {
	select {
	case l, ok := <-p.lines:
		if !ok {
			return "", fmt.Errorf("node exited before printing a line; stderr:\n%s", p.Stderr())
		}
		return l, nil
	case <-time.After(timeout):
		return "", fmt.Errorf("no line from node within %v; stderr:\n%s", timeout, p.Stderr())
	}
}

// WaitFor reads stdout lines until one starts with prefix and returns the
// rest of that line, trimmed.
func (p *Process) WaitFor(prefix string, timeout time.Duration) (string, error) {
	deadline := time.Now().Add(timeout)
	for {
		l, err := p.Line(time.Until(deadline))
		if err != nil {
			return "", fmt.Errorf("waiting for %q: %w", prefix, err)
		}
		if strings.HasPrefix(l, prefix) {
			return strings.TrimSpace(strings.TrimPrefix(l, prefix)), nil
		}
	}
}

// Done is closed when the script exits.
func (p *Process) Done() <-chan struct{} { return p.done }

// ExitCode is the script's exit code once Done is closed.
func (p *Process) ExitCode() int { return p.cmd.ProcessState.ExitCode() }
