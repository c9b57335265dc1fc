package loadtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"rtlab/internal/sysstat"
	"rtlab/socketio"
)

// maxFailureSamples is how many client errors a Result keeps verbatim.
const maxFailureSamples = 5

// clientStat is one simulated client's counters, summed for progress and
// the result; each is written by its client goroutine only.
type clientStat struct {
	ticks   atomic.Int64
	lastSeq atomic.Int64
	lastAt  atomic.Int64 // unix nanoseconds of the last tick
	ooo     atomic.Int64
	acks    atomic.Int64
}

// runner is one run's shared state.
type runner struct {
	o      Options
	target wsTarget
	url    string
	dialer net.Dialer

	stats    []clientStat
	connect  Histogram
	latency  Histogram
	conns    atomic.Int64
	failed   atomic.Int64
	dropped  atomic.Int64
	failMu   sync.Mutex
	failures []string
	drops    map[string]int // under failMu: clients dropped, by reason
	dropLog  []string       // under failMu: a few drops, verbatim

	start    chan struct{} // echo: closed when every client is in
	stop     chan struct{} // closed when clients must leave
	deadline atomic.Int64  // echo: unix nanoseconds when emits stop

	mu      sync.Mutex
	closers []func()
	wg      sync.WaitGroup
	echoPad []byte // `"xxx…"`, the JSON string echoed

	phase atomic.Value // string, for progress
	total atomic.Int64
}

// Run drives one load against the Socket.IO server at url (http://HOST:PORT,
// optionally with the Socket.IO path) and returns what it measured. Client
// failures are counted in the Result; the error is for a run that could
// not happen at all (bad options, no server, a broadcast never acked).
func Run(ctx context.Context, url string, opts *Options) (*Result, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	t, err := parseTarget(url, o.Path)
	if err != nil {
		return nil, err
	}
	r := &runner{
		o: o, target: t, url: url,
		dialer: net.Dialer{Timeout: o.ConnectTimeout},
		stats:  make([]clientStat, o.Clients),
		start:  make(chan struct{}),
		stop:   make(chan struct{}),
	}
	pad := strings.Repeat("x", o.Size)
	r.echoPad = []byte(strconv.Quote(pad))
	res := newResult(url, o)

	// A clean baseline: what earlier runs in this process left is handed
	// back to the OS before the first reading.
	debug.FreeOSMemory()
	cpu0, cpuErr := cpuSeconds()
	if cpuErr != nil {
		res.NotMeasured = append(res.NotMeasured, cpuErr.Error())
	}
	if err := r.rssBefore(res); err != nil {
		return nil, err
	}

	progressDone := r.reportProgress(ctx, res)
	defer func() {
		r.closeAll()
		progressDone()
	}()

	r.setPhase("connect")
	if err := r.connectAll(ctx); err != nil {
		return nil, err
	}
	res.Connected = int(r.conns.Load())
	res.Failures = int(r.failed.Load())
	res.FailureSamples = r.failures
	res.Connect = r.connect.Summary()
	res.Connect.Curve = nil
	if res.Connected == 0 && o.Clients > 0 {
		return res, fmt.Errorf("loadtest: no client could connect to %s: %s", url, strings.Join(r.failures, "; "))
	}

	r.setPhase("run")
	runErr := r.drive(ctx, res, cpuErr == nil)

	// Memory while every client is still held.
	r.rssAfter(res)
	res.Disconnects = int(r.dropped.Load())
	r.failMu.Lock()
	res.DisconnectReasons = r.drops
	res.DisconnectSamples = r.dropLog
	r.failMu.Unlock()
	r.setPhase("close")
	r.closeAll()
	if cpuErr == nil {
		cpu1, _ := cpuSeconds()
		res.Tool.CPUSeconds = cpu1 - cpu0
	}
	res.ElapsedS = time.Since(res.Start).Seconds()
	return res, runErr
}

