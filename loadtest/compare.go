package loadtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ServerSpec is a server under test, started in a process of its own for
// every run so that its memory is its own and starts from the same state.
type ServerSpec struct {
	// Name labels the server in tables and charts ("rtlab", "node").
	Name string
	// Command returns the command that serves the load fixture on
	// 127.0.0.1:port. Its process must be the server itself (not a shell
	// around it): its /proc status is where memory is read.
	Command func(port int) *exec.Cmd
}

// Scenario is one load of a comparison.
type Scenario struct {
	Name    string
	Options Options
}

// DefaultScenarios are the loads of the targets: a broadcast of
// 200 ticks of 100 characters to 1000 clients, 100 clients echoing for 10s,
// and 5000 idle clients held 30s, over WebSocket; over HTTP long-polling,
// 50 clients echoing for 10s and a broadcast of 100 ticks to 200 clients
// (polling clients are the full socketio client, heavier each).
func DefaultScenarios() []Scenario {
	return []Scenario{
		{Name: "broadcast", Options: Options{Mode: ModeBroadcast, Clients: 1000, Ramp: 2000, Messages: 200, Size: 100}},
		{Name: "echo", Options: Options{Mode: ModeEcho, Clients: 100, Ramp: 1000, Duration: 10 * time.Second, Size: 100}},
		{Name: "idle", Options: Options{Mode: ModeIdle, Clients: 5000, Ramp: 2000, Duration: 30 * time.Second}},
		{Name: "echo-polling", Options: Options{Mode: ModeEcho, Transport: "polling", Clients: 50, Ramp: 500, Duration: 10 * time.Second, Size: 100}},
		{Name: "broadcast-polling", Options: Options{Mode: ModeBroadcast, Transport: "polling", Clients: 200, Ramp: 500, Messages: 100, Size: 100}},
	}
}

// CompareOptions configures Compare.
type CompareOptions struct {
	// Servers are compared in order; the first is "ours" and the second the
	// baseline of the targets. At least one.
	Servers []ServerSpec
	// Scenarios to run. Default DefaultScenarios().
	Scenarios []Scenario
	// Reps is how many times each scenario runs against each server,
	// alternating servers. Default 3.
	Reps int
	// ToolClients, when positive, adds a run of that many idle clients
	// against the first server to measure the load tool's own memory per
	// client. Default 0 (none).
	ToolClients int
	// ToolHold is how long the tool run holds its clients. Default 5s.
	ToolHold time.Duration
	// Progress, when set, returns the progress function of one run.
	Progress func(label string) func(ProgressEvent)
	// Log receives one line per run. Default io.Discard.
	Log io.Writer
	// Pin, on a machine of at least two CPUs, runs this process (the load
	// tool) on CPU 0 and each server on CPU 1, so that neither takes the
	// other's core; the comparison says whether it was done. Default
	// false: a library caller's process is left as it is.
	Pin bool
}

// Compare runs every scenario against every server, Reps times,
// alternating servers within a repetition (and their order between
// repetitions), each run on a freshly started server process.
func Compare(ctx context.Context, o *CompareOptions) (*Comparison, error) {
	if o == nil || len(o.Servers) == 0 {
		return nil, errors.New("loadtest: Compare needs at least one server")
	}
	scen := o.Scenarios
	if len(scen) == 0 {
		scen = DefaultScenarios()
	}
	reps := o.Reps
	if reps <= 0 {
		reps = 3
	}
	log := o.Log
	if log == nil {
		log = io.Discard
	}
	cmp := &Comparison{Start: time.Now(), Reps: reps, Load: readLoadAvg()}
	var pin bool
	pin, cmp.Pinning = pinTool(o.Pin)
	for _, s := range o.Servers {
		cmp.Servers = append(cmp.Servers, s.Name)
	}
	for _, sc := range scen {
		cmp.Scenarios = append(cmp.Scenarios, ScenarioInfo{Name: sc.Name, Mode: sc.Options.Mode, Transport: sc.Options.Transport, Clients: sc.Options.Clients,
			Messages: sc.Options.Messages, Size: sc.Options.Size, DurationS: sc.Options.Duration.Seconds()})
	}
	for rep := 1; rep <= reps; rep++ {
		for _, sc := range scen {
			if err := cmp.runScenario(ctx, o, sc, rep, pin, log); err != nil {
				return cmp, err
			}
		}
	}
	if o.ToolClients > 0 {
		cmp.measureTool(ctx, o, pin, log)
	}
	cmp.ElapsedS = time.Since(cmp.Start).Seconds()
	cmp.LoadEnd = readLoadAvg()
	cmp.summarise()
	return cmp, nil
}

// pinTool pins this process to CPU 0 when asked and the machine allows
// it, and says whether the servers are to be pinned and what was done.
func pinTool(want bool) (pin bool, how string) {
	pin = want && canPin() && runtime.NumCPU() >= 2
	switch {
	case !want:
		return false, "not pinned"
	case !pin:
		return false, fmt.Sprintf("not pinned: %d CPU(s), or no sched_setaffinity here", runtime.NumCPU())
	}
	if err := pinProcess(os.Getpid(), 0); err != nil {
		return false, "not pinned: " + err.Error()
	}
	return true, "load tool pinned to CPU 0, each server to CPU 1 (taskset, or sched_setaffinity on its threads)"
}

