package sandbox

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Available reports nil when this machine can run a Box, else an
// *UnavailableError saying what is missing: it starts a tiny box (sh -c
// true) and enters its network namespace, the two things a Box needs.
func Available(o *Options) error {
	opts := o.withDefaults()
	for _, tool := range []string{opts.Bwrap, "prlimit", "setpriv"} {
		if _, err := exec.LookPath(tool); err != nil {
			return &UnavailableError{Reason: fmt.Sprintf("%s is not installed (Debian: apt-get install %s)", tool, pkgOf(tool))}
		}
	}
	b, err := New(o)
	if err != nil {
		return err
	}
	defer b.Close()
	dir, err := os.MkdirTemp("", "rtlab-sandbox-probe-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := b.run(ctx, dir, "true")
	if err != nil {
		return &UnavailableError{Reason: fmt.Sprintf("bwrap could not make a box (%v): %s", err, strings.TrimSpace(out))}
	}
	return nil
}

func pkgOf(tool string) string {
	if tool == "prlimit" || tool == "setpriv" {
		return "util-linux"
	}
	return "bubblewrap"
}

// Box is one submission's sandbox: the servers started in it share a uid
// no other process has, its limits, and its notes. Close kills whatever of
// it is left. A Box is safe for use by several goroutines.
type Box struct {
	opts Options
	uid  int

	mu      sync.Mutex
	servers []*Server
	notes   []string
	seen    map[string]bool // note kinds already recorded
	closed  bool

	ns           *os.File    // the box's network namespace
	starts       chan func() // to the starter goroutine
	starterDone  chan struct{}
	startMu      sync.Mutex
	startsClosed bool
}

// uidBase and uidSpan are where box uids are drawn from: far above the
// system's and people's uids, below the 2^31 overflow of some tools.
const (
	uidBase = 1_200_000
	uidSpan = 800_000_000
)

// New makes a Box with a fresh uid. It starts nothing.
func New(o *Options) (*Box, error) {
	opts := o.withDefaults()
	if _, err := exec.LookPath(opts.Bwrap); err != nil {
		return nil, &UnavailableError{Reason: fmt.Sprintf("%s is not installed (Debian: apt-get install bubblewrap)", opts.Bwrap)}
	}
	b := &Box{opts: opts, seen: map[string]bool{}, starts: make(chan func()), starterDone: make(chan struct{})}
	b.uid = opts.UID
	for try := 0; b.uid <= 0; try++ {
		if try == 100 {
			return nil, errors.New("sandbox: no free uid found")
		}
		if uid := uidBase + rand.IntN(uidSpan); len(procsOf(uid)) == 0 {
			b.uid = uid
		}
	}
	ready := make(chan error, 1)
	go b.starter(ready)
	if err := <-ready; err != nil {
		close(b.starts)
		<-b.starterDone
		return nil, err
	}
	return b, nil
}

// starter makes the box's network namespace and runs every cmd.Start of
// the box in it. Its goroutine is locked to an OS thread that it moves
// into a new network namespace (unshare), with loopback up: the servers
// started from it are all in that namespace, and dialIn enters it through
// b.ns. The thread is never unlocked (it goes with the goroutine, not back
// to the runtime's pool, still in the box's namespace), and it lives until
// Close, which Pdeathsig needs: the kernel kills a child when the thread
// that started it ends.
func (b *Box) starter(ready chan<- error) {
	runtime.LockOSThread()
	defer close(b.starterDone)
	if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
		ready <- &UnavailableError{Reason: fmt.Sprintf("cannot make a network namespace (%v): the sandbox needs root or CAP_SYS_ADMIN", err)}
		return
	}
	if err := loopbackUp(); err != nil {
		ready <- fmt.Errorf("sandbox: cannot bring loopback up in the box: %w", err)
		return
	}
	ns, err := os.Open(fmt.Sprintf("/proc/self/task/%d/ns/net", unix.Gettid()))
	if err != nil {
		ready <- fmt.Errorf("sandbox: cannot hold the box's network namespace: %w", err)
		return
	}
	b.ns = ns
	ready <- nil
	for f := range b.starts {
		f()
	}
}

