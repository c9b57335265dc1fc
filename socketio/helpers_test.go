package socketio

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"rtlab/engineio"
	"rtlab/internal/nodetest"
)

// testServer is our Server with the same fixture behaviour as
// testdata/node/sio-server.js, on a loopback httptest server.
type testServer struct {
	*Server
	URL string

	mu      sync.Mutex
	reasons []string // "nsp reason" per server-side disconnect
	events  chan string
}

func newTestServer(t *testing.T, eo *engineio.ServerOptions) *testServer {
	t.Helper()
	ts := &testServer{events: make(chan string, 256)}
	ts.Server = NewServer(&ServerOptions{Engine: eo})
	setup := func(n *Namespace) {
		n.OnConnect(func(s *Socket) {
			s.OnDisconnect(func(r Reason) {
				ts.mu.Lock()
				ts.reasons = append(ts.reasons, n.Name()+" "+string(r))
				ts.mu.Unlock()
				select {
				case ts.events <- "disconnect " + n.Name() + " " + string(r):
				default:
				}
			})
			s.On("echo", func(e *Event) {
				args := make([]any, len(e.Args))
				for i, a := range e.Args {
					if b, ok := e.Bytes(i); ok {
						args[i] = b
					} else {
						args[i] = a
					}
				}
				if e.HasAck() {
					e.Ack(args...)
				} else {
					s.Emit("echo", args...)
				}
			})
			s.On("whoami", func(e *Event) {
				if e.HasAck() {
					e.Ack(map[string]any{"id": s.ID(), "auth": s.Handshake().Auth, "nsp": n.Name(),
						"query": s.Handshake().Query.Get("q"), "transport": s.Transport()})
				}
			})
			s.On("ask", func(e *Event) {
				var payload json.RawMessage
				e.Bind(0, &payload)
				ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
				defer cancel()
				reply, err := s.EmitWithAck(ctx, "question", payload)
				if err != nil {
					s.Emit("answer", map[string]string{"error": err.Error()})
				} else {
					args := make([]any, len(reply))
					for i, r := range reply {
						args[i] = r
					}
					s.Emit("answer", args...)
				}
				if e.HasAck() {
					e.Ack("asked")
				}
			})
			s.On("binary", func(e *Event) {
				var b []byte
				if err := e.Bind(0, &b); err != nil {
					return
				}
				out := make([]byte, len(b))
				for i := range b {
					out[len(b)-1-i] = b[i]
				}
				if e.HasAck() {
					e.Ack(out, map[string]int{"len": len(b)})
				} else {
					s.Emit("binary", out, map[string]int{"len": len(b)})
				}
			})
			str := func(e *Event, i int) string { var v string; e.Bind(i, &v); return v }
			s.On("join", func(e *Event) {
				s.Join(str(e, 0))
				if e.HasAck() {
					e.Ack("ok")
				}
			})
			s.On("leave", func(e *Event) {
				s.Leave(str(e, 0))
				if e.HasAck() {
					e.Ack("ok")
				}
			})
			s.On("to-room", func(e *Event) { s.To(str(e, 0)).Emit(str(e, 1), arg(e, 2)) })
			s.On("io-to-room", func(e *Event) { n.To(str(e, 0)).Emit(str(e, 1), arg(e, 2)) })
			s.On("broadcast", func(e *Event) { s.Broadcast().Emit(str(e, 0), arg(e, 1)) })
			s.On("except", func(e *Event) { n.Except(str(e, 0)).Emit(str(e, 1), arg(e, 2)) })
			s.On("room-size", func(e *Event) {
				if e.HasAck() {
					e.Ack(n.RoomSize(str(e, 0)))
				}
			})
			s.On("disconnect-me", func(e *Event) { s.Disconnect(false) })
			s.On("close-me", func(e *Event) { s.Disconnect(true) })
		})
	}
	setup(ts.Of("/"))
	setup(ts.Of("/admin"))
	ts.Of("/refused").Use(func(s *Socket) error {
		return &ConnectError{Message: "not allowed", Data: map[string]any{"reason": "test", "code": 42}}
	})
	ts.URL = serveLoopback(t, ts.Server)
	return ts
}

// serveLoopback serves srv (ours, or a bare Engine.IO server) on a
// loopback listener until the end of the test and returns its base URL.
// srv is closed before the listener: httptest waits for every request in
// flight, and only srv can let go of the polls it holds.
func serveLoopback(t *testing.T, srv interface {
	http.Handler
	Close() error
}) string {
	t.Helper()
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		srv.Close()
		hs.Close()
	})
	return hs.URL
}

func arg(e *Event, i int) any {
	if i < len(e.Args) {
		return e.Args[i]
	}
	return nil
}

// waitEvent waits for a server-side observation starting with one of
// prefixes.
func (ts *testServer) waitEvent(t *testing.T, prefixes ...string) string {
	t.Helper()
	deadline := time.After(5 * time.Second)
	var seen []string
	for {
		select {
		case ev := <-ts.events:
			for _, p := range prefixes {
				if strings.HasPrefix(ev, p) {
					return ev
				}
			}
			seen = append(seen, ev)
		case <-deadline:
			t.Fatalf("server: none of %q within 5s (saw %q)", prefixes, seen)
			return ""
		}
	}
}