// runScenario runs repetition rep of scenario sc against every server,
// in reverse order on even repetitions, and adds the runs to cmp. The
// error is ctx's, when it ends.
func (cmp *Comparison) runScenario(ctx context.Context, o *CompareOptions, sc Scenario, rep int, pin bool, log io.Writer) error {
	order := slices.Clone(o.Servers)
	if rep%2 == 0 {
		slices.Reverse(order)
	}
	for _, srv := range order {
		label := fmt.Sprintf("%s %s #%d", srv.Name, sc.Name, rep)
		opts := sc.Options
		if o.Progress != nil {
			opts.Progress = o.Progress(label)
		}
		res, err := runAgainst(ctx, srv, &opts, pin)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if res == nil {
			res = &Result{Mode: opts.Mode, Clients: opts.Clients}
		}
		res.Label = srv.Name
		run := Run1{Server: srv.Name, Scenario: sc.Name, Rep: rep, Result: res}
		if err != nil {
			run.Err = err.Error()
		}
		cmp.Runs = append(cmp.Runs, run)
		fmt.Fprintf(log, "%-28s %s\n", label, oneLine(res, err))
	}
	return nil
}

// measureTool holds o.ToolClients idle clients on the first server, for
// what the load tool itself costs per client.
func (cmp *Comparison) measureTool(ctx context.Context, o *CompareOptions, pin bool, log io.Writer) {
	hold := o.ToolHold
	if hold <= 0 {
		hold = 5 * time.Second
	}
	srv := o.Servers[0]
	label := fmt.Sprintf("%s idle %d (tool)", srv.Name, o.ToolClients)
	opts := Options{Mode: ModeIdle, Clients: o.ToolClients, Ramp: 2000, Duration: hold}
	if o.Progress != nil {
		opts.Progress = o.Progress(label)
	}
	res, err := runAgainst(ctx, srv, &opts, pin)
	if res != nil {
		res.Label = srv.Name
		cmp.Tool = res
	}
	if err != nil {
		cmp.ToolErr = err.Error()
	}
	fmt.Fprintf(log, "%-28s %s\n", label, oneLine(res, err))
}

// runAgainst starts srv (on CPU 1 when pin is set), runs the load with its
// PID, and stops it.
func runAgainst(ctx context.Context, srv ServerSpec, o *Options, pin bool) (*Result, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	cmd := srv.Command(port)
	if pin {
		cmd = onCPU(cmd, 1)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("loadtest: start %s: %w", srv.Name, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer stopProcess(cmd, exited)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	if err := waitListening(ctx, addr, exited); err != nil {
		return nil, fmt.Errorf("loadtest: %s: %w", srv.Name, err)
	}
	if pin {
		// Where taskset was missing, the threads are pinned now (a
		// no-op for those taskset pinned from the start).
		if err := pinProcess(cmd.Process.Pid, 1); err != nil {
			return nil, fmt.Errorf("loadtest: pin %s to CPU 1: %w", srv.Name, err)
		}
	}
	time.Sleep(300 * time.Millisecond) // let start-up allocations settle before the RSS baseline
	o.PID = cmd.Process.Pid
	return Run(ctx, "http://"+addr, o)
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// waitListening dials addr until it answers, the process exits, or 20s.
func waitListening(ctx context.Context, addr string, exited chan error) error {
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		select {
		case err := <-exited:
			exited <- err
			return fmt.Errorf("exited before listening on %s: %v", addr, err)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not listening on %s after 20s", addr)
		}
	}
}

// stopProcess ends a server: SIGTERM, then SIGKILL after 3s.
func stopProcess(cmd *exec.Cmd, exited chan error) {
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
		return
	case <-time.After(3 * time.Second):
	}
	cmd.Process.Kill()
	select {
	case <-exited:
	case <-time.After(3 * time.Second):
	}
}

// onCPU returns cmd started on the given CPU from its first instruction
// by taskset, which execs it (the process stays the server itself, as
// ServerSpec requires): a Go runtime then sizes GOMAXPROCS to that one
// CPU. Without taskset cmd is returned as it is and pinned once started.
func onCPU(cmd *exec.Cmd, cpu int) *exec.Cmd {
	ts, err := exec.LookPath("taskset")
	if err != nil {
		return cmd
	}
	w := exec.Command(ts, append([]string{"-c", strconv.Itoa(cpu), cmd.Path}, cmd.Args[1:]...)...)
	w.Env, w.Dir, w.Stdin, w.Stdout, w.Stderr = cmd.Env, cmd.Dir, cmd.Stdin, cmd.Stdout, cmd.Stderr
	return w
}

// readLoadAvg returns /proc/loadavg's first three numbers, "" where there
// is none: a comparison run on a busy machine says so.
func readLoadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

// oneLine is a run in one line, for the log.
func oneLine(r *Result, err error) string {
	if r == nil {
		return "error: " + err.Error()
	}
	s := fmt.Sprintf("%d/%d conn", r.Connected, r.Clients)
	switch r.Mode {
	case ModeBroadcast:
		s += fmt.Sprintf(", %.0f deliveries/s, lost %d", r.DeliveriesPerSec, r.Lost)
	case ModeEcho:
		s += fmt.Sprintf(", %.0f acks/s", r.AcksPerSec)
	case ModeIdle:
		if r.Server != nil {
			s += fmt.Sprintf(", server %.2f KB/conn", r.Server.RSSPerConnKB)
		}
		s += fmt.Sprintf(", tool %.2f KB/client", r.Tool.RSSPerClientKB)
	}
	if r.Latency != nil {
		s += fmt.Sprintf(", p50 %.2f p99 %.2f ms", r.Latency.P50MS, r.Latency.P99MS)
	}
	if err != nil {
		s += ", error: " + err.Error()
	}
	return s
}
