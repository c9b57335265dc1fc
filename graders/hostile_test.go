package graders

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// Hostile servers: test doubles of misbehaving servers, speaking Engine.IO
// and Socket.IO by hand over github.com/coder/websocket. Each must yield a
// failing check with a clear message within its deadline: no panic, no
// hang, no goroutine left (TestMain runs goleak).

// eioPeer is the server side of one hand-driven Engine.IO connection.
type eioPeer struct {
	ctx context.Context
	ws  *websocket.Conn
}

func (p *eioPeer) send(s string) error {
	return p.ws.Write(p.ctx, websocket.MessageText, []byte(s))
}

func (p *eioPeer) read() (string, error) {
	_, b, err := p.ws.Read(p.ctx)
	return string(b), err
}

// open sends the Engine.IO handshake.
func (p *eioPeer) open() error {
	return p.send(`0{"sid":"hostile","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}`)
}

// accept answers the first CONNECT with a socket id.
func (p *eioPeer) accept() error {
	for {
		m, err := p.read()
		if err != nil {
			return err
		}
		if strings.HasPrefix(m, "40") {
			return p.send(`40{"sid":"sock1"}`)
		}
	}
}

// drain reads until the client goes away (answering nothing).
func (p *eioPeer) drain() {
	for {
		if _, err := p.read(); err != nil {
			return
		}
	}
}

// hostile serves behave on /socket.io/ WebSocket connections; the handler
// is ended when the test ends.
func hostile(t *testing.T, behave func(p *eioPeer)) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/socket.io/") {
			http.NotFound(w, r)
			return
		}
		ws, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		wg.Add(1)
		defer wg.Done()
		defer ws.CloseNow()
		behave(&eioPeer{ctx: ctx, ws: ws})
	})
	ts := serveTS(t, h, nil)
	t.Cleanup(func() {
		cancel()
		wg.Wait()
		_ = ts
	})
	return ts.URL
}

const hostileScenario = `
exercise: q99
title: Hostile
checks:
  - id: connects
    name: A client connects
    steps:
      - connect: a
  - id: hears
    name: The client hears hello
    steps:
      - connect: a
      - expect: {client: a, event: hello, data: {n: 1}}
  - id: acks
    name: The server acknowledges ping
    steps:
      - connect: a
      - emit: {client: a, event: ping, ack: {status: ok}}
  - id: quiet
    name: The client hears no shout
    steps:
      - connect: a
      - expect_none: {client: a, event: shout}
`

// gradeHostile runs the hostile scenario and checks that every check in
// fails failed with a message containing the matching substring, within
// the deadline.
func gradeHostile(t *testing.T, url string, fails map[string]string) *Report {
	t.Helper()
	start := time.Now()
	r := runQuick(t, mustParse(t, hostileScenario), url)
	if d := time.Since(start); d > 40*time.Second {
		t.Errorf("grading took %s", d)
	}
	byID := map[string]CheckResult{}
	for _, c := range r.Checks {
		byID[c.ID] = c
		if c.Duration > 9*time.Second {
			t.Errorf("check %s took %s, past its 8s deadline", c.ID, c.Duration)
		}
	}
	for id, want := range fails {
		c := byID[id]
		if c.Status != Fail {
			dump(t, r)
			t.Fatalf("check %s: %s, want fail", id, c.Status)
		}
		if !strings.Contains(c.Message(), want) {
			dump(t, r)
			t.Errorf("check %s: message %q does not say %q", id, c.Message(), want)
		}
		if c.Harness {
			t.Errorf("check %s blamed the grader: %s", id, c.Reason)
		}
	}
	if r.Passed() {
		t.Error("a hostile server passed")
	}
	return r
}

func TestHostileNeverFinishesHandshake(t *testing.T) {
	t.Parallel()
	url := hostile(t, func(p *eioPeer) { p.drain() }) // WebSocket open, no Engine.IO open packet
	gradeHostile(t, url, map[string]string{
		"connects": "could not open a Socket.IO connection",
		"hears":    "could not open",
		"acks":     "could not open",
	})
}

func TestHostileAcceptsTCPAndSaysNothing(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c) // held open, never answered
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		wg.Wait()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	})
	gradeHostile(t, "http://"+l.Addr().String(), map[string]string{
		"connects": "could not open a Socket.IO connection",
	})
}

func TestHostileSilentAfterConnect(t *testing.T) {
	t.Parallel()
	url := hostile(t, func(p *eioPeer) {
		if p.open() != nil || p.accept() != nil {
			return
		}
		p.drain()
	})
	r := gradeHostile(t, url, map[string]string{
		"hears": "did not receive hello",
		"acks":  "no acknowledgement",
	})
	if st := statuses(r); st["connects"] != Pass || st["quiet"] != Pass {
		dump(t, r)
		t.Error("a silent server should still pass connect and must-not-receive checks")
	}
}

