package loadtest

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"rtlab/reference"
)

// fakePoll is a scripted Engine.IO server over long-polling: the
// handshake answers open; a POST is recorded in posts (a CONNECT "40" is
// answered on the next GET); a GET answers the next payload of polls, or
// waits. A payload starting "chunked:" is sent in two flushed parts, so
// in chunked transfer coding.
type fakePoll struct {
	open      string
	connClose bool // every response says Connection: close
	polls     chan string
	posts     chan string
	quit      chan struct{}

	mu       sync.Mutex
	getAddr  map[string]bool
	postAddr map[string]bool
}

func newFakePoll(t *testing.T, open string, setup func(*httptest.Server)) (*fakePoll, wsTarget) {
	t.Helper()
	f := &fakePoll{open: open, polls: make(chan string, 16), posts: make(chan string, 16),
		quit: make(chan struct{}), getAddr: map[string]bool{}, postAddr: map[string]bool{}}
	hs := httptest.NewUnstartedServer(f)
	if setup != nil {
		setup(hs)
	}
	hs.Start()
	t.Cleanup(func() {
		close(f.quit)
		hs.Close()
	})
	tg, err := parseTarget(hs.URL, "")
	if err != nil {
		t.Fatal(err)
	}
	return f, tg
}

func (f *fakePoll) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if f.connClose {
		w.Header().Set("Connection", "close")
	}
	if r.URL.Query().Get("sid") == "" {
		io.WriteString(w, f.open)
		return
	}
	if r.URL.Query().Get("sid") != "fake" {
		http.Error(w, `{"code":1,"message":"Session ID unknown"}`, http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	if r.Method == http.MethodPost {
		f.postAddr[r.RemoteAddr] = true
	} else {
		f.getAddr[r.RemoteAddr] = true
	}
	f.mu.Unlock()
	if r.Method == http.MethodPost {
		b, _ := io.ReadAll(r.Body)
		if string(b) == "40" {
			f.polls <- `40{"sid":"s1"}`
		}
		f.posts <- string(b)
		w.Header().Set("Content-Length", "2")
		io.WriteString(w, "ok")
		return
	}
	select {
	case p := <-f.polls:
		if rest, ok := strings.CutPrefix(p, "chunked:"); ok {
			io.WriteString(w, rest[:len(rest)/2])
			w.(http.Flusher).Flush()
			io.WriteString(w, rest[len(rest)/2:])
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(p)))
		io.WriteString(w, p)
	case <-r.Context().Done():
	case <-f.quit:
	}
}

// post returns the next packet the client POSTed.
func (f *fakePoll) post(t *testing.T) string {
	t.Helper()
	select {
	case p := <-f.posts:
		return p
	case <-time.After(5 * time.Second):
		t.Fatal("no POST from the client")
		return ""
	}
}

const fakeOpen = `0{"sid":"fake","upgrades":[],"pingInterval":300,"pingTimeout":200,"maxPayload":1000000}`

// connectFake dials and joins the fake server.
func connectFake(t *testing.T, tg wsTarget) *pollClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := dialPolling(ctx, tg, &net.Dialer{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatalf("dialPolling: %v", err)
	}
	t.Cleanup(c.close)
	if err := c.connect(); err != nil {
		t.Fatalf("connect: %v", err)
	}
	c.armHeartbeat()
	return c
}

func TestPollHandshakeAndConnect(t *testing.T) {
	f, tg := newFakePoll(t, fakeOpen, nil)
	c := connectFake(t, tg)
	if p := f.post(t); p != "40" {
		t.Errorf("first POST %q, want 40", p)
	}
	if c.window != 500*time.Millisecond {
		t.Errorf("heartbeat window %v, want pingInterval+pingTimeout = 500ms", c.window)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.getAddr) != 1 || len(f.postAddr) != 1 {
		t.Fatalf("GETs from %v, POSTs from %v: want one kept-alive connection each", f.getAddr, f.postAddr)
	}
	for a := range f.getAddr {
		if f.postAddr[a] {
			t.Errorf("GET and POST share the connection %s: a POST would wait behind the pending GET", a)
		}
	}
}