// loopbackUp sets lo up in the calling thread's network namespace; a new
// namespace has it down.
func loopbackUp() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return err
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	return unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr)
}

func (b *Box) startOn(cmd *exec.Cmd) error {
	errc := make(chan error, 1)
	b.startMu.Lock()
	defer b.startMu.Unlock()
	if b.startsClosed {
		return ErrClosed
	}
	b.starts <- func() { errc <- cmd.Start() }
	return <-errc
}

// UID is the uid every process of the box runs as.
func (b *Box) UID() int { return b.uid }

// Notes are what the box denied or had to do so far, each kind once.
func (b *Box) Notes() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.notes...)
}

func (b *Box) note(kind, msg string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.seen[kind] {
		return
	}
	b.seen[kind] = true
	b.notes = append(b.notes, msg)
}

// run runs line in a box to its end and returns its output (Available's
// probe).
func (b *Box) run(ctx context.Context, dir, line string) (string, error) {
	info, infoW, err := os.Pipe()
	if err != nil {
		return "", err
	}
	defer info.Close()
	args := bwrapArgs(&b.opts, b.uid, dir, line, nil, 3)
	cmd := exec.CommandContext(ctx, b.opts.Bwrap, args...)
	cmd.ExtraFiles = []*os.File{infoW}
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	err = b.startOn(cmd)
	infoW.Close()
	if err != nil {
		return "", err
	}
	err = cmd.Wait()
	return out.String(), err
}

// Server is one server command running in a box, reached at URL.
type Server struct {
	box     *Box
	line    string
	cmd     *exec.Cmd
	initPID int // bwrap's pid 1 in the box, seen from outside; set before Start returns
	bridge  *bridge
	url     string
	done    chan struct{}
	err     error // cmd.Wait's, valid after done

	mu   sync.Mutex
	main int // the student's command's pid, found by group

	stdout, stderr *capped
	stopOnce       sync.Once
	stopErr        error
}

// URL is where the grader reaches the server: http://127.0.0.1:PORT on the
// grader's side, bridged to the same port inside the box.
func (s *Server) URL() string { return s.url }

// Logs returns the server's output kept so far (LogCap each).
func (s *Server) Logs() (stdout, stderr string) { return s.stdout.String(), s.stderr.String() }

// Done is closed when the server's command has ended.
func (s *Server) Done() <-chan struct{} { return s.done }

