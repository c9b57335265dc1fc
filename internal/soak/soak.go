// Package soak holds acked conversations and broadcasts against running
// Socket.IO servers for minutes, with our client and the npm
// socket.io-client, over every transport, and reports any disconnect, any
// lost ack and any growth of the servers' goroutines or memory.
//
// It exists because of issue 12: our servers dropped every WebSocket client
// that used acks 20 seconds in, and no test held a conversation past one
// ping interval. `make soak` runs it for 5 minutes against `rtlab serve
// loadtest` and `rtlab serve q18`, each a separate process; `make test`
// runs a few seconds of it (see soak_test.go).
//
// It is a package of the repository, not an rtlab subcommand, because it
// drives the npm packages of testdata/node and the fixtures' events, which
// only a checkout of rtlab has.
package soak

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"rtlab/internal/defaults"
	"rtlab/socketio"
)

// Fixture names the events a target answers.
const (
	// FixtureLoadtest is `rtlab serve loadtest`: "echo" acks its
	// arguments, "bcast" {"n","size"} sends "tick" to every client.
	FixtureLoadtest = "loadtest"
	// FixtureQ18 is `rtlab serve q18`: "save-task" {"title"} is acked
	// {"status":"ok","taskId"}. It has no broadcast.
	FixtureQ18 = "q18"
)

// Stats is a server's goroutine count and resident memory, as its debug
// listener reports them (rtlab serve --debug-addr; StartServer asks for the
// RSS after a GC that returns free memory to the OS, what the server holds
// on to). RSSKB is 0 where the platform does not say.
//
// HTTPConns is the HTTP connections open on the server, each served by a
// goroutine: how many a polling client keeps alive varies (one more for a
// POST beside its long poll, an old one after an upgrade, until it idles
// out), so the soak judges the goroutines besides them, Own.
type Stats struct {
	Goroutines int   `json:"goroutines"`
	HTTPConns  int   `json:"http_conns"`
	RSSKB      int64 `json:"rss_kb"`
}

// Own is the goroutines that do not serve an HTTP connection.
func (s Stats) Own() int { return s.Goroutines - s.HTTPConns }

// Target is one running server to soak.
type Target struct {
	Name    string // shown in the report: "loadtest"
	Fixture string // FixtureLoadtest or FixtureQ18
	URL     string // http://127.0.0.1:PORT
	// Stats reads the server's goroutines and memory; nil skips that
	// check.
	Stats func(context.Context) (Stats, error)
}

// Transports are the ways a client talks, as socket.io-client names its
// options: WebSocket only, polling only, polling then upgrade.
var Transports = []string{"websocket", "polling", "polling+upgrade"}

// Options configures Run. A nil *Options gives the defaults.
type Options struct {
	// Duration of the conversations once every client is in. Default 5m.
	Duration time.Duration
	// Clients per transport, for each of our client and the npm client.
	// Default 2.
	Clients int
	// EmitEvery is the pause between an ack and the client's next emit.
	// Default 100ms.
	EmitEvery time.Duration
	// BroadcastEvery is how often a broadcast is asked for (loadtest
	// only). Default 500ms.
	BroadcastEvery time.Duration
	// AckTimeout: an ack later than this is lost. Default 10s.
	AckTimeout time.Duration
	// Tolerance is the growth of goroutines and RSS allowed from the start
	// of the conversations to their end. Default 0.10.
	Tolerance float64
	// GoroutineSlack is how many goroutines more than at the start the end
	// may have however small the base: a server holds about ten of its
	// own, and a session reading a pong (for 50 ms after each message) or
	// a long poll between two GETs adds one for a moment, 10 % on its own.
	// A leak over minutes of acks is hundreds. Default 3.
	GoroutineSlack int
	// NodeDir is testdata/node, with its npm packages installed; "" runs
	// our client only.
	NodeDir string
	// Node is the node binary. Default "node".
	Node string
	// Log receives progress lines. Default io.Discard.
	Log io.Writer
}

