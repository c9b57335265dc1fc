package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"rtlab/internal/sysstat"
	"rtlab/loadtest"
)

// loadCommand is `rtlab load`; main lists it in newCommands.
func loadCommand() *command {
	return &command{name: "load", summary: "load a Socket.IO server with many clients: idle, broadcast, echo; or compare servers", usage: loadUsage, run: runLoad}
}

// loadUsage is what `rtlab load --help` prints.
const loadUsage = `usage: rtlab load URL [flags]
       rtlab load --compare [flags]

Drives many simulated Socket.IO clients from this one process, speaking the
wire protocol itself (a lean WebSocket client: a socket, a 512-byte buffer
and a goroutine per client). The server must implement the load fixture:
"echo" acks its arguments, "bcast" {"n","size"} sends "tick" {"seq","t","pad"}
n times to every client then acks {"sent","ms"} (rtlab serve loadtest, or
node testdata/node/loadtest-server.js).

Modes:
  idle       open N connections at the ramp rate and hold them (answering
             heartbeats): connect latency, failures, server RSS per
             connection with --pid
  broadcast  N clients connected; one more emits bcast: deliveries per second,
             delivery latency (from each tick's t to its receipt), lost ticks
  echo       every client emits echo with an ack in a loop: acks per second,
             ack latency

Writes summary.txt, results.json and latency.png/svg to OUT/<time>-<mode>/.

--compare runs the issue's loads (broadcast 1000 clients x 200 ticks of
100 B; echo 100 clients 10s; idle 5000 clients 30s; over polling, echo 50
clients 10s and broadcast 200 clients x 100 ticks) against rtlab serve
loadtest and a Node.js socket.io 4.8 server, each started as a child process
per run, alternating, --reps times each, then 10,000 idle clients against
rtlab to measure the tool itself. With two CPUs or more the tool runs on
CPU 0 and each server on CPU 1. Reports per server and load: throughput,
latency p50/p99/max, server and tool CPU per operation, RSS; writes
comparison.md, comparison.json and latency charts to OUT/latest/.

Flags:
  --mode M           idle, broadcast or echo (default idle)
  --clients N        simulated clients (default 100)
  --ramp R           connections started per second, "1000" or "1000/s" (default 1000)
  --duration D       idle hold or echo duration (default 20s)
  --messages N       ticks the broadcast asks for (default 200)
  --size N           tick pad and echo payload, in characters (default 100)
  --transport T      websocket or polling (default websocket; polling holds two
                     HTTP connections per client, a GET always pending)
  --path P           Socket.IO path (default /socket.io/)
  --pid PID          the server's process: report its RSS per connection (settled
                     and peak) and its CPU per ack or delivery (/proc/PID/stat)
  --out DIR          report root (default reports/load)
  --no-progress      no progress bars (they are drawn only on a terminal anyway)
  --compare          compare rtlab serve loadtest with the Node.js server
  --reps N           with --compare, repetitions (default 3)
  --tool-clients N   with --compare, idle clients of the tool's own run (default 10000; 0 skips)
  --node PATH        with --compare, the node binary (default node)
  --cpuprofile FILE  write the load tool's own CPU profile (pprof) to FILE

Examples:
  rtlab serve loadtest --addr 127.0.0.1:3000 &
  rtlab load http://127.0.0.1:3000 --mode idle --clients 5000 --ramp 1000/s --pid $!
  rtlab load http://127.0.0.1:3000 --mode broadcast --clients 1000 --messages 200 --size 100
  rtlab load http://127.0.0.1:3000 --mode echo --clients 100 --duration 10s
  rtlab load http://localhost:3000 --mode echo --transport polling --clients 20
  rtlab load --compare
`

func runLoad(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet("load")
	mode := fs.String("mode", loadtest.ModeIdle, "")
	clients := fs.Int("clients", 100, "")
	ramp := fs.String("ramp", "1000", "")
	duration := fs.Duration("duration", 20*time.Second, "")
	messages := fs.Int("messages", 200, "")
	size := fs.Int("size", 100, "")
	transport := fs.String("transport", "websocket", "")
	path := fs.String("path", "", "")
	pid := fs.Int("pid", 0, "")
	out := fs.String("out", "reports/load", "")
	noProgress := fs.Bool("no-progress", false, "")
	compare := fs.Bool("compare", false, "")
	reps := fs.Int("reps", 3, "")
	toolClients := fs.Int("tool-clients", 10000, "")
	nodeBin := fs.String("node", "node", "")
	cpuProfile := fs.String("cpuprofile", "", "")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *cpuProfile != "" {
		stop, err := startCPUProfile(*cpuProfile)
		if err != nil {
			return err
		}
		defer stop()
	}
	r, err := strconv.ParseFloat(strings.TrimSuffix(*ramp, "/s"), 64)
	if err != nil || r <= 0 {
		return usagef("--ramp %q: want connections per second, such as 1000/s", *ramp)
	}
	raiseFileLimit(e)
	var bars *loadtest.ProgressBars
	if e.isTTY && !*noProgress {
		bars = loadtest.NewProgressBars(e.stdout)
	}
	if *compare {
		if len(pos) > 0 {
			return usagef("--compare starts its own servers; no URL")
		}
		return runLoadCompare(ctx, e, bars, *reps, *toolClients, *nodeBin, *out)
	}
	if len(pos) != 1 {
		return usagef("give the server's URL, such as http://127.0.0.1:3000")
	}
	if err := checkLoadURL(pos[0]); err != nil {
		return err
	}
	opts := &loadtest.Options{
		Mode: *mode, Clients: *clients, Ramp: r, Duration: *duration, Messages: *messages,
		Size: *size, Transport: *transport, Path: *path, PID: *pid,
	}
	if *clients < 1 || *duration <= 0 || *messages < 1 || *size < 0 {
		return usagef("--clients, --duration and --messages must be positive")
	}
	if bars != nil {
		opts.Progress = bars.Bar(*mode)
	}
	res, err := loadtest.Run(ctx, pos[0], opts)
	if bars != nil {
		bars.Wait()
	}
	if res == nil {
		if strings.Contains(err.Error(), "unknown") {
			return usagef("%v", err)
		}
		return err
	}
	return reportLoad(e, res, err, *out)
}