// Start runs c in the box with PORT set to a free port and returns once
// the server accepts connections on it inside the box; a server that
// exits first, or does not listen within StartTimeout, is a *StartError
// and is gone when Start returns.
func (b *Box) Start(ctx context.Context, c *Command) (*Server, error) {
	b.mu.Lock()
	closed := b.closed
	b.mu.Unlock()
	if closed {
		return nil, ErrClosed
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	env := append([]string{"PORT=" + strconv.Itoa(port)}, c.Env...)
	infoR, infoW, err := os.Pipe()
	if err != nil {
		ln.Close()
		return nil, err
	}
	defer infoR.Close()
	cmd := exec.Command(b.opts.Bwrap, bwrapArgs(&b.opts, b.uid, c.Dir, c.Line, env, 3)...)
	cmd.ExtraFiles = []*os.File{infoW}
	// bwrap in its own process group: a signal to the grader's group
	// (Ctrl-C) is the grader's business. SIGKILL when the grader dies:
	// the kernel sends it when the thread that started bwrap ends, so the
	// box's starter thread lives as long as the box (startOn).
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.WaitDelay = 2 * time.Second
	s := &Server{box: b, line: c.Line, cmd: cmd, done: make(chan struct{}),
		stdout: &capped{max: b.opts.LogCap}, stderr: &capped{max: b.opts.LogCap}}
	outR, err := cmd.StdoutPipe()
	if err != nil {
		ln.Close()
		infoW.Close()
		return nil, err
	}
	errR, err := cmd.StderrPipe()
	if err != nil {
		ln.Close()
		infoW.Close()
		return nil, err
	}
	if err := b.startOn(cmd); err != nil {
		ln.Close()
		infoW.Close()
		return nil, fmt.Errorf("sandbox: cannot start bwrap: %w", err)
	}
	infoW.Close()
	var readers sync.WaitGroup
	readers.Add(2)
	go s.read(&readers, "stdout", outR, s.stdout, c.OnLine)
	go s.read(&readers, "stderr", errR, s.stderr, c.OnLine)
	go func() {
		readers.Wait()
		s.err = cmd.Wait()
		close(s.done)
	}()
	fail := func(msg string) (*Server, error) {
		ln.Close()
		s.Stop()
		return nil, &StartError{Command: c.Line, Msg: msg, Output: s.tail(10)}
	}
	pid, err := readChildPID(infoR)
	if err != nil {
		<-s.done
		return fail(fmt.Sprintf("could not be started in the sandbox (%v)", err))
	}
	s.initPID = pid
	b.mu.Lock()
	b.servers = append(b.servers, s)
	b.mu.Unlock()
	ns := b.ns

	// Wait for the port inside the box.
	deadline := time.NewTimer(b.opts.StartTimeout)
	defer deadline.Stop()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	target := ""
	for target == "" {
		for _, host := range []string{"127.0.0.1", "::1"} {
			addr := net.JoinHostPort(host, strconv.Itoa(port))
			dctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
			conn, err := dialIn(dctx, ns, addr)
			cancel()
			if err == nil {
				conn.Close()
				target = addr
				break
			}
		}
		if target != "" {
			break
		}
		select {
		case <-s.done:
			return fail(fmt.Sprintf("exited before listening on PORT %d (%s)", port, s.exitText()))
		case <-deadline.C:
			return fail(fmt.Sprintf("did not listen on PORT %d within %s (does it read PORT from the environment?)", port, b.opts.StartTimeout))
		case <-ctx.Done():
			return fail(fmt.Sprintf("was stopped before it listened on PORT %d (%v)", port, ctx.Err()))
		case <-tick.C:
		}
	}
	s.bridge = &bridge{ln: ln, ns: ns, target: target, conns: map[net.Conn]struct{}{}}
	s.bridge.wg.Add(1)
	go s.bridge.serve()
	s.url = "http://" + ln.Addr().String()
	return s, nil
}

// readChildPID reads bwrap's --info-fd JSON for the pid of its child.
func readChildPID(r io.Reader) (int, error) {
	var info struct {
		ChildPID int `json:"child-pid"`
	}
	if err := json.NewDecoder(r).Decode(&info); err != nil {
		return 0, fmt.Errorf("bwrap gave no child pid: %v", err)
	}
	if info.ChildPID <= 0 {
		return 0, errors.New("bwrap gave no child pid")
	}
	return info.ChildPID, nil
}

func (s *Server) read(wg *sync.WaitGroup, stream string, r io.Reader, keep *capped, onLine func(string, string)) {
	defer wg.Done()
	br := bufio.NewReaderSize(r, 64<<10)
	for {
		line, err := br.ReadString('\n')
		if line != "" {
			if keep.add(line) && onLine != nil {
				onLine(stream, strings.TrimRight(line, "\r\n"))
			}
			s.box.scan(line)
		}
		if err != nil {
			return
		}
	}
}

func (s *Server) tail(n int) []string {
	var out []string
	for _, st := range []struct {
		name string
		c    *capped
	}{{"stdout", s.stdout}, {"stderr", s.stderr}} {
		for _, l := range lastLines(st.c.String(), n) {
			out = append(out, st.name+": "+l)
		}
	}
	if len(out) > n {
		out = out[len(out)-n:]
	}
	return out
}

// exitText says how the command ended, naming the limit when a signal
// from one ended it.
func (s *Server) exitText() string {
	var ee *exec.ExitError
	if !errors.As(s.err, &ee) {
		if s.err == nil {
			return "exit status 0"
		}
		return s.err.Error()
	}
	// bwrap passes the command's exit status on, 128+N for a signal N.
	code := ee.ExitCode()
	if code > 128 {
		sig := syscall.Signal(code - 128)
		switch sig {
		case syscall.SIGXCPU:
			return fmt.Sprintf("killed by SIGXCPU: its CPU time limit (%s) ran out", s.box.opts.Limits.CPU)
		case syscall.SIGXFSZ:
			return fmt.Sprintf("killed by SIGXFSZ: it wrote a file over the size limit (%d bytes)", s.box.opts.Limits.FileSize)
		}
		return "killed by " + sigName(sig)
	}
	return ee.String()
}

func sigName(sig syscall.Signal) string {
	switch sig {
	case syscall.SIGKILL:
		return "SIGKILL"
	case syscall.SIGTERM:
		return "SIGTERM"
	case syscall.SIGSEGV:
		return "SIGSEGV"
	case syscall.SIGABRT:
		return "SIGABRT"
	}
	return "signal " + strconv.Itoa(int(sig))
}

// group is the process group of the student's command: the supervisor
// (pid 1's child) started it with setsid, so it leads a group of its own,
// which its children share and which outlives it while one of them runs.
// 0 until it is found.
func (s *Server) group() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.main != 0 {
		return s.main
	}
	if s.initPID == 0 {
		return 0
	}
	for _, sup := range children(s.initPID) {
		for _, c := range children(sup.pid) {
			if c.pgrp == c.pid {
				s.main = c.pid
				return c.pid
			}
		}
	}
	return 0
}