func (o *Options) withDefaults() Options {
	out := defaults.Copy(o)
	defaults.Positive(&out.Duration, 5*time.Minute)
	defaults.Positive(&out.Clients, 2)
	defaults.Positive(&out.EmitEvery, 100*time.Millisecond)
	defaults.Positive(&out.BroadcastEvery, 500*time.Millisecond)
	defaults.Positive(&out.AckTimeout, 10*time.Second)
	defaults.Positive(&out.Tolerance, 0.10)
	defaults.Positive(&out.GoroutineSlack, 3)
	defaults.Zero(&out.Node, "node")
	defaults.Zero(&out.Log, io.Discard)
	return out
}

// warmup is how long the conversations run before the servers' start
// sample: a Go heap grows for its first GC cycles, which is no leak.
func (o *Options) warmup() time.Duration {
	return min(max(o.Duration/10, time.Second), 30*time.Second)
}

// ClientReport is what one client saw.
type ClientReport struct {
	Kind       string   `json:"kind"` // "go" or "node"
	Transport  string   `json:"transport"`
	Acks       int      `json:"acks"`
	Lost       int      `json:"lost"`
	Bad        []string `json:"bad,omitempty"`
	Disconnect string   `json:"disconnect,omitempty"`
	Ticks      int      `json:"ticks"`
	Pings      int      `json:"pings,omitempty"` // node only: heartbeats seen
}

// TargetReport is one server's soak.
type TargetReport struct {
	Name       string         `json:"name"`
	URL        string         `json:"url"`
	Seconds    float64        `json:"seconds"`
	Broadcasts int            `json:"broadcasts"`
	Clients    []ClientReport `json:"clients"`
	Start      *Stats         `json:"start,omitempty"`
	End        *Stats         `json:"end,omitempty"`
	// Problems says what went wrong, one sentence each; empty is a pass.
	Problems []string `json:"problems,omitempty"`
}

// Report is a soak of every target.
type Report struct {
	Targets []TargetReport `json:"targets"`
}

// OK reports whether no target had a problem.
func (r *Report) OK() bool {
	for _, t := range r.Targets {
		if len(t.Problems) > 0 {
			return false
		}
	}
	return true
}

// Run soaks every target at once and returns what each saw. The error is
// for a soak that could not run (a client that could not connect, node
// failing to start); what went wrong during the soak is in the report.
func Run(ctx context.Context, targets []Target, opts *Options) (*Report, error) {
	o := opts.withDefaults()
	rep := &Report{Targets: make([]TargetReport, len(targets))}
	errs := make([]error, len(targets))
	var wg sync.WaitGroup
	for i, t := range targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rep.Targets[i], errs[i] = soakOne(ctx, t, &o)
		}()
	}
	wg.Wait()
	return rep, errors.Join(errs...)
}

// goClient is one of our clients in a soak.
type goClient struct {
	rep   ClientReport
	c     *socketio.Client
	s     *socketio.ClientSocket
	ticks atomic.Int64
	mu    sync.Mutex // rep while the loop runs
}

// soakOne soaks one target: connect every client, converse for
// o.Duration with the server's stats read near the start and at the end,
// then collect what each client saw and judge it.
func soakOne(ctx context.Context, t Target, o *Options) (TargetReport, error) {
	tr := TargetReport{Name: t.Name, URL: t.URL}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	// Every client connects first, so that each one should see every
	// broadcast.
	var gcs []*goClient
	defer func() {
		for _, g := range gcs {
			g.c.Close()
		}
	}()
	for _, tp := range Transports {
		for range o.Clients {
			g, err := dialGo(ctx, t, tp, o)
			if err != nil {
				return tr, fmt.Errorf("%s: our %s client: %w", t.Name, tp, err)
			}
			gcs = append(gcs, g)
		}
	}
	var nc *nodeClients
	if o.NodeDir != "" {
		var err error
		if nc, err = startNode(ctx, t, o); err != nil {
			return tr, fmt.Errorf("%s: npm socket.io-client: %w", t.Name, err)
		}
		defer nc.close()
	}
	var bc *goClient
	if t.Fixture == FixtureLoadtest {
		var err error
		if bc, err = dialGo(ctx, t, "websocket", o); err != nil {
			return tr, fmt.Errorf("%s: broadcaster: %w", t.Name, err)
		}
		defer bc.c.Close()
	}
	fmt.Fprintf(o.Log, "soak %s: %d clients in, conversing for %v\n", t.Name, len(gcs)+len(Transports)*o.Clients, o.Duration)

	converse(ctx, t, o, &tr, gcs, bc, &quiet{node: nc})
	collect(&tr, o, gcs, nc)
	tr.Problems = append(tr.Problems, judge(&tr, t.Fixture, o)...)
	return tr, nil
}