// startCPUProfile writes a CPU profile of rtlab itself to path (for
// --cpuprofile) until stop.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

// raiseFileLimit raises the open-file limit to what thousands of clients
// need, and says so on stderr when it cannot.
func raiseFileLimit(e *env) {
	if _, err := loadtest.RaiseFileLimit(); sysstat.IsNotMeasured(err) {
		fmt.Fprintf(e.stderr, "rtlab load: %v\n", err)
	} else if err != nil {
		fmt.Fprintf(e.stderr, "rtlab load: cannot raise the open-file limit: %v\n", err)
	}
}

// checkLoadURL accepts an http:// or ws:// URL; the load clients speak no
// TLS, which a usage error says rather than a failed dial.
func checkLoadURL(raw string) error {
	if err := checkServerURL("URL", raw, "http", "ws"); err != nil {
		if strings.HasPrefix(raw, "https://") || strings.HasPrefix(raw, "wss://") {
			return usagef("URL %q: the load clients do not speak TLS; give http://HOST:PORT", raw)
		}
		return err
	}
	return nil
}

// reportLoad prints a load run's result, writes its files under out, and
// returns the run's error or, for a run with failures, losses or drops,
// exit status 1.
func reportLoad(e *env, res *loadtest.Result, runErr error, out string) error {
	loadtest.WriteText(e.stdout, res)
	dir := filepath.Join(out, res.Start.Format("20060102-150405")+"-"+res.Mode)
	files, werr := loadtest.WriteResult(res, dir)
	if werr != nil {
		return werr
	}
	fmt.Fprintf(e.stdout, "wrote %s\n", strings.Join(files, ", "))
	if runErr != nil {
		return runErr
	}
	if res.Disconnects > 0 {
		// A run whose clients were cut off measured a server that does
		// not hold its conversations: not a pass, whatever the numbers.
		fmt.Fprintf(e.stderr, "rtlab load: the server dropped %s during the run\n", loadtest.DropSummary(res))
	}
	if res.Failures > 0 || res.Lost > 0 || res.Disconnects > 0 {
		return &exitError{1}
	}
	return nil
}

func runLoadCompare(ctx context.Context, e *env, bars *loadtest.ProgressBars, reps, toolClients int, nodeBin, out string) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	script := filepath.Join("testdata", "node", "loadtest-server.js")
	if _, err := os.Stat(script); err != nil {
		return fmt.Errorf("%s not found: run rtlab load --compare from the repository root (make bench-servers)", script)
	}
	if _, err := os.Stat(filepath.Join("testdata", "node", "node_modules", "socket.io")); err != nil {
		return fmt.Errorf("socket.io is not installed under testdata/node: run make node")
	}
	servers := []loadtest.ServerSpec{
		{Name: "rtlab", Command: func(port int) *exec.Cmd {
			c := exec.Command(self, "serve", "loadtest", "--addr", "127.0.0.1:"+strconv.Itoa(port))
			c.Stderr = nil
			return c
		}},
		{Name: "node", Command: func(port int) *exec.Cmd {
			return exec.Command(nodeBin, script, strconv.Itoa(port))
		}},
	}
	o := &loadtest.CompareOptions{Servers: servers, Reps: reps, ToolClients: toolClients, Log: e.stderr, Pin: true}
	if bars != nil {
		o.Progress = bars.Bar
		o.Log = nil
	}
	cmp, err := loadtest.Compare(ctx, o)
	if bars != nil {
		bars.Wait()
	}
	if err != nil {
		return err
	}
	dir := filepath.Join(out, "latest")
	files, err := loadtest.WriteComparison(cmp, dir)
	if err != nil {
		return err
	}
	loadtest.WriteComparisonText(e.stdout, cmp)
	fmt.Fprintf(e.stdout, "\nwrote %s\n", strings.Join(files, ", "))
	return nil
}