// TestPollAckWithPingAndNoop: a noop, then an ACK in one payload with a
// PING, in Content-Length and in chunked bodies: the ACK is found and the
// PING answered by a POST "3".
func TestPollAckWithPingAndNoop(t *testing.T) {
	for _, chunked := range []bool{false, true} {
		t.Run("chunked="+strconv.FormatBool(chunked), func(t *testing.T) {
			f, tg := newFakePoll(t, fakeOpen, nil)
			c := connectFake(t, tg)
			f.post(t) // 40
			if err := c.emitEcho(1, nil, []byte(`"hi"`)); err != nil {
				t.Fatal(err)
			}
			if p := f.post(t); p != `421["echo","hi"]` {
				t.Fatalf("emit POSTed %q", p)
			}
			f.polls <- "6"
			ack := "2\x1e42[\"tick\",{\"seq\":1}]\x1e431[\"hi\"]"
			if chunked {
				ack = "chunked:" + ack
			}
			f.polls <- ack
			done := make(chan error, 1)
			go func() { done <- awaitAck(c, 1, nil, nil) }()
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("awaitAck: %v", err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("the ACK was not seen")
			}
			if p := f.post(t); p != "3" {
				t.Errorf("the PING was answered with %q, want 3", p)
			}
		})
	}
}

// TestPollServerEnds: a close packet is "transport close", a DISCONNECT
// "io server disconnect", a refused session "transport error".
func TestPollServerEnds(t *testing.T) {
	for _, tc := range []struct{ payload, reason string }{
		{"6\x1e1", "transport close"},
		{"41", "io server disconnect"},
	} {
		f, tg := newFakePoll(t, fakeOpen, nil)
		c := connectFake(t, tg)
		f.polls <- tc.payload
		_, err := c.next()
		if err == nil || dropReason(err) != tc.reason {
			t.Errorf("%q: next returned %v (%q), want %q", tc.payload, err, dropReason(err), tc.reason)
		}
	}
}

// TestPollSilentServerIsAPingTimeout: a server that stops answering ends
// the client with "ping timeout" within pingInterval+pingTimeout.
func TestPollSilentServerIsAPingTimeout(t *testing.T) {
	_, tg := newFakePoll(t, `0{"sid":"fake","pingInterval":100,"pingTimeout":100}`, nil)
	c := connectFake(t, tg)
	t0 := time.Now()
	_, err := c.next()
	el := time.Since(t0)
	if dropReason(err) != "ping timeout" {
		t.Fatalf("next returned %v (%q), want a ping timeout", err, dropReason(err))
	}
	if el > 2*time.Second {
		t.Errorf("gave up after %v, want about pingInterval+pingTimeout (200ms)", el)
	}
}

func TestPollBadOpenPacket(t *testing.T) {
	for open, want := range map[string]string{
		`0{"sid":"fake","pingInterval":100}`: "lacks a sid, pingInterval or pingTimeout",
		`<html>hello</html>`:                 "not an Engine.IO open packet",
	} {
		_, tg := newFakePoll(t, open, nil)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		c, err := dialPolling(ctx, tg, &net.Dialer{})
		cancel()
		if err == nil {
			c.close()
			t.Errorf("%s: accepted", open)
			continue
		}
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %q, want it to say %q", open, err, want)
		}
	}
}