// converse runs every client's conversation, and bc's broadcasts when
// there is a broadcaster, for o.Duration, reading the server's stats
// after the warm-up and at the end, and records in tr how long it took,
// how many broadcasts went out and what went wrong.
func converse(ctx context.Context, t Target, o *Options, tr *TargetReport, gcs []*goClient, bc *goClient, q *quiet) {
	start := time.Now()
	stop := make(chan struct{})
	var loops sync.WaitGroup
	for _, g := range gcs {
		loops.Add(1)
		go func() {
			defer loops.Done()
			g.converse(ctx, t.Fixture, stop, q, o)
		}()
	}
	var broadcasts atomic.Int64
	var bcastProblem atomic.Value
	if bc != nil {
		loops.Add(1)
		go func() {
			defer loops.Done()
			if err := bc.broadcast(ctx, stop, q, &broadcasts, o); err != nil {
				bcastProblem.Store(err.Error())
			}
		}()
	}

	wait := func(d time.Duration) bool {
		tm := time.NewTimer(d)
		defer tm.Stop()
		select {
		case <-tm.C:
			return true
		case <-ctx.Done():
			return false
		}
	}
	if t.Stats != nil && wait(o.warmup()) {
		if st, err := q.sample(ctx, t.Stats); err == nil {
			tr.Start = &st
			fmt.Fprintf(o.Log, "soak %s: server at start: %s\n", t.Name, st)
		} else {
			tr.Problems = append(tr.Problems, "the server's stats could not be read at the start: "+err.Error())
		}
	}
	wait(o.Duration - time.Since(start))
	if t.Stats != nil && tr.Start != nil {
		// While every client is still in: the same load as at the start.
		if st, err := q.sample(ctx, t.Stats); err == nil {
			tr.End = &st
		} else {
			tr.Problems = append(tr.Problems, "the server's stats could not be read at the end: "+err.Error())
		}
	}
	close(stop)
	loops.Wait()
	tr.Seconds = time.Since(start).Seconds()
	tr.Broadcasts = int(broadcasts.Load())
	if p, ok := bcastProblem.Load().(string); ok {
		tr.Problems = append(tr.Problems, p)
	}
}

