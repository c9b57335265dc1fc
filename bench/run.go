package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"time"

	"rtlab/internal/sysstat"
)

// Run measures every transport of o, one after another, each with its own
// server and o.Users clients in this process, and returns the results. A
// transport that fails is reported in its row and the run goes on; Run
// returns an error only for bad options or a cancelled ctx.
func Run(ctx context.Context, o *Options) (*Results, error) {
	opts := o.withDefaults()
	if err := opts.validate(); err != nil {
		return nil, err
	}
	res := newResults(&opts)
	if _, err := sysstat.RaiseFileLimit(); sysstat.IsNotMeasured(err) {
		res.NotMeasured = append(res.NotMeasured, err.Error())
	}
	if !tcpInfoAvailable {
		res.NotMeasured = append(res.NotMeasured, "not measured on "+runtime.GOOS+": wire bytes, segments and pure ACKs (TCP_INFO)")
	}
	if _, err := sysstat.CPUTime(); err != nil {
		res.NotMeasured = append(res.NotMeasured, err.Error())
	}
	start := time.Now()
	for _, name := range opts.Transports {
		if ctx.Err() != nil {
			break
		}
		tr := runTransport(ctx, &opts, lookupTransport(name), res.Config)
		res.Transports = append(res.Transports, tr)
	}
	res.Seconds = round3(time.Since(start).Seconds())
	if rss, err := sysstat.PeakRSS(); err == nil {
		res.PeakRSSBytes = rss
	} else {
		res.NotMeasured = append(res.NotMeasured, err.Error())
	}
	return res, ctx.Err()
}

func newResults(o *Options) *Results {
	headers := "browser"
	if o.MinimalHeaders {
		headers = "minimal"
	}
	r := &Results{
		Version: ResultsVersion,
		Started: time.Now().UTC().Truncate(time.Second),
		Host:    Host{GOOS: runtime.GOOS, GOARCH: runtime.GOARCH, CPUs: runtime.NumCPU(), GoVersion: runtime.Version()},
		Config: Config{
			Users: o.Users, IntervalSeconds: o.Interval.Seconds(), WarmupSeconds: o.Warmup.Seconds(),
			WindowSeconds: o.Window.Seconds(), PayloadBytes: o.Payload, Headers: headers,
		},
	}
	r.Config.TCPIPHeaderBytes, r.Config.TCPIPHeaderNote = probeTCPIPHeader()
	return r
}

// probeTCPIPHeader measures what each segment of a loopback connection
// carries in IP and TCP headers: 20 B of IPv4, 20 B of TCP, and 12 B more
// when the kernel negotiated the timestamps option (Linux does by default).
func probeTCPIPHeader() (int, string) {
	const base = "IPv4 20 B + TCP 20 B"
	const rest = "; SYN options (MSS, window scale, SACK) and link-layer headers not counted"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 52, base + " + timestamps 12 B (assumed: " + err.Error() + ")" + rest
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			accepted <- nil
			return
		}
		accepted <- c
	}()
	d, err := net.DialTimeout("tcp", ln.Addr().String(), 5*time.Second)
	if err != nil {
		return 52, base + " + timestamps 12 B (assumed: " + err.Error() + ")" + rest
	}
	defer d.Close()
	var sc net.Conn
	select {
	case sc = <-accepted:
	case <-time.After(5 * time.Second):
	}
	if sc == nil {
		return 52, base + " + timestamps 12 B (assumed: loopback accept failed)" + rest
	}
	defer sc.Close()
	tc, ok := readTCPInfo(sc)
	switch {
	case !ok:
		return 52, base + " + timestamps 12 B (assumed: no TCP_INFO here)" + rest
	case tc.Timestamps:
		return 52, base + " + timestamps option 12 B (TCP_INFO: timestamps on)" + rest
	default:
		return 40, base + " (TCP_INFO: timestamps off)" + rest
	}
}