// nodeClient runs testdata/node/sio-client.js against url with cfg and
// returns its step results, failing the test on "fail".
func nodeClient(t *testing.T, url string, cfg map[string]any) []map[string]any {
	t.Helper()
	b, _ := json.Marshal(cfg)
	p := nodetest.Start(t, "sio-client.js", url, string(b))
	var steps []map[string]any
	for {
		l, err := p.Line(20 * time.Second)
		if err != nil {
			t.Fatalf("sio-client.js: %v", err)
		}
		switch {
		case strings.HasPrefix(l, "step "):
			var m map[string]any
			if err := json.Unmarshal([]byte(l[5:]), &m); err != nil {
				t.Fatalf("sio-client.js printed %q: %v", l, err)
			}
			steps = append(steps, m)
		case l == "done":
			return steps
		case strings.HasPrefix(l, "fail"):
			t.Fatalf("sio-client.js: %s (steps so far %v)\nstderr: %s", l, steps, p.Stderr())
		}
	}
}

func jsonEq(t *testing.T, want string, got any) {
	t.Helper()
	b, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	var w, g any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad want %s: %v", want, err)
	}
	json.Unmarshal(b, &g)
	wb, _ := json.Marshal(w)
	gb, _ := json.Marshal(g)
	if string(wb) != string(gb) {
		t.Errorf("want %s\n got %s", wb, gb)
	}
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// dialClient dials url with our Client, failing the test if it cannot;
// the connection is closed at the end of the test (a test may close it
// sooner: closing twice is harmless).
func dialClient(t *testing.T, ctx context.Context, url string, opts *ClientOptions) *Client {
	t.Helper()
	c, err := Dial(ctx, url, opts)
	if err != nil {
		t.Fatalf("Dial %s: %v", url, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// dialSocket dials url with our Client and joins nsp; both are closed at
// the end of the test. s.Client() is the connection, for tests that
// watch it too.
func dialSocket(t *testing.T, ctx context.Context, url, nsp string, opts *ClientOptions) *ClientSocket {
	t.Helper()
	c := dialClient(t, ctx, url, opts)
	s, err := c.Socket(ctx, nsp, nil)
	if err != nil {
		t.Fatalf("Socket %s: %v", nsp, err)
	}
	return s
}

type inbox struct {
	mu  sync.Mutex
	evs []*Event
	ch  chan struct{}
}

// collect records every event s receives.
func collect(s *ClientSocket) *inbox {
	in := &inbox{ch: make(chan struct{}, 1)}
	s.OnAny(func(e *Event) {
		in.mu.Lock()
		in.evs = append(in.evs, e)
		in.mu.Unlock()
		select {
		case in.ch <- struct{}{}:
		default:
		}
	})
	return in
}

// dialCollecting dials url (as dialClient) and returns a socket on nsp
// that is not connected yet but whose every event is recorded: the test
// sets its own handlers, then connects with the auth under test, and
// misses nothing the server sends with or right after the CONNECT.
func dialCollecting(t *testing.T, ctx context.Context, url, nsp string) (*ClientSocket, *inbox) {
	t.Helper()
	s := dialClient(t, ctx, url, nil).NewSocket(nsp)
	return s, collect(s)
}

// next waits for the next event called name (earlier ones of other names
// are kept).
func (in *inbox) next(t *testing.T, name string) *Event {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		in.mu.Lock()
		for i, e := range in.evs {
			if e.Name == name {
				in.evs = append(in.evs[:i:i], in.evs[i+1:]...)
				in.mu.Unlock()
				return e
			}
		}
		in.mu.Unlock()
		select {
		case <-in.ch:
		case <-deadline:
			t.Fatalf("no %q event within 5s", name)
		}
	}
}

// expectArgs checks the next events called name carry the given args, in
// any order (they may come from different senders), and that no further
// one arrives within 300ms.
func expectArgs(t *testing.T, in *inbox, name string, want ...string) {
	t.Helper()
	var got, exp []string
	for _, w := range want {
		e := in.next(t, name)
		b, _ := json.Marshal(e.Args)
		got = append(got, string(b))
		var v any
		json.Unmarshal([]byte(w), &v)
		b, _ = json.Marshal(v)
		exp = append(exp, string(b))
	}
	sort.Strings(got)
	sort.Strings(exp)
	if strings.Join(got, " ") != strings.Join(exp, " ") {
		t.Errorf("%q events: want %v, got %v", name, exp, got)
	}
	time.Sleep(300 * time.Millisecond)
	in.mu.Lock()
	defer in.mu.Unlock()
	for _, e := range in.evs {
		if e.Name == name {
			t.Errorf("unexpected extra %q event %s", name, e.Args)
		}
	}
}

// nodeServer starts testdata/node/sio-server.js and returns its URL.
func nodeServer(t *testing.T, args ...string) (string, *nodetest.Process) {
	t.Helper()
	p := nodetest.Start(t, "sio-server.js", append([]string{"0"}, args...)...)
	port, err := p.WaitFor("listening", 20*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return "http://127.0.0.1:" + port, p
}