// Signal sends sig to the process group of the server's command, as
// managed mode does: a probe tests graceful shutdown with SIGTERM.
func (s *Server) Signal(sig syscall.Signal) error {
	select {
	case <-s.done:
		return errors.New("the server has already exited")
	default:
	}
	g := s.group()
	if g == 0 {
		return errors.New("the server's command is not running")
	}
	return syscall.Kill(-g, sig)
}

// Stop ends the server as the contract says: SIGTERM to its process group,
// SIGKILL to everything of it after Grace. A server that had to be killed,
// or that had left processes outside its group (a daemon), gets a note.
// The box's uid may still run other servers; Box.Close ends the rest.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() { s.stopErr = s.stop() })
	return s.stopErr
}

func (s *Server) stop() error {
	defer func() {
		if s.bridge != nil {
			s.bridge.close()
		}
	}()
	select {
	case <-s.done:
		s.exitNote()
		return nil
	default:
	}
	lead := s.group()
	{
		// What left the group (setsid, a double fork) is a daemon the
		// server started; the end of the box ends it, and the report says
		// so.
		groups := map[int]bool{s.initPID: true} // the supervisor's
		s.box.mu.Lock()
		others := append([]*Server(nil), s.box.servers...)
		s.box.mu.Unlock()
		for _, o := range others {
			groups[o.group()] = true
			groups[o.initPID] = true
		}
		var away []string
		for _, p := range s.inBox() {
			if !groups[p.pgrp] {
				away = append(away, fmt.Sprintf("%s (pid %d)", p.name, p.pid))
			}
		}
		if len(away) > 0 {
			s.box.note("daemon", fmt.Sprintf("%q left %d process(es) running outside its process group (a daemon): %s; killed at the end", s.line, len(away), strings.Join(away, ", ")))
		}
	}
	if lead != 0 {
		syscall.Kill(-lead, syscall.SIGTERM)
	}
	// The server has stopped when no process of its group is left but
	// the supervisor; daemons outside the group are the box's to end.
	deadline := time.Now().Add(s.box.opts.Grace)
	for time.Now().Before(deadline) {
		if len(s.groupLeft()) == 0 {
			break
		}
		select {
		case <-s.done:
			return nil
		case <-time.After(50 * time.Millisecond):
		}
	}
	if left := s.groupLeft(); len(left) > 0 {
		s.box.note("sigterm", fmt.Sprintf("%q did not exit within %s of SIGTERM: killed %s", s.line, s.box.opts.Grace, strings.Join(left, ", ")))
	}
	s.kill()
	<-s.done
	return nil
}

