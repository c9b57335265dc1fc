package graders

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	osexec "os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"rtlab/internal/defaults"
	"rtlab/internal/procgroup"
)

// ProcessOptions configure StartProcess. A nil *ProcessOptions means the
// defaults, which need Addr.
type ProcessOptions struct {
	// Addr is the host:port the server must listen on; StartProcess waits
	// for it to accept a connection. Its port is passed as PORT.
	Addr string
	// Env is added to the inherited environment (JWT_SECRET=…,
	// RATE_LIMIT_WINDOW_MS=…).
	Env []string
	// Dir is the working directory. Default: the grader's.
	Dir string
	// StartTimeout bounds the wait for the port. Default 20s (npm start
	// can be slow).
	StartTimeout time.Duration
	// Grace is how long Stop waits after SIGTERM before SIGKILL. Default 3s.
	Grace time.Duration
}

// Process is a student's server started by --cmd: its output is captured
// line by line for log steps, and Stop ends it and its children.
type Process struct {
	cmd   *osexec.Cmd
	grace time.Duration
	// signalFn, set by NewSignalledLogSink, delivers Signal for a server
	// that rtlab runs but not as cmd (in a sandbox).
	signalFn func(syscall.Signal) error
	done     chan struct{}
	err      error // from Wait, valid after done

	mu      sync.Mutex
	lines   []LogLine
	partial []byte // an unfinished line written to a log sink
	changed chan struct{}
}

// LogLine is one captured line of the server's output.
type LogLine struct {
	Stream string // stdout or stderr
	Text   string
}

// maxLogLines bounds the captured output of a chatty server.
const maxLogLines = 100000

// StartError says the managed server did not start: it exited, or never
// listened on its port. Output holds its last lines.
type StartError struct {
	Msg    string
	Output []string
	cause  error // the context's error when the run's deadline came first
}

// Unwrap returns the context's error when the run's deadline (or a
// cancellation) stopped the wait, so errors.Is(err, context.Canceled)
// still holds.
func (e *StartError) Unwrap() error { return e.cause }

func (e *StartError) Error() string {
	if len(e.Output) == 0 {
		return e.Msg + "; it printed nothing"
	}
	return e.Msg + "; its last output:\n  " + strings.Join(e.Output, "\n  ")
}

// FreeAddr returns a free 127.0.0.1 port, for --cmd without --url.
func FreeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// StartProcess runs command through sh with PORT set to Addr's port and
// waits until the port accepts connections.
func StartProcess(ctx context.Context, command string, o *ProcessOptions) (*Process, error) {
	opts := defaults.Copy(o)
	defaults.Positive(&opts.StartTimeout, 20*time.Second)
	defaults.Positive(&opts.Grace, 3*time.Second)
	_, port, err := net.SplitHostPort(opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("managed server: bad address %q: %v", opts.Addr, err)
	}
	if _, err := strconv.Atoi(port); err != nil {
		return nil, fmt.Errorf("managed server: bad port %q", port)
	}
	cmd := procgroup.Shell(command)
	cmd.Dir = opts.Dir
	cmd.Env = append(cmd.Environ(), "PORT="+port)
	cmd.Env = append(cmd.Env, opts.Env...)
	procgroup.Isolate(cmd)
	cmd.WaitDelay = 2 * time.Second
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	p := &Process{cmd: cmd, grace: opts.Grace, done: make(chan struct{}), changed: make(chan struct{})}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("managed server: cannot start %q: %w", command, err)
	}
	var readers sync.WaitGroup
	readers.Add(2)
	go p.capture(&readers, "stdout", stdout)
	go p.capture(&readers, "stderr", stderr)
	go func() {
		readers.Wait()
		p.err = cmd.Wait()
		close(p.done)
		p.mu.Lock()
		p.signal()
		p.mu.Unlock()
	}()

	started := time.Now()
	deadline := time.NewTimer(opts.StartTimeout)
	defer deadline.Stop()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		c, err := net.DialTimeout("tcp", opts.Addr, 500*time.Millisecond)
		if err == nil {
			c.Close()
			return p, nil
		}
		select {
		case <-p.done:
			return nil, &StartError{Msg: fmt.Sprintf("managed server %q exited before listening on %s (%v)", command, opts.Addr, p.err),
				Output: p.tail(10)}
		case <-deadline.C:
			p.Stop()
			return nil, &StartError{Msg: fmt.Sprintf("managed server %q did not listen on %s within %s (does it read PORT from the environment?)", command, opts.Addr, opts.StartTimeout),
				Output: p.tail(10)}
		case <-ctx.Done():
			// The run's own deadline (or Ctrl-C) came first: still the
			// server's story, not a bare "context deadline exceeded".
			p.Stop()
			msg := fmt.Sprintf("managed server %q did not listen on %s within %s, the run's deadline (does it read PORT from the environment?)", command, opts.Addr, time.Since(started).Round(100*time.Millisecond))
			if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
				msg = fmt.Sprintf("managed server %q was stopped before it listened on %s (%v)", command, opts.Addr, ctx.Err())
			}
			return nil, &StartError{Msg: msg, Output: p.tail(10), cause: ctx.Err()}
		case <-tick.C:
		}
	}
}