// runTransport measures one transport: start its server, connect the users,
// publish updates, warm up, measure the window, drain, and tear everything
// down before returning.
func runTransport(ctx context.Context, o *Options, t *transport, cfg Config) TransportResult {
	r := TransportResult{Name: t.name, Description: t.description, Promise: t.promise, Users: o.Users, Status: "ok"}
	exerciseOnly(&r, cfg) // replaced by the full model when the run succeeds
	progress := func(ev ProgressEvent) {
		if o.Progress != nil {
			ev.Transport = t.name
			ev.Total = o.Warmup + o.Window
			o.Progress(ev)
		}
	}
	if t.available != nil {
		if ok, why := t.available(); !ok {
			r.Status, r.Reason = "not run", why
			exerciseOnly(&r, cfg)
			progress(ProgressEvent{Phase: PhaseDone, Done: true, Err: errors.New(why)})
			return r
		}
	}
	runtime.GC()
	debug.FreeOSMemory()

	trk := newTracker()
	h := newHub(o, trk)
	srv, err := startServer(t, h)
	if err != nil {
		r.Status, r.Reason = "failed", err.Error()
		return r
	}
	mem := startMemSampler()
	ce := newClientEnv()
	us := startUsers(ctx, t, h, ce)

	// Teardown releases held requests, stops the clients while the server
	// still answers (so their goodbyes are quick), then closes the server.
	teardown := func() {
		close(h.stop)
		us.cancel()
		waitTimeout(&us.clients, 10*time.Second)
		ce.close()
		srv.close(h)
		mem.stop()
	}

	progress(ProgressEvent{Phase: PhaseConnect})
	if why := us.waitConnected(ctx, o); why != "" {
		teardown()
		r.Status, r.Reason = "failed", why
		return r
	}
	r.Updates.ConnectFailures = us.connectFailures.Load()
	if r.Updates.ConnectFailures == int64(o.Users) {
		teardown()
		r.Status, r.Reason = "failed", fmt.Sprintf("no user connected: %v", us.firstErr.Load())
		return r
	}

	w, err := measure(ctx, o, h, trk, progress)
	if err != nil {
		teardown()
		r.Status, r.Reason = "failed", err.Error()
		return r
	}

	// Drain: wait for what was published to arrive.
	drainEnd := time.Now().Add(o.Drain)
	for h.delivered.Load() < h.published.Load() && time.Now().Before(drainEnd) && ctx.Err() == nil {
		time.Sleep(20 * time.Millisecond)
	}
	teardown()
	r.PeakMemBytes = mem.peak()

	account(&r, cfg, h, w)
	progress(ProgressEvent{Phase: PhaseDone, Elapsed: o.Warmup + o.Window, Delivered: h.delivered.Load(), Done: true})
	return r
}

// users are the clients of one run, each on its goroutine until cancel.
type users struct {
	cancel          context.CancelFunc
	clients         sync.WaitGroup
	connectFailures atomic.Int64
	firstErr        atomic.Value
	ready           chan struct{} // one value a user, once it is connected or has given up
}

// startUsers starts a client for every user of h, 64 of them connecting
// at once.
func startUsers(ctx context.Context, t *transport, h *hub, ce *clientEnv) *users {
	us := &users{ready: make(chan struct{}, len(h.users))}
	cctx, cancel := context.WithCancel(ctx)
	us.cancel = cancel
	sem := make(chan struct{}, 64) // users connecting at once
	for _, u := range h.users {
		us.clients.Add(1)
		go func() {
			defer us.clients.Done()
			select {
			case sem <- struct{}{}:
			case <-cctx.Done():
				us.ready <- struct{}{}
				return
			}
			var once sync.Once
			ready := func() { once.Do(func() { <-sem; us.ready <- struct{}{} }) }
			err := t.client(cctx, h, ce, u, ready)
			once.Do(func() { // returned before it was ready: it never connected
				us.connectFailures.Add(1)
				<-sem
				us.ready <- struct{}{}
			})
			// The teardown closes h.stop before it cancels cctx: a stream
			// the server ends in between is the teardown's, not a fault.
			if err != nil && cctx.Err() == nil && !h.stopping() {
				h.errors.Add(1)
				us.firstErr.CompareAndSwap(nil, err)
			}
		}()
	}
	return us
}