// groupLeft names the processes of the server's group still running,
// the supervisor (pid 1's child) aside.
func (s *Server) groupLeft() []string {
	var left []string
	for _, p := range s.inBox() {
		if g := s.group(); g != 0 && p.pgrp == g {
			left = append(left, fmt.Sprintf("%s (pid %d)", p.name, p.pid))
		}
	}
	return left
}

// exitNote records why a server ended by itself when a limit ended it.
func (s *Server) exitNote() {
	t := s.exitText()
	if strings.Contains(t, "SIGXCPU") || strings.Contains(t, "SIGXFSZ") {
		s.box.note("exit:"+t, fmt.Sprintf("%q was %s", s.line, t))
	}
}

// inBox lists the processes of the server's box: those of the box's uid
// (its other servers' too) plus none of the grader's.
func (s *Server) inBox() []proc { return procsOf(s.box.uid) }

// kill ends the server's box at once: bwrap itself, whose pid 1 then takes
// the whole pid namespace with it, and every process of the box's uid.
func (s *Server) kill() {
	if s.cmd.Process != nil {
		syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		s.cmd.Process.Kill()
	}
	if s.initPID > 0 {
		syscall.Kill(s.initPID, syscall.SIGKILL)
	}
}

// Close stops every server still running, kills every process of the
// box's uid that is left, waits until /proc shows none, and returns the
// box's notes ("killed 3 processes left at the end" among them).
func (b *Box) Close() []string {
	b.mu.Lock()
	b.closed = true
	servers := append([]*Server(nil), b.servers...)
	b.mu.Unlock()
	supervisors := map[int]bool{} // the process groups of the box's own
	for _, s := range servers {
		supervisors[s.initPID] = true
	}
	var wg sync.WaitGroup
	for _, s := range servers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.Stop()
		}()
	}
	wg.Wait()
	b.startMu.Lock()
	if !b.startsClosed {
		b.startsClosed = true
		close(b.starts)
	}
	b.startMu.Unlock()
	<-b.starterDone
	// A box whose pid 1 was killed takes a moment to empty: what the
	// kernel is still ending is not what the submission left.
	left := procsOf(b.uid)
	for wait := time.Now().Add(time.Second); len(left) > 0 && time.Now().Before(wait); left = procsOf(b.uid) {
		time.Sleep(20 * time.Millisecond)
	}
	var names []string
	for _, p := range left {
		if !supervisors[p.pgrp] {
			names = append(names, fmt.Sprintf("%s (pid %d)", p.name, p.pid))
		}
	}
	if len(names) > 0 {
		b.note("left", fmt.Sprintf("killed %d process(es) left running at the end: %s", len(names), strings.Join(names, ", ")))
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(left) > 0 && time.Now().Before(deadline) {
		for _, p := range left {
			syscall.Kill(p.pid, syscall.SIGKILL)
		}
		time.Sleep(20 * time.Millisecond)
		left = procsOf(b.uid)
	}
	if len(left) > 0 {
		b.note("survivors", fmt.Sprintf("%d process(es) of the submission could not be killed", len(left)))
	}
	return b.Notes()
}

// capped keeps the first max bytes written to it and counts the rest.
type capped struct {
	mu      sync.Mutex
	max     int
	b       strings.Builder
	dropped int64
}

// add keeps line if it fits and reports whether it did.
func (c *capped) add(line string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.b.Len()+len(line) > c.max {
		c.dropped += int64(len(line))
		return false
	}
	c.b.WriteString(line)
	return true
}

func (c *capped) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dropped == 0 {
		return c.b.String()
	}
	return c.b.String() + fmt.Sprintf("\n[rtlab: %d more bytes not kept: output is capped at %d bytes]\n", c.dropped, c.max)
}

func lastLines(s string, n int) []string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) == 1 && lines[0] == "" {
		return nil
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return lines
}