// newResult is the Result of a run of o against url before it starts:
// the options that apply to its mode.
func newResult(url string, o Options) *Result {
	res := &Result{
		URL: url, Mode: o.Mode, Transport: o.Transport, Clients: o.Clients, Ramp: o.Ramp,
		Start: time.Now(),
	}
	switch o.Mode {
	case ModeBroadcast:
		res.Messages, res.Size = o.Messages, o.Size
	case ModeEcho:
		res.DurationS, res.Size = o.Duration.Seconds(), o.Size
	case ModeIdle:
		res.DurationS = o.Duration.Seconds()
	}
	return res
}

// rssBefore reads the memory of this process and of the server (with
// Options.PID) before the clients connect. An error is a server process
// whose memory cannot be read.
func (r *runner) rssBefore(res *Result) error {
	var rssErr error
	res.Tool.RSSBeforeKB, rssErr = ReadRSS(os.Getpid())
	if sysstat.IsNotMeasured(rssErr) {
		res.NotMeasured = append(res.NotMeasured, rssErr.Error())
	}
	if r.o.PID > 0 && rssErr == nil {
		before, err := ReadRSS(r.o.PID)
		if err != nil {
			return fmt.Errorf("loadtest: server process: %w", err)
		}
		res.Server = &ServerCost{PID: r.o.PID, RSSBeforeKB: before}
	}
	return nil
}

// drive runs the load of the mode with every client connected, and, for
// echo and broadcast, the CPU time it cost this process (toolCPU: when it
// can be read) and the server, in all and per operation.
func (r *runner) drive(ctx context.Context, res *Result, toolCPU bool) error {
	o := r.o
	runCPU0, _ := cpuSeconds()
	var srvCPU0 time.Duration
	srvCPUErr := errors.New("no server PID")
	if res.Server != nil {
		srvCPU0, srvCPUErr = sysstat.ProcCPU(o.PID)
	}
	var runErr error
	switch o.Mode {
	case ModeIdle:
		hold := time.NewTimer(o.Duration)
		select {
		case <-hold.C:
		case <-ctx.Done():
			hold.Stop()
		}
		return nil
	case ModeEcho:
		runErr = r.runEcho(ctx, res)
	case ModeBroadcast:
		runErr = r.runBroadcast(ctx, res)
	}

	ops := float64(res.Acks)
	if o.Mode == ModeBroadcast {
		ops = float64(res.Deliveries)
	}
	if toolCPU {
		cpu, _ := cpuSeconds()
		res.Tool.RunCPUSeconds = cpu - runCPU0
		if ops > 0 {
			res.Tool.CPUPerOpUS = res.Tool.RunCPUSeconds / ops * 1e6
		}
	}
	if srvCPUErr == nil {
		if cpu, err := sysstat.ProcCPU(o.PID); err == nil {
			res.Server.CPUSeconds = (cpu - srvCPU0).Seconds()
			if ops > 0 {
				res.Server.CPUPerOpUS = res.Server.CPUSeconds / ops * 1e6
			}
		}
	}
	return runErr
}

// rssAfter reads the memory of this process and of the server while every
// client is still held, and what it grew by per client.
func (r *runner) rssAfter(res *Result) {
	res.Tool.RSSAfterKB, _ = ReadRSS(os.Getpid())
	res.Tool.Goroutines = runtime.NumGoroutine()
	if n := res.Connected; n > 0 {
		res.Tool.RSSPerClientKB = float64(res.Tool.RSSAfterKB-res.Tool.RSSBeforeKB) / float64(n)
	}
	if res.Server == nil {
		return
	}
	after, err := ReadRSS(r.o.PID)
	if err != nil {
		return
	}
	res.Server.RSSAfterKB = after
	res.Server.RSSSampledAfter = time.Since(res.Start).Seconds()
	if n := res.Connected; n > 0 {
		res.Server.RSSPerConnKB = float64(after-res.Server.RSSBeforeKB) / float64(n)
	}
	if peak, err := sysstat.PeakRSSOf(r.o.PID); err == nil {
		res.Server.RSSPeakKB = peak
		if n := res.Connected; n > 0 {
			res.Server.RSSPeakPerConnKB = float64(peak-res.Server.RSSBeforeKB) / float64(n)
		}
	}
}