// waitConnected waits until every user is connected or has given up, and
// says why the run cannot go on ("" when it can): the connect timeout
// passed or ctx ended.
func (us *users) waitConnected(ctx context.Context, o *Options) string {
	deadline := time.NewTimer(o.ConnectTimeout)
	defer deadline.Stop()
	for n := 0; n < o.Users; n++ {
		select {
		case <-us.ready:
		case <-deadline.C:
			return fmt.Sprintf("%d of %d users connected within %v", n, o.Users, o.ConnectTimeout)
		case <-ctx.Done():
			return ctx.Err().Error()
		}
	}
	return ""
}

// window is what the measurement window saw: the tracker's counts and the
// process's CPU time at its two ends, and the TCP counters over it.
type window struct {
	s0, s1     snapshot
	cpu0, cpu1 time.Duration
	start, end int64 // UnixNano
	tcp        tcpCounts
	tcpOK      bool
}

// measure publishes updates through the warm-up and the window, reporting
// progress every 250ms, and returns what the window saw; an error when
// ctx ends first.
func measure(ctx context.Context, o *Options, h *hub, trk *tracker, progress func(ProgressEvent)) (window, error) {
	schedStop := make(chan struct{})
	schedDone := make(chan struct{})
	go func() { defer close(schedDone); h.schedule(schedStop) }()
	defer func() {
		close(schedStop)
		<-schedDone
	}()
	start := time.Now()
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	var w window
	phase := PhaseWarmup
	phaseTimer := time.NewTimer(o.Warmup)
	defer phaseTimer.Stop()
	for phase != PhaseDrain {
		select {
		case <-ctx.Done():
			return w, ctx.Err()
		case <-phaseTimer.C:
			if phase == PhaseWarmup {
				trk.startWindow()
				w.s0, w.cpu0, w.start = trk.snapshot(), cpuTime(), time.Now().UnixNano()
				phase = PhaseWindow
				phaseTimer.Reset(o.Window)
			} else {
				w.s1, w.cpu1, w.end = trk.snapshot(), cpuTime(), time.Now().UnixNano()
				w.tcp, w.tcpOK = trk.endWindow()
				phase = PhaseDrain
			}
		case now := <-tick.C:
			progress(ProgressEvent{Phase: phase, Elapsed: min(now.Sub(start), o.Warmup+o.Window), Delivered: h.delivered.Load()})
		}
	}
	return w, nil
}

