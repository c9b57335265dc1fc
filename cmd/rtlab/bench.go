package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"rtlab/bench"
)

// benchCommand is `rtlab bench`; main lists it in newCommands.
func benchCommand() *command {
	return &command{name: "bench", summary: "measure polling, long polling, SSE and WebSocket on the wire beside Q12's model", usage: benchUsage, run: runBench}
}

// benchUsage is what `rtlab bench --help` prints (a var: it names the
// transports of package bench).
var benchUsage = `usage: rtlab bench [flags]

Runs Q12's load for real: N simulated users, one update per second each, over
each transport in turn (short polling, long polling, SSE, WebSocket, Socket.IO
over WebSocket and over polling), with its server in this process on loopback.
Counts application bytes (headers/framing apart from payload) and wire bytes
(TCP_INFO: segments, IP/TCP headers, pure ACKs), requests, connections,
delivery latency, CPU and memory, and prints them beside the Q12 formulas.
Writes results.json, summary.md and charts (PNG and SVG) to OUT/<timestamp>/
and OUT/latest/.

Flags:
  --users N            simulated users per transport (default 1000)
  --window DUR         measured window, reported per minute (default 20s)
  --warmup DUR         warm-up before the window (default 2s)
  --interval DUR       time between two updates to a user (default 1s)
  --payload N          update size in bytes, at least 8 (default 8)
  --transports LIST    comma-separated (default ` + strings.Join(bench.DefaultTransports, ",") + `;
                       known: ` + strings.Join(bench.TransportNames(), ",") + `)
  --deflate            also run websocket-deflate (permessage-deflate)
  --minimal-headers    HTTP clients send Go's minimal headers instead of a browser's
  --sweep              also measure bytes per minute against users (10 to 5000,
                       5s windows) and chart it
  --sweep-users LIST   user counts of the sweep (default 10,100,500,1000,2000,5000)
  --out DIR            report root (default reports/bench)
  --no-progress        no progress bars (they are drawn only on a terminal anyway)

Examples:
  rtlab bench
  rtlab bench --users 200 --window 10s
  rtlab bench --transports websocket,sse --deflate
  rtlab bench --minimal-headers
  rtlab bench --sweep --transports short-polling,long-polling,sse,websocket
`

func runBench(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet("bench")
	users := fs.Int("users", 1000, "")
	window := fs.Duration("window", 20*time.Second, "")
	warmup := fs.Duration("warmup", 2*time.Second, "")
	interval := fs.Duration("interval", time.Second, "")
	payload := fs.Int("payload", 8, "")
	list := fs.String("transports", "", "")
	deflate := fs.Bool("deflate", false, "")
	minimal := fs.Bool("minimal-headers", false, "")
	sweep := fs.Bool("sweep", false, "")
	sweepUsers := fs.String("sweep-users", "", "")
	out := fs.String("out", "reports/bench", "")
	noProgress := fs.Bool("no-progress", false, "")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	if *users < 1 || *window <= 0 || *warmup < 0 || *interval <= 0 {
		return usagef("--users, --window and --interval must be positive")
	}
	if *payload < 8 {
		return usagef("--payload must be at least 8 (the sequence number)")
	}
	o := &bench.Options{
		Users: *users, Window: *window, Warmup: *warmup, Interval: *interval, Payload: *payload,
		MinimalHeaders: *minimal,
	}
	if o.Transports, err = benchTransports(*list, *deflate); err != nil {
		return err
	}
	su, err := sweepUserCounts(*sweepUsers)
	if err != nil {
		return err
	}

	var bars *bench.ProgressBars
	if e.isTTY && !*noProgress {
		bars = bench.NewProgressBars(e.stdout)
		o.Progress = bars.Update
	}
	res, err := bench.Run(ctx, o)
	if err == nil && *sweep {
		if bars != nil { // a sweep's bars are one per transport and count
			bars.Wait()
			bars = nil
			o.Progress = nil
		}
		fmt.Fprintf(e.stderr, "sweep: %v users per transport…\n", orDefault(su))
		res.Sweep, err = bench.Sweep(ctx, o, &bench.SweepOptions{Users: su})
	}
	if bars != nil {
		bars.Wait()
	}
	if res == nil {
		return err
	}
	return reportBench(e, res, err, *out)
}

// benchTransports are the transports of --transports (default
// bench.DefaultTransports), with websocket-deflate added by --deflate;
// an unknown name is a usage error.
func benchTransports(list string, deflate bool) ([]string, error) {
	var ts []string
	if list != "" {
		for _, n := range strings.Split(list, ",") {
			if n = strings.TrimSpace(n); n != "" {
				ts = append(ts, n)
			}
		}
	} else {
		ts = append([]string(nil), bench.DefaultTransports...)
	}
	if deflate && !contains(ts, "websocket-deflate") {
		ts = append(ts, "websocket-deflate")
	}
	for _, n := range ts {
		if !contains(bench.TransportNames(), n) {
			return nil, usagef("unknown transport %q (known: %s)", n, strings.Join(bench.TransportNames(), ", "))
		}
	}
	return ts, nil
}

// sweepUserCounts parses --sweep-users (none: the sweep's defaults).
func sweepUserCounts(list string) ([]int, error) {
	if list == "" {
		return nil, nil
	}
	var su []int
	for _, f := range strings.Split(list, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, usagef("--sweep-users: bad count %q", f)
		}
		su = append(su, n)
	}
	return su, nil
}

// reportBench writes the report of res under out and prints it; then it
// returns runErr, the error that cut the run short, or exit status 1 when
// a transport's measure failed (res.Err).
func reportBench(e *env, res *bench.Results, runErr error, out string) error {
	dir, err := bench.WriteReport(res, out)
	if err != nil {
		return err
	}
	if err := bench.WriteText(e.stdout, res); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "\nreport: %s (and %s/latest)\n", dir, out)
	if runErr != nil {
		return runErr
	}
	if err := res.Err(); err != nil {
		fmt.Fprintln(e.stderr, err)
		return &exitError{1}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func orDefault(su []int) []int {
	if len(su) == 0 {
		return bench.DefaultSweepUsers
	}
	return su
}