// connectAll starts the clients at the ramp rate and waits until each has
// joined or failed.
func (r *runner) connectAll(ctx context.Context) error {
	var ready sync.WaitGroup
	begin := time.Now()
	for i := 0; i < r.o.Clients; i++ {
		at := begin.Add(time.Duration(float64(i) / r.o.Ramp * float64(time.Second)))
		if d := time.Until(at); d > 0 {
			t := time.NewTimer(d)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				ready.Wait()
				return ctx.Err()
			}
		}
		ready.Add(1)
		r.wg.Add(1)
		go r.client(ctx, i, &ready)
	}
	ready.Wait()
	return ctx.Err()
}

func (r *runner) fail(err error) {
	r.failed.Add(1)
	r.failMu.Lock()
	if len(r.failures) < maxFailureSamples {
		r.failures = append(r.failures, err.Error())
	}
	r.failMu.Unlock()
}

// drop counts a client the server dropped during the run, with the reason
// the client saw ("ping timeout", "transport close" …) and, for a few, the
// error behind it.
func (r *runner) drop(i int, reason string, err error) {
	r.dropped.Add(1)
	r.failMu.Lock()
	defer r.failMu.Unlock()
	if r.drops == nil {
		r.drops = map[string]int{}
	}
	r.drops[reason]++
	if len(r.dropLog) < maxFailureSamples {
		msg := fmt.Sprintf("client %d: %s", i, reason)
		if err != nil && err.Error() != reason {
			msg += " (" + err.Error() + ")"
		}
		r.dropLog = append(r.dropLog, msg)
	}
}

// onClose registers what closeAll must close.
func (r *runner) onClose(f func()) {
	r.mu.Lock()
	r.closers = append(r.closers, f)
	r.mu.Unlock()
}

// closeAll ends every client and waits for its goroutine.
func (r *runner) closeAll() {
	r.mu.Lock()
	select {
	case <-r.stop:
	default:
		close(r.stop)
	}
	cs := r.closers
	r.closers = nil
	r.mu.Unlock()
	for _, f := range cs {
		f()
	}
	r.wg.Wait()
}

// client is one simulated client's life: connect, then the mode's loop.
func (r *runner) client(ctx context.Context, i int, ready *sync.WaitGroup) {
	defer r.wg.Done()
	if r.o.Transport == "polling" {
		r.pollingClient(ctx, i, ready)
		return
	}
	t0 := time.Now()
	cctx, cancel := context.WithTimeout(ctx, r.o.ConnectTimeout)
	c, err := dialWS(cctx, r.target, &r.dialer)
	if err == nil {
		if dl, ok := cctx.Deadline(); ok {
			c.nc.SetDeadline(dl)
		}
		if err = c.connect(); err != nil {
			c.close()
		}
	}
	cancel()
	if err != nil {
		r.fail(err)
		ready.Done()
		return
	}
	c.armHeartbeat()
	r.connect.Record(time.Since(t0))
	r.conns.Add(1)
	r.onClose(c.close)
	ready.Done()

	// The client's life goes on in a fresh goroutine: the dial grew this
	// one's stack (resolver, context, handshake), and a reader blocked for
	// minutes should cost a small stack, not that one.
	r.wg.Add(1)
	go r.clientLoop(c, i, &r.stats[i])
}