func (p *Process) capture(wg *sync.WaitGroup, stream string, r io.Reader) {
	defer wg.Done()
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 4096), 1<<20)
	for sc.Scan() {
		p.mu.Lock()
		if len(p.lines) < maxLogLines {
			p.lines = append(p.lines, LogLine{stream, sc.Text()})
		}
		p.signal()
		p.mu.Unlock()
	}
	io.Copy(io.Discard, r) // a line over 1 MiB: keep the pipe drained
}

func (p *Process) signal() {
	close(p.changed)
	p.changed = make(chan struct{})
}

func (p *Process) tail(n int) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	from := max(0, len(p.lines)-n)
	out := make([]string, 0, n)
	for _, l := range p.lines[from:] {
		out = append(out, l.Stream+": "+l.Text)
	}
	return out
}

// Lines returns the captured lines of stream (stdout, stderr, or both).
func (p *Process) Lines(stream string) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for _, l := range p.lines {
		if stream == "both" || stream == l.Stream {
			out = append(out, l.Text)
		}
	}
	return out
}

// Exited reports whether the server has ended, and how.
func (p *Process) Exited() (bool, error) {
	select {
	case <-p.done:
		return true, p.err
	default:
		return false, nil
	}
}

// Signal sends sig to the server's process group (a probe may test
// graceful shutdown with SIGTERM).
func (p *Process) Signal(sig syscall.Signal) error {
	if p.signalFn != nil {
		return p.signalFn(sig)
	}
	if p.cmd == nil {
		return errors.New("the server runs in-process (no --cmd): it cannot be signalled")
	}
	return procgroup.Signal(p.cmd, sig)
}

// Done is closed when the server has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// Stop sends SIGTERM to the server's process group, waits up to the grace
// period, then kills it. It returns once the process has been reaped.
func (p *Process) Stop() error {
	if p.cmd == nil {
		return nil
	}
	if exited, err := p.Exited(); exited {
		return err
	}
	grace := p.grace
	if p.Signal(syscall.SIGTERM) != nil {
		grace = 0 // no graceful stop signal here (Windows): kill at once
	}
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-p.done:
	case <-t.C:
		p.Signal(syscall.SIGKILL)
		<-p.done
	}
	var ee *osexec.ExitError
	if errors.As(p.err, &ee) {
		return nil // a signal or exit status is the expected end
	}
	return p.err
}

// WaitLines blocks until pred holds for the captured lines, or ctx ends;
// it reports whether pred held. A probe reads the server's log with it.
func (p *Process) WaitLines(ctx context.Context, pred func(lines []LogLine) bool) bool {
	for {
		p.mu.Lock()
		ok := pred(p.lines)
		ch := p.changed
		p.mu.Unlock()
		if ok {
			return true
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return false
		}
	}
}

// NewLogSink returns a Process that runs nothing: an io.Writer whose lines
// log steps read as the server's stdout. The grader gives it to in-process
// reference servers (reference.Options.Log), so that checks needing --cmd
// run against them too. Signal fails on it; Stop does nothing.
func NewLogSink() *Process {
	p := &Process{done: make(chan struct{}), changed: make(chan struct{})}
	return p
}

// NewSignalledLogSink is a log sink (NewLogSink) whose Signal calls
// signal: the server of a submission graded in a sandbox writes its output
// here, and a probe can still send it SIGTERM through the sandbox. Stop
// does nothing: the sandbox stops the server.
func NewSignalledLogSink(signal func(syscall.Signal) error) *Process {
	p := NewLogSink()
	p.signalFn = signal
	return p
}

// InProcess reports whether p is a log sink (NewLogSink) rather than a
// process started by --cmd: it cannot be signalled, stopped or restarted.
func (p *Process) InProcess() bool { return p.cmd == nil }

// Write splits b into lines and records them as stdout; a line is
// complete at its newline.
func (p *Process) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.partial = append(p.partial, b...)
	for {
		i := strings.IndexByte(string(p.partial), '\n')
		if i < 0 {
			break
		}
		if len(p.lines) < maxLogLines {
			p.lines = append(p.lines, LogLine{"stdout", strings.TrimSuffix(string(p.partial[:i]), "\r")})
		}
		p.partial = p.partial[i+1:]
	}
	p.signal()
	return len(b), nil
}
