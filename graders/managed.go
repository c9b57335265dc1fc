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
	done  chan struct{}
	err   error // from Wait, valid after done

	mu      sync.Mutex
	lines   []logLine
	partial []byte // an unfinished line written to a log sink
	changed chan struct{}
}

type logLine struct {
	stream string // stdout or stderr
	text   string
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
	var opts ProcessOptions
	if o != nil {
		opts = *o
	}
	if opts.StartTimeout <= 0 {
		opts.StartTimeout = 20 * time.Second
	}
	if opts.Grace <= 0 {
		opts.Grace = 3 * time.Second
	}
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
			p.lines = append(p.lines, logLine{stream, sc.Text()})
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
		out = append(out, l.stream+": "+l.text)
	}
	return out
}

// Lines returns the captured lines of stream (stdout, stderr, or both).
func (p *Process) Lines(stream string) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for _, l := range p.lines {
		if stream == "both" || stream == l.stream {
			out = append(out, l.text)
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

// waitLines blocks until pred holds for the captured lines, or ctx ends.
func (p *Process) waitLines(ctx context.Context, pred func(lines []logLine) bool) bool {
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

func (r *stepRun) logStep(ctx context.Context, st *LogStep) error {
	p := r.opts.Server
	if p == nil {
		return &ScenarioError{"a log step ran without --cmd"}
	}
	var re interface{ MatchString(string) bool }
	what := ""
	if st.Match != "" {
		x, err := r.expandRegexp(st.Match)
		if err != nil {
			return err
		}
		re, what = x, "a line matching /"+x.String()+"/"
	} else if st.Contains != "" {
		s, err := r.expandString(st.Contains)
		if err != nil {
			return err
		}
		re, what = containsMatcher(s), fmt.Sprintf("a line containing %q", s)
	} else {
		var all allMatcher
		for _, raw := range st.ContainsAll {
			s, err := r.expandString(raw)
			if err != nil {
				return err
			}
			all = append(all, s)
		}
		re, what = all, fmt.Sprintf("a line containing all of %q", []string(all))
	}
	stream := st.Stream
	if stream == "" {
		stream = "stdout"
	}
	var want any
	if st.JSON != nil {
		w, err := r.expand(st.JSON)
		if err != nil {
			return err
		}
		want = normalize(w)
	}
	count := st.Count
	if count <= 0 {
		count = 1
	}
	var matched []any
	var lastNear string
	pred := func(lines []logLine) bool {
		matched = matched[:0]
		for _, l := range lines {
			if stream != "both" && l.stream != stream {
				continue
			}
			if !re.MatchString(l.text) {
				continue
			}
			var v any = l.text
			if want != nil {
				d, err := decodeJSON([]byte(strings.TrimSpace(l.text)))
				if err != nil {
					lastNear = l.text + " (not JSON)"
					continue
				}
				if m := match(want, d, nil); m != nil {
					lastNear = l.text + " (" + m.String() + ")"
					continue
				}
				v = d
			}
			matched = append(matched, v)
		}
		return !st.Absent && len(matched) >= count
	}
	within := st.Within
	if st.Absent {
		if within <= 0 {
			within = r.opts.QuietPeriod
		}
	} else if within <= 0 {
		within = r.opts.Timeout
	}
	wctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	ok := p.waitLines(wctx, pred)
	if st.Absent {
		if len(matched) > 0 {
			return &Failure{Reason: fmt.Sprintf("the server's %s has %s, which it should not", stream, what),
				Expected: "no such line", Actual: describe(matched[0])}
		}
		return nil
	}
	if !ok {
		f := &Failure{Reason: fmt.Sprintf("the server's %s did not show %s within %s", stream, what, within),
			Expected: fmt.Sprintf("%d such line(s)", count), Actual: fmt.Sprintf("%d", len(matched))}
		if lastNear != "" {
			f.Actual += "; closest: " + shorten(lastNear, 300)
		}
		f.Recent = p.tail(5)
		return f
	}
	if want != nil && len(st.Save) > 0 {
		return r.save(st.Save, matched[len(matched)-1], "the log line")
	}
	return nil
}

type containsMatcher string

func (c containsMatcher) MatchString(s string) bool { return strings.Contains(s, string(c)) }

type allMatcher []string

func (a allMatcher) MatchString(s string) bool {
	for _, sub := range a {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

// NewLogSink returns a Process that runs nothing: an io.Writer whose lines
// log steps read as the server's stdout. The grader gives it to in-process
// reference servers (reference.Options.Log), so that checks needing --cmd
// run against them too. Signal fails on it; Stop does nothing.
func NewLogSink() *Process {
	p := &Process{done: make(chan struct{}), changed: make(chan struct{})}
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
			p.lines = append(p.lines, logLine{"stdout", strings.TrimSuffix(string(p.partial[:i]), "\r")})
		}
		p.partial = p.partial[i+1:]
	}
	p.signal()
	return len(b), nil
}