func TestHostileNeverAcks(t *testing.T) {
	t.Parallel()
	url := hostile(t, func(p *eioPeer) {
		if p.open() != nil || p.accept() != nil {
			return
		}
		p.send(`42["hello",{"n":1}]`)
		p.drain()
	})
	gradeHostile(t, url, map[string]string{"acks": "got no acknowledgement within 1s"})
}

func TestHostileWrongPayloadShowsWhatArrived(t *testing.T) {
	t.Parallel()
	url := hostile(t, func(p *eioPeer) {
		if p.open() != nil || p.accept() != nil {
			return
		}
		p.send(`42["hello",{"n":"1"}]`)
		p.send(`42["shout",{}]`)
		for {
			m, err := p.read()
			if err != nil {
				return
			}
			if strings.HasPrefix(m, "42") { // an event with an ack id: 42<id>[...]
				id := strings.TrimSuffix(strings.SplitN(m[2:], "[", 2)[0], "")
				p.send(fmt.Sprintf(`43%s[{"status":"error"}]`, id))
			}
		}
	})
	r := gradeHostile(t, url, map[string]string{
		"hears": `hello {"n":"1"}`,
		"acks":  `{"status":"error"}`,
		"quiet": "received shout, but should not have",
	})
	for _, c := range r.Checks {
		if c.ID == "hears" && !strings.Contains(c.Actual, `at n: expected 1, got "1"`) {
			t.Errorf("hears: actual %q does not point at the field", c.Actual)
		}
	}
}

func TestHostileFloods(t *testing.T) {
	t.Parallel()
	url := hostile(t, func(p *eioPeer) {
		if p.open() != nil || p.accept() != nil {
			return
		}
		for i := 0; ; i++ {
			if p.send(fmt.Sprintf(`42["noise",{"i":%d}]`, i)) != nil {
				return
			}
		}
	})
	r := gradeHostile(t, url, map[string]string{
		"hears": "did not receive hello",
		"acks":  "no acknowledgement",
	})
	if st := statuses(r); st["quiet"] != Pass {
		t.Error("noise is not shout: quiet should pass")
	}
	if !strings.Contains(r.Checks[1].Actual, "other events arrived") {
		t.Errorf("hears: %q does not count the flood", r.Checks[1].Actual)
	}
}

func TestHostileMalformedPackets(t *testing.T) {
	t.Parallel()
	url := hostile(t, func(p *eioPeer) {
		if p.open() != nil || p.accept() != nil {
			return
		}
		p.send(`42["hello",{"n":1`) // truncated JSON
		p.drain()
	})
	gradeHostile(t, url, map[string]string{
		"hears": "malformed packet",
		"acks":  "disconnected",
	})
}

func TestHostileClosesMidCheck(t *testing.T) {
	t.Parallel()
	url := hostile(t, func(p *eioPeer) {
		if p.open() != nil || p.accept() != nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
		p.ws.CloseNow()
	})
	gradeHostile(t, url, map[string]string{
		"hears": "was disconnected",
		"acks":  "",
	})
}

func TestHostileSlowHTTP(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	ts := serveTS(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(200)
		w.Write([]byte(`{"status":`))
		w.(http.Flusher).Flush()
		select { // a body that never ends
		case <-release:
		case <-r.Context().Done():
		}
	}), func() { close(release) })
	sc := mustParse(t, `
exercise: q99
title: Slow
checks:
  - id: status
    name: GET /api/status answers
    steps:
      - http: {path: /api/status, expect: {status: 200, json: {status: online}}}
  - id: stream
    name: the stream sends an event
    steps:
      - sse: {path: /api/status, within: 1s}
`)
	r := runQuick(t, sc, ts.URL)
	for _, c := range r.Checks {
		if c.Status != Fail {
			t.Errorf("%s: %s, want fail", c.ID, c.Status)
		}
		if c.Duration > 5*time.Second {
			t.Errorf("%s took %s", c.ID, c.Duration)
		}
	}
	if m := r.Checks[0].Message(); !strings.Contains(m, "no complete response within 1s") {
		t.Errorf("status: %q", m)
	}
	if m := r.Checks[1].Message(); !strings.Contains(m, "time ran out after 0 of 1 events") {
		t.Errorf("stream: %q", m)
	}
}

func TestUnreachableServer(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	r := runQuick(t, mustParse(t, hostileScenario), "http://"+addr)
	var ue *UnreachableError
	if r.Err == nil || !asErr(r.Err, &ue) {
		t.Fatalf("want an UnreachableError, got %v", r.Err)
	}
	if len(r.Checks) != 0 || r.Passed() {
		t.Error("an unreachable server ran checks or passed")
	}
}