// clientLoop runs a connected WebSocket client's mode until it ends.
func (r *runner) clientLoop(c *wsClient, i int, st *clientStat) {
	defer r.wg.Done()
	var err2 error
	switch r.o.Mode {
	case ModeEcho:
		err2 = r.echoLoop(c, st)
	default:
		err2 = r.receiveLoop(c, st)
	}
	select {
	case <-r.stop:
	default:
		if err2 != nil {
			r.drop(i, dropReason(err2), err2)
		}
	}
}

var tickPrefix = []byte(`2["tick",`)

// receiveLoop reads until the session ends, counting ticks.
func (r *runner) receiveLoop(c packetReader, st *clientStat) error {
	for {
		p, err := c.next()
		if err != nil {
			return err
		}
		if len(p) > len(tickPrefix) && string(p[:len(tickPrefix)]) == string(tickPrefix) {
			r.tick(st, p[len(tickPrefix):])
		}
	}
}

var (
	keySeq = []byte(`"seq":`)
	keyT   = []byte(`"t":`)
)

// tick records one tick's delivery; body is its JSON object.
func (r *runner) tick(st *clientStat, body []byte) {
	now := time.Now()
	seq, _ := jsonInt(body, keySeq)
	if t, ok := jsonInt(body, keyT); ok {
		r.latency.Record(time.Duration(now.UnixMicro()-t*1000) * time.Microsecond)
	}
	if prev := st.lastSeq.Load(); seq != prev+1 {
		st.ooo.Add(1)
	}
	st.lastSeq.Store(seq)
	st.lastAt.Store(now.UnixNano())
	st.ticks.Add(1)
}

// The parts of an echo request, `42<id>["echo",<pad>]`, but for the id
// and the pad.
var (
	echoHead = []byte("42")
	echoName = []byte(`["echo",`)
	echoTail = []byte("]")
)

// echoRounds runs call (one "echo" with its ack, id the ack id, idBuf room
// for its digits) one at a time from the start signal to the deadline,
// recording each round trip's latency; false when the run stopped first.
func (r *runner) echoRounds(st *clientStat, call func(id uint64, idBuf []byte) error) (bool, error) {
	select {
	case <-r.start:
	case <-r.stop:
		return false, nil
	}
	end := r.deadline.Load()
	var id uint64
	var idBuf [24]byte
	for time.Now().UnixNano() < end {
		id++
		t0 := time.Now()
		if err := call(id, idBuf[:0]); err != nil {
			return true, err
		}
		r.latency.Record(time.Since(t0))
		st.acks.Add(1)
	}
	return true, nil
}

// echoLoop emits "echo" with an ack, one at a time, from the start signal
// to the deadline.
func (r *runner) echoLoop(c *wsClient, st *clientStat) error {
	started, err := r.echoRounds(st, func(id uint64, idBuf []byte) error {
		return c.call(id, echoHead, strconv.AppendUint(idBuf, id, 10), echoName, r.echoPad, echoTail)
	})
	if !started || err != nil {
		return err
	}
	// Hold the connection until the run closes it.
	for {
		if _, err := c.next(); err != nil {
			select {
			case <-r.stop:
				return nil
			default:
				return err
			}
		}
	}
}

func (r *runner) runEcho(ctx context.Context, res *Result) error {
	t0 := time.Now()
	r.deadline.Store(t0.Add(r.o.Duration).UnixNano())
	close(r.start)
	t := time.NewTimer(r.o.Duration)
	select {
	case <-t.C:
	case <-ctx.Done():
		t.Stop()
	}
	el := time.Since(t0)
	// Let the last round trips finish so their acks count.
	time.Sleep(min(500*time.Millisecond, r.o.Duration/10))
	var acks int64
	for i := range r.stats {
		acks += r.stats[i].acks.Load()
	}
	res.Acks = uint64(acks)
	res.AcksPerSec = float64(acks) / el.Seconds()
	l := r.latency.Summary()
	res.Latency = &l
	return nil
}