// TestPollConnectionsClosedByTheServer: a server that closes a kept-alive
// connection while it is idle (Node.js does after 5 s), or after every
// response (Connection: close), is dialed again.
func TestPollConnectionsClosedByTheServer(t *testing.T) {
	t.Run("idle", func(t *testing.T) {
		open := `0{"sid":"fake","pingInterval":5000,"pingTimeout":5000}`
		f, tg := newFakePoll(t, open, func(hs *httptest.Server) { hs.Config.IdleTimeout = 30 * time.Millisecond })
		c := connectFake(t, tg)
		f.post(t)
		time.Sleep(200 * time.Millisecond)
		if err := c.send(pktPong); err != nil {
			t.Fatalf("POST on a connection closed while idle: %v", err)
		}
		if p := f.post(t); p != "3" {
			t.Errorf("POSTed %q", p)
		}
		// An emit, whose answer is read later, after an idle time too.
		time.Sleep(1200 * time.Millisecond)
		if err := c.emitEcho(7, nil, []byte(`"x"`)); err != nil {
			t.Fatalf("emit on a connection closed while idle: %v", err)
		}
		if p := f.post(t); p != `427["echo","x"]` {
			t.Errorf("POSTed %q", p)
		}
	})
	t.Run("close", func(t *testing.T) {
		f, tg := newFakePoll(t, fakeOpen, func(hs *httptest.Server) {})
		f.connClose = true
		c := connectFake(t, tg)
		f.post(t)
		for id := uint64(1); id <= 3; id++ {
			if err := c.emitEcho(id, nil, []byte(`"x"`)); err != nil {
				t.Fatal(err)
			}
			f.post(t)
			f.polls <- "43" + strconv.FormatUint(id, 10) + `["x"]`
			if err := awaitAck(c, id, nil, nil); err != nil {
				t.Fatalf("ack %d: %v", id, err)
			}
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		if len(f.postAddr) < 4 {
			t.Errorf("POSTs came on %d connections, want a new one after each Connection: close", len(f.postAddr))
		}
	})
}

func TestReadHTTPResponse(t *testing.T) {
	for _, tc := range []struct {
		raw, body string
		keep      bool
		err       string
	}{
		{raw: "HTTP/1.1 200 OK\r\ncontent-LENGTH: 3\r\n\r\nabc", body: "abc", keep: true},
		{raw: "HTTP/1.1 200 OK\r\nCONNECTION: Close\r\nContent-Length: 2\r\n\r\nok", body: "ok"},
		{raw: "HTTP/1.1 200 OK\r\ntransfer-encoding: Chunked\r\n\r\n3;x=y\r\nabc\r\n2\r\nde\r\n0\r\nTrailer: 1\r\n\r\n", body: "abcde", keep: true},
		{raw: "HTTP/1.0 200 OK\r\n\r\nto the end", body: "to the end"},
		{raw: "HTTP/1.1 400 Bad Request\r\nContent-Length: 7\r\n\r\nunknown", err: `400 Bad Request: "unknown"`},
		{raw: "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", err: "only chunked"},
		{raw: "SSH-2.0-OpenSSH\r\n", err: "not an HTTP/1.x response"},
	} {
		a, b := net.Pipe()
		go func() {
			io.WriteString(b, tc.raw)
			b.Close()
		}()
		pc := &pollConn{nc: a}
		pc.br = newPollReader(a)
		body, keep, err := readHTTPResponse(pc)
		a.Close()
		switch {
		case tc.err != "":
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: error %v, want %q", tc.raw, err, tc.err)
			}
		case err != nil || string(body) != tc.body || keep != tc.keep:
			t.Errorf("%q: body %q keep %v err %v, want %q keep %v", tc.raw, body, keep, err, tc.body, tc.keep)
		}
	}
}

// BenchmarkPollingEchoRoundTrip is one polling client's echo round trip
// (POST the emit, its ACK on the pending GET) against rtlab's loadtest
// fixture in this process: the CPU it reports is the client's and the
// server's together.
func BenchmarkPollingEchoRoundTrip(b *testing.B) {
	srv, err := reference.Start("loadtest", nil)
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	tg, err := parseTarget(srv.URL, "")
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	c, err := dialPolling(ctx, tg, &net.Dialer{})
	cancel()
	if err != nil {
		b.Fatal(err)
	}
	defer c.close()
	if err := c.connect(); err != nil {
		b.Fatal(err)
	}
	c.armHeartbeat()
	pad := []byte(strconv.Quote(strings.Repeat("x", 100)))
	var idBuf [24]byte
	b.ReportAllocs()
	id := uint64(0)
	for b.Loop() {
		id++
		if err := c.emitEcho(id, idBuf[:0], pad); err != nil {
			b.Fatal(err)
		}
		if err := awaitAck(c, id, nil, nil); err != nil {
			b.Fatal(err)
		}
	}
}