// account fills r from what the window w saw: bytes, requests and CPU,
// per minute, the updates sent in the window and their latency, and the
// model.
func account(r *TransportResult, cfg Config, h *hub, w window) {
	win := time.Duration(w.end - w.start)
	r.WindowSeconds = round3(win.Seconds())
	d := w.s1.sub(w.s0)
	r.App = AppBytes{In: d.read, InHeaders: d.read, Out: d.written, OutPayload: d.payloadOut, OutHeaders: d.written - d.payloadOut}
	r.Requests, r.Connections, r.Messages = d.requests, d.accepted, d.messages
	r.CPUSeconds = round3((w.cpu1 - w.cpu0).Seconds())
	if w.tcpOK {
		tcp, hdr := w.tcp, int64(cfg.TCPIPHeaderBytes)
		r.Wire = WireBytes{
			Available: true, SegmentsOut: tcp.SegsOut, SegmentsIn: tcp.SegsIn,
			DataSegmentsOut: tcp.DataSegsOut, DataSegmentsIn: tcp.DataSegsIn,
			PureACKs:    (tcp.SegsOut - tcp.DataSegsOut) + (tcp.SegsIn - tcp.DataSegsIn),
			Out:         tcp.BytesAcked + tcp.SegsOut*hdr,
			In:          tcp.BytesRecv + tcp.SegsIn*hdr,
			HeaderBytes: (tcp.SegsOut + tcp.SegsIn) * hdr,
		}
	}
	scale := 60 / win.Seconds()
	r.PerMinute = PerMinute{
		AppBytes: round3(float64(r.App.Total()) * scale), AppOut: round3(float64(r.App.Out) * scale), AppIn: round3(float64(r.App.In) * scale),
		WireBytes: round3(float64(r.Wire.Total()) * scale),
		Requests:  round3(float64(r.Requests) * scale), Connections: round3(float64(r.Connections) * scale),
	}
	kind := "delivery"
	if r.Name == "short-polling" {
		kind = "staleness"
	}
	var lat []int64
	for _, u := range h.users {
		for seq := 1; seq < len(u.sentAt); seq++ {
			sent := u.sentAt[seq].Load()
			if sent == 0 || sent < w.start || sent >= w.end {
				continue
			}
			r.Updates.Sent++
			if recv := u.recvAt[seq].Load(); recv != 0 {
				r.Updates.Delivered++
				lat = append(lat, recv-sent)
			}
		}
	}
	r.Updates.Missing = r.Updates.Sent - r.Updates.Delivered
	r.Updates.Duplicates = h.dups.Load()
	r.Updates.ClientErrors = h.errors.Load()
	r.Latency = latencyStats(kind, lat)
	if r.Promise && r.Updates.Missing > 0 {
		r.Reason = fmt.Sprintf("%d of %d updates went missing although %s promises delivery", r.Updates.Missing, r.Updates.Sent, r.Name)
	}
	model(r, cfg)
}

// server is the server side of one transport's run on a loopback port.
type server struct {
	srv      *http.Server
	handlers sync.WaitGroup
	served   chan struct{}
}

// startServer serves t's handler for h on 127.0.0.1 through h's tracker and
// sets h.base.
func startServer(t *transport, h *hub) (*server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &server{served: make(chan struct{})}
	inner := t.handler(h)
	s.srv = &http.Server{
		Handler: h.tr.countRequests(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			s.handlers.Add(1)
			defer s.handlers.Done()
			inner.ServeHTTP(w, req)
		})),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	go func() { defer close(s.served); s.srv.Serve(h.tr.listener(ln)) }()
	h.base = "http://" + ln.Addr().String()
	return s, nil
}

// close stops the server: it closes every connection, runs h's closers,
// and waits for the handlers and background goroutines. h.stop must be
// closed first, so that held requests return.
func (s *server) close(h *hub) {
	s.srv.Close()
	h.closeBackground(10 * time.Second)
	waitTimeout(&s.handlers, 10*time.Second)
	<-s.served
}

// waitTimeout waits for wg, at most d: a stuck goroutine must not hang the
// bench (goleak in the tests reports it instead).
func waitTimeout(wg *sync.WaitGroup, d time.Duration) {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(d):
	}
}

// cpuTime is the process's user plus system CPU time, zero where the
// platform does not count it (Results.NotMeasured says so).
func cpuTime() time.Duration {
	d, _ := sysstat.CPUTime()
	return d
}

// memSampler records the peak of the Go runtime's memory (mapped minus
// released to the OS) while a transport runs. Peak RSS cannot be reset per
// transport; this can.
type memSampler struct {
	done chan struct{}
	wg   sync.WaitGroup
	max  atomic.Int64
}

func startMemSampler() *memSampler {
	m := &memSampler{done: make(chan struct{})}
	samples := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	read := func() {
		metrics.Read(samples)
		if samples[0].Value.Kind() != metrics.KindUint64 || samples[1].Value.Kind() != metrics.KindUint64 {
			return
		}
		v := int64(samples[0].Value.Uint64() - samples[1].Value.Uint64())
		for {
			old := m.max.Load()
			if v <= old || m.max.CompareAndSwap(old, v) {
				return
			}
		}
	}
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			read()
			select {
			case <-m.done:
				return
			case <-t.C:
			}
		}
	}()
	return m
}

func (m *memSampler) stop()       { close(m.done); m.wg.Wait() }
func (m *memSampler) peak() int64 { return m.max.Load() }