// emitter is the extra client that asks for the broadcast.
func (r *runner) runBroadcast(ctx context.Context, res *Result) error {
	ectx, cancel := context.WithTimeout(ctx, r.o.ConnectTimeout)
	cl, err := socketio.Dial(ectx, r.url, &socketio.ClientOptions{Transport: r.o.Transport, Path: r.o.Path, ConnectTimeout: r.o.ConnectTimeout})
	if err != nil {
		cancel()
		return fmt.Errorf("loadtest: broadcast emitter: %w", err)
	}
	defer cl.Close()
	s, err := cl.Socket(ectx, "/", nil)
	cancel()
	if err != nil {
		return fmt.Errorf("loadtest: broadcast emitter: %w", err)
	}
	expected := uint64(r.o.Messages) * uint64(res.Connected)
	res.Expected = expected
	r.setTotal(int64(expected))

	start := time.Now()
	ackCtx, ackCancel := context.WithTimeout(ctx, 5*time.Minute)
	args, err := s.EmitWithAck(ackCtx, "bcast", map[string]int{"n": r.o.Messages, "size": r.o.Size})
	ackCancel()
	if err != nil {
		return fmt.Errorf("loadtest: bcast was not acknowledged: %w", err)
	}
	if len(args) > 0 {
		// rtlab's fixture bounds a bcast (n, n × size) and answers one
		// past its bounds with {"error": ...}: say so rather than wait
		// for ticks that never come.
		var refused struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(args[0], &refused) == nil && refused.Error != "" {
			return fmt.Errorf("loadtest: the server refused bcast %d × %d characters: %s", r.o.Messages, r.o.Size, refused.Error)
		}
		var a ServerAck
		if json.Unmarshal(args[0], &a) == nil {
			res.ServerAck = &a
		}
	}
	// Wait for the deliveries until all are in or none came for a while.
	r.setPhase("drain")
	var last uint64
	lastChange := time.Now()
	for {
		got := r.delivered()
		if got >= expected || ctx.Err() != nil {
			break
		}
		if got != last {
			last, lastChange = got, time.Now()
		} else if time.Since(lastChange) > r.o.DrainTimeout {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	var lastAt int64
	var ooo int64
	for i := range r.stats {
		lastAt = max(lastAt, r.stats[i].lastAt.Load())
		ooo += r.stats[i].ooo.Load()
	}
	res.Deliveries = r.delivered()
	res.Lost = expected - min(expected, res.Deliveries)
	res.OutOfOrder = uint64(ooo)
	if lastAt > 0 {
		if el := time.Unix(0, lastAt).Sub(start); el > 0 {
			res.DeliveriesPerSec = float64(res.Deliveries) / el.Seconds()
		}
	}
	l := r.latency.Summary()
	res.Latency = &l
	return nil
}

func (r *runner) delivered() uint64 {
	var n int64
	for i := range r.stats {
		n += r.stats[i].ticks.Load()
	}
	return uint64(n)
}

// pollingClient is a simulated client over HTTP long-polling: a
// pollClient, dialed and joined here, then run by pollLoop.
func (r *runner) pollingClient(ctx context.Context, i int, ready *sync.WaitGroup) {
	t0 := time.Now()
	cctx, cancel := context.WithTimeout(ctx, r.o.ConnectTimeout)
	c, err := dialPolling(cctx, r.target, &r.dialer)
	if err == nil {
		if err = c.connect(); err != nil {
			c.close()
		}
	}
	cancel()
	if err != nil {
		r.fail(err)
		ready.Done()
		return
	}
	c.armHeartbeat()
	r.connect.Record(time.Since(t0))
	r.conns.Add(1)
	r.onClose(c.close)
	ready.Done()

	// As for WebSocket clients, the loop runs on a fresh goroutine with a
	// small stack.
	r.wg.Add(1)
	go r.pollLoop(c, i, &r.stats[i])
}

func (r *runner) setPhase(p string) { r.phase.Store(p) }

func (r *runner) setTotal(n int64) { r.total.Store(n) }