// collect waits, as long as an ack may take, for the last broadcasts to
// reach every client still connected, then adds each client's report to
// tr: ours, and the npm ones' when there are.
func collect(tr *TargetReport, o *Options, gcs []*goClient, nc *nodeClients) {
	want := int64(tr.Broadcasts)
	for deadline := time.Now().Add(o.AckTimeout); time.Now().Before(deadline); {
		behind := false
		for _, g := range gcs {
			if g.ticks.Load() < want && !g.ended() {
				behind = true
			}
		}
		if !behind {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, g := range gcs {
		g.mu.Lock()
		g.rep.Ticks = int(g.ticks.Load())
		if g.rep.Disconnect == "" && g.ended() {
			g.rep.Disconnect = string(g.s.Reason())
		}
		tr.Clients = append(tr.Clients, g.rep)
		g.mu.Unlock()
	}
	if nc != nil {
		reps, err := nc.stop(tr.Broadcasts)
		if err != nil {
			tr.Problems = append(tr.Problems, "npm socket.io-client: "+err.Error())
		}
		tr.Clients = append(tr.Clients, reps...)
	}
}

// quiet pauses every client's emits while a server's stats are read, so
// that the start and the end are read alike: every client connected, none
// in the middle of a conversation (a WebSocket session being read or
// written holds a goroutine for the while; an idle one holds none).
type quiet struct {
	mu   sync.RWMutex // read-held by each emit, held by sample
	node *nodeClients // nil when there is none
}

// emit runs f unless a sample is being taken, then after it.
func (q *quiet) emit(f func()) {
	q.mu.RLock()
	defer q.mu.RUnlock()
	f()
}

// sample waits for the emits in flight, pauses the npm clients, lets the
// last acks land, and reads the stats.
func (q *quiet) sample(ctx context.Context, f func(context.Context) (Stats, error)) (Stats, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.node != nil {
		if err := q.node.send("pause"); err != nil {
			return Stats{}, err
		}
		defer q.node.send("resume")
	}
	time.Sleep(300 * time.Millisecond)
	return sample(ctx, f)
}

// sample reads a server's stats twenty times over a second and keeps
// the reading with the fewest goroutines of its own, and the last RSS: a
// timer firing or a request in flight adds a goroutine for a moment, a
// leak adds it for good.
func sample(ctx context.Context, f func(context.Context) (Stats, error)) (Stats, error) {
	var out Stats
	for i := range 20 {
		if i > 0 {
			time.Sleep(50 * time.Millisecond)
		}
		st, err := f(ctx)
		if err != nil {
			return out, err
		}
		if i == 0 || st.Own() < out.Own() {
			out.Goroutines, out.HTTPConns = st.Goroutines, st.HTTPConns
		}
		out.RSSKB = st.RSSKB
	}
	return out, nil
}

func (s Stats) String() string {
	g := fmt.Sprintf("%d goroutines (%d of its own, %d serving HTTP connections)", s.Goroutines, s.Own(), s.HTTPConns)
	if s.RSSKB == 0 {
		return g + ", RSS not available on this platform"
	}
	return fmt.Sprintf("%s, RSS %.1f MB", g, float64(s.RSSKB)/1024)
}

// judge lists what a target's report shows went wrong.
func judge(tr *TargetReport, fixture string, o *Options) []string {
	var out []string
	for _, c := range tr.Clients {
		who := fmt.Sprintf("%s client (%s)", c.Kind, c.Transport)
		if c.Disconnect != "" {
			// What it missed afterwards follows from this.
			out = append(out, fmt.Sprintf("%s was disconnected: %s (after %d acks)", who, c.Disconnect, c.Acks))
			continue
		}
		if c.Lost > 0 {
			out = append(out, fmt.Sprintf("%s lost %d acks (none within %v)", who, c.Lost, o.AckTimeout))
		}
		if len(c.Bad) > 0 {
			out = append(out, fmt.Sprintf("%s got %d wrong acks, such as %s", who, len(c.Bad), c.Bad[0]))
		}
		if c.Acks == 0 {
			out = append(out, who+" got no ack at all")
		}
		if fixture == FixtureLoadtest && c.Ticks < tr.Broadcasts {
			out = append(out, fmt.Sprintf("%s received %d of %d broadcasts", who, c.Ticks, tr.Broadcasts))
		}
	}
	if fixture == FixtureLoadtest && tr.Broadcasts == 0 {
		out = append(out, "no broadcast was acknowledged")
	}
	if tr.Start != nil && tr.End != nil {
		if g := growth(tr.Start.Own(), tr.End.Own()); g > o.Tolerance && tr.End.Own()-tr.Start.Own() > o.GoroutineSlack {
			out = append(out, fmt.Sprintf("the server's own goroutines grew %.0f%% (from %d to %d, HTTP connections aside), more than %.0f%% and %d: a leak",
				g*100, tr.Start.Own(), tr.End.Own(), o.Tolerance*100, o.GoroutineSlack))
		}
		if tr.Start.RSSKB > 0 && tr.End.RSSKB > 0 {
			if g := growth(int(tr.Start.RSSKB), int(tr.End.RSSKB)); g > o.Tolerance {
				out = append(out, fmt.Sprintf("the server's RSS grew %.0f%% (from %d KB to %d KB), more than %.0f%%",
					g*100, tr.Start.RSSKB, tr.End.RSSKB, o.Tolerance*100))
			}
		}
	}
	return out
}

// growth is (to-from)/from; a fall is no growth (memory handed back, or
// fewer requests in flight) and counts as 0.
func growth(from, to int) float64 {
	if from <= 0 || to <= from {
		return 0
	}
	return float64(to-from) / float64(from)
}

func dialGo(ctx context.Context, t Target, transport string, o *Options) (*goClient, error) {
	co := &socketio.ClientOptions{Transport: transport, AckTimeout: o.AckTimeout}
	if transport == "polling+upgrade" {
		co.Transport, co.Upgrade = "polling", true
	}
	c, err := socketio.Dial(ctx, t.URL, co)
	if err != nil {
		return nil, err
	}
	g := &goClient{c: c, rep: ClientReport{Kind: "go", Transport: transport}}
	g.s = c.NewSocket("/")
	g.s.On("tick", func(*socketio.Event) { g.ticks.Add(1) })
	if err := g.s.Connect(ctx, nil); err != nil {
		c.Close()
		return nil, err
	}
	return g, nil
}

func (g *goClient) ended() bool {
	select {
	case <-g.s.Done():
		return true
	default:
		return false
	}
}

// converse emits the fixture's acked event, one at a time, until stop.
func (g *goClient) converse(ctx context.Context, fixture string, stop <-chan struct{}, q *quiet, o *Options) {
	pause := time.NewTimer(0)
	defer pause.Stop()
	for i := 1; ; i++ {
		select {
		case <-stop:
			return
		case <-ctx.Done():
			return
		case <-g.s.Done():
			g.mu.Lock()
			g.rep.Disconnect = string(g.s.Reason())
			g.mu.Unlock()
			return
		case <-pause.C:
		}
		event, arg := "echo", any(map[string]any{"i": i, "from": "go"})
		if fixture == FixtureQ18 {
			event, arg = "save-task", map[string]any{"title": fmt.Sprintf("soak task %d", i)}
		}
		var args []json.RawMessage
		var err error
		q.emit(func() {
			actx, cancel := context.WithTimeout(ctx, o.AckTimeout)
			args, err = g.s.EmitWithAck(actx, event, arg)
			cancel()
		})
		g.mu.Lock()
		switch {
		case err != nil && g.ended():
			// Counted as the disconnect.
		case err != nil:
			g.rep.Lost++
		case !ackOK(fixture, i, args):
			if len(g.rep.Bad) < 3 {
				g.rep.Bad = append(g.rep.Bad, fmt.Sprintf("%s", args))
			}
		default:
			g.rep.Acks++
		}
		g.mu.Unlock()
		pause.Reset(o.EmitEvery)
	}
}

// ackOK checks an ack against the fixture's contract.
func ackOK(fixture string, i int, args []json.RawMessage) bool {
	if len(args) == 0 {
		return false
	}
	if fixture == FixtureQ18 {
		var a struct{ Status, TaskID string }
		return json.Unmarshal(args[0], &a) == nil && a.Status == "ok" && a.TaskID != ""
	}
	var a struct {
		I    int    `json:"i"`
		From string `json:"from"`
	}
	return json.Unmarshal(args[0], &a) == nil && a.I == i && a.From == "go"
}

// broadcast asks the loadtest fixture for one tick to every client every
// BroadcastEvery, counting the acknowledged ones.
func (g *goClient) broadcast(ctx context.Context, stop <-chan struct{}, q *quiet, n *atomic.Int64, o *Options) error {
	tick := time.NewTicker(o.BroadcastEvery)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return nil
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		var args []json.RawMessage
		var err error
		q.emit(func() {
			actx, cancel := context.WithTimeout(ctx, o.AckTimeout)
			args, err = g.s.EmitWithAck(actx, "bcast", map[string]int{"n": 1, "size": 16})
			cancel()
		})
		if err != nil {
			return fmt.Errorf("the broadcaster's bcast got no ack after %d broadcasts: %w", n.Load(), err)
		}
		var a struct{ Sent int }
		if len(args) == 0 || json.Unmarshal(args[0], &a) != nil || a.Sent != 1 {
			return fmt.Errorf("the bcast ack was %s, want {\"sent\":1,...}", args)
		}
		n.Add(1)
	}
}

// sortClients orders a report's clients for printing: ours, then npm's,
// by transport.
func sortClients(cs []ClientReport) {
	sort.SliceStable(cs, func(i, j int) bool {
		if cs[i].Kind != cs[j].Kind {
			return cs[i].Kind == "go"
		}
		return cs[i].Transport < cs[j].Transport
	})
}
