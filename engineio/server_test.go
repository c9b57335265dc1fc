package engineio

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// recorder is a Handler that keeps what it receives.
type recorder struct {
	mu     sync.Mutex
	msgs   []Packet
	reason string
	err    error
	got    chan struct{} // one tick per message (buffered)
	closed chan struct{}
	echo   func(data []byte, binary bool)
}

func newRecorder() *recorder {
	return &recorder{got: make(chan struct{}, 1024), closed: make(chan struct{})}
}

func (r *recorder) OnMessage(data []byte, binary bool) {
	r.mu.Lock()
	r.msgs = append(r.msgs, Packet{Type: MessagePacket, Data: data, Binary: binary})
	r.mu.Unlock()
	if r.echo != nil {
		r.echo(data, binary)
	}
	r.got <- struct{}{}
}

func (r *recorder) OnClose(reason string, err error) {
	r.mu.Lock()
	r.reason, r.err = reason, err
	r.mu.Unlock()
	close(r.closed)
}

func (r *recorder) waitMessages(t *testing.T, n int) []Packet {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for i := 0; i < n; i++ {
		select {
		case <-r.got:
		case <-deadline:
			t.Fatalf("got %d of %d messages", i, n)
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Packet(nil), r.msgs...)
}

func (r *recorder) waitClose(t *testing.T) (string, error) {
	t.Helper()
	select {
	case <-r.closed:
	case <-time.After(10 * time.Second):
		t.Fatal("OnClose not called within 10s")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.reason, r.err
}

// testServer runs an engine.io Server on loopback whose sessions echo and
// are recorded; conns receives each new session.
type testServer struct {
	*Server
	URL   string
	conns chan *Conn
	recs  chan *recorder
}

func newTestServer(t *testing.T, opts *ServerOptions) *testServer {
	t.Helper()
	if opts == nil {
		opts = &ServerOptions{}
	}
	ts := &testServer{conns: make(chan *Conn, 1024), recs: make(chan *recorder, 1024)}
	opts.OnConnection = func(c *Conn) {
		rec := newRecorder()
		rec.echo = func(data []byte, binary bool) { c.SendMessage(data, binary) }
		c.SetHandler(rec)
		ts.conns <- c
		ts.recs <- rec
	}
	ts.Server = NewServer(opts)
	ts.URL = serveLoopback(t, ts.Server, nil)
	return ts
}

// serveLoopback serves h on a loopback listener until the end of the test
// and returns its base URL; a nil h serves srv itself. srv is closed
// before the listener: httptest waits for every request in flight, and
// only srv can let go of the polls it holds.
func serveLoopback(t *testing.T, srv *Server, h http.Handler) string {
	t.Helper()
	if h == nil {
		h = srv
	}
	hs := httptest.NewServer(h)
	t.Cleanup(func() {
		srv.Close()
		hs.Close()
	})
	return hs.URL
}

func (ts *testServer) next(t *testing.T) (*Conn, *recorder) {
	t.Helper()
	select {
	case c := <-ts.conns:
		return c, <-ts.recs
	case <-time.After(10 * time.Second):
		t.Fatal("no session within 10s")
		return nil, nil
	}
}

type answer struct {
	status int
	header http.Header
	body   string
}

func do(t *testing.T, method, url, body string, hdr map[string]string) answer {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, strings.NewReader(body))
	require.NoError(t, err)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return answer{res.StatusCode, res.Header, string(b)}
}

// pollingOpen performs a polling handshake and returns the session URL.
func pollingOpen(t *testing.T, base string) (Handshake, string) {
	t.Helper()
	a := do(t, "GET", base+"/?EIO=4&transport=polling", "", nil)
	require.Equal(t, 200, a.status, a.body)
	require.True(t, strings.HasPrefix(a.body, "0{"), a.body)
	var hs Handshake
	require.NoError(t, json.Unmarshal([]byte(a.body[1:]), &hs))
	return hs, base + "/?EIO=4&transport=polling&sid=" + hs.SID
}

// openPolling opens a polling session on ts and returns its URL with the
// server side of it: most polling tests drive the one and watch the other.
func (ts *testServer) openPolling(t *testing.T) (string, *Conn, *recorder) {
	t.Helper()
	_, url := pollingOpen(t, ts.URL)
	c, rec := ts.next(t)
	return url, c, rec
}

func TestPollingHandshake(t *testing.T) {
	ts := newTestServer(t, &ServerOptions{PingInterval: 300 * time.Millisecond, PingTimeout: 200 * time.Millisecond, MaxPayload: 1000})
	a := do(t, "GET", ts.URL+"/?EIO=4&transport=polling", "", nil)
	require.Equal(t, 200, a.status)
	assert.Equal(t, "text/plain; charset=UTF-8", a.header.Get("Content-Type"))
	assert.Equal(t, "no-store", a.header.Get("Cache-Control"))
	var hs Handshake
	require.NoError(t, json.Unmarshal([]byte(strings.TrimPrefix(a.body, "0")), &hs))
	assert.Len(t, hs.SID, 20)
	assert.Equal(t, `0{"sid":"`+hs.SID+`","upgrades":["websocket"],"pingInterval":300,"pingTimeout":200,"maxPayload":1000}`, a.body)
	c, _ := ts.next(t)
	assert.Equal(t, hs.SID, c.ID())
	assert.Equal(t, "polling", c.Transport())
	assert.Equal(t, 1, ts.Count())
}

func TestErrorAnswers(t *testing.T) {
	ts := newTestServer(t, &ServerOptions{
		Transports: []string{"polling", "websocket"},
		AllowRequest: func(r *http.Request) error {
			if r.Header.Get("X-Deny") != "" {
				return errors.New("no")
			}
			return nil
		},
	})
	cases := []struct {
		name, method, query string
		hdr                 map[string]string
		status              int
		body                string
	}{
		{"unknown transport", "GET", "EIO=4&transport=carrier-pigeon", nil, 400, `{"code":0,"message":"Transport unknown"}`},
		{"no transport", "GET", "EIO=4", nil, 400, `{"code":0,"message":"Transport unknown"}`},
		{"unknown sid", "GET", "EIO=4&transport=polling&sid=nope", nil, 400, `{"code":1,"message":"Session ID unknown"}`},
		{"POST handshake", "POST", "EIO=4&transport=polling", nil, 400, `{"code":2,"message":"Bad handshake method"}`},
		{"websocket without upgrade", "GET", "EIO=4&transport=websocket", nil, 400, `{"code":3,"message":"Bad request"}`},
		{"forbidden", "GET", "EIO=4&transport=polling", map[string]string{"X-Deny": "1"}, 403, `{"code":4,"message":"Forbidden"}`},
		{"EIO 3", "GET", "EIO=3&transport=polling", nil, 400, `{"code":5,"message":"Unsupported protocol version"}`},
		{"no EIO", "GET", "transport=polling", nil, 400, `{"code":5,"message":"Unsupported protocol version"}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := do(t, c.method, ts.URL+"/?"+c.query, "", c.hdr)
			assert.Equal(t, c.status, a.status)
			assert.Equal(t, "application/json", a.header.Get("Content-Type"))
			assert.Equal(t, c.body, a.body)
		})
	}
	// A polling request on a WebSocket session is a transport mismatch.
	ws, _ := wsOpen(t, ts.URL)
	defer ws.CloseNow()
	c, _ := ts.next(t)
	a := do(t, "GET", ts.URL+"/?EIO=4&transport=polling&sid="+c.ID(), "", nil)
	assert.Equal(t, 400, a.status)
	assert.Equal(t, `{"code":3,"message":"Bad request"}`, a.body)
}

func TestPostOK(t *testing.T) {
	ts := newTestServer(t, nil)
	url, _, rec := ts.openPolling(t)
	a := do(t, "POST", url, "4hello\x1ebAQID", nil)
	assert.Equal(t, 200, a.status)
	assert.Equal(t, "ok", a.body)
	assert.Equal(t, "text/html", a.header.Get("Content-Type"))
	msgs := rec.waitMessages(t, 2)
	assertSamePacket(t, Packet{Type: MessagePacket, Data: []byte("hello")}, msgs[0])
	assertSamePacket(t, Packet{Type: MessagePacket, Data: []byte{1, 2, 3}, Binary: true}, msgs[1])
	// The echoes come back in one payload.
	a = do(t, "GET", url, "", nil)
	assert.Equal(t, "4hello\x1ebAQID", a.body)
}

func TestPostTooLarge(t *testing.T) {
	ts := newTestServer(t, &ServerOptions{MaxPayload: 100})
	url, _, rec := ts.openPolling(t)
	a := do(t, "POST", url, "4"+strings.Repeat("x", 100), nil)
	assert.Equal(t, 413, a.status)
	a = do(t, "POST", url, "4"+strings.Repeat("x", 99), nil)
	assert.Equal(t, 200, a.status)
	assert.Len(t, rec.waitMessages(t, 1)[0].Data, 99)
}

func TestPostParseError(t *testing.T) {
	ts := newTestServer(t, nil)
	url, _, rec := ts.openPolling(t)
	a := do(t, "POST", url, "9oops", nil)
	assert.Equal(t, 200, a.status)
	reason, err := rec.waitClose(t)
	assert.Equal(t, ReasonParseError, reason)
	assert.ErrorIs(t, err, ErrMalformed)
	assert.Equal(t, 0, ts.Count())
}

func TestDoubleGet(t *testing.T) {
	ts := newTestServer(t, nil)
	url, c, rec := ts.openPolling(t)
	first := make(chan answer, 1)
	go func() { first <- do(t, "GET", url, "", nil) }()
	require.Eventually(t, func() bool { c.mu.Lock(); defer c.mu.Unlock(); return c.poll.getActive }, 5*time.Second, 5*time.Millisecond)
	a := do(t, "GET", url, "", nil)
	assert.Equal(t, 400, a.status)
	reason, _ := rec.waitClose(t)
	assert.Equal(t, ReasonTransportError, reason)
	select {
	case a := <-first:
		assert.Equal(t, "1", a.body)
	case <-time.After(10 * time.Second):
		t.Fatal("first GET not answered")
	}
	a = do(t, "GET", url, "", nil)
	assert.Equal(t, `{"code":1,"message":"Session ID unknown"}`, a.body)
}

func TestCORS(t *testing.T) {
	ts := newTestServer(t, &ServerOptions{CORS: &CORSOptions{
		Origins: []string{"http://a.example", "http://b.example"}, Credentials: true, MaxAge: time.Minute,
	}})
	a := do(t, "OPTIONS", ts.URL+"/?EIO=4&transport=polling", "", map[string]string{
		"Origin": "http://b.example", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "x-custom",
	})
	assert.Equal(t, 204, a.status)
	assert.Equal(t, "http://b.example", a.header.Get("Access-Control-Allow-Origin"))
	assert.Equal(t, "true", a.header.Get("Access-Control-Allow-Credentials"))
	assert.Equal(t, "GET,HEAD,PUT,PATCH,POST,DELETE", a.header.Get("Access-Control-Allow-Methods"))
	assert.Equal(t, "x-custom", a.header.Get("Access-Control-Allow-Headers"))
	assert.Equal(t, "60", a.header.Get("Access-Control-Max-Age"))
	assert.Equal(t, "", a.body)

	a = do(t, "GET", ts.URL+"/?EIO=4&transport=polling", "", map[string]string{"Origin": "http://evil.example"})
	assert.Equal(t, 200, a.status)
	assert.Empty(t, a.header.Get("Access-Control-Allow-Origin"))
	assert.Equal(t, "Origin", a.header.Get("Vary"))

	a = do(t, "GET", ts.URL+"/?EIO=4&transport=nope", "", map[string]string{"Origin": "http://a.example"})
	assert.Equal(t, 400, a.status)
	assert.Equal(t, "http://a.example", a.header.Get("Access-Control-Allow-Origin"), "errors carry CORS headers too")

	star := newTestServer(t, &ServerOptions{CORS: &CORSOptions{Origins: []string{"*"}, Methods: []string{"GET", "POST"}, AllowedHeaders: []string{"a", "b"}}})
	a = do(t, "OPTIONS", star.URL+"/?EIO=4&transport=polling", "", map[string]string{"Origin": "http://x"})
	assert.Equal(t, 204, a.status)
	assert.Equal(t, "*", a.header.Get("Access-Control-Allow-Origin"))
	assert.Equal(t, "GET,POST", a.header.Get("Access-Control-Allow-Methods"))
	assert.Equal(t, "a,b", a.header.Get("Access-Control-Allow-Headers"))

	none := newTestServer(t, nil)
	a = do(t, "GET", none.URL+"/?EIO=4&transport=polling", "", map[string]string{"Origin": "http://x"})
	assert.Empty(t, a.header.Get("Access-Control-Allow-Origin"))
}

func TestPollingHeartbeat(t *testing.T) {
	ts := newTestServer(t, &ServerOptions{PingInterval: 100 * time.Millisecond, PingTimeout: 300 * time.Millisecond})
	url, _, rec := ts.openPolling(t)
	for i := 0; i < 3; i++ {
		a := do(t, "GET", url, "", nil)
		require.Equal(t, "2", a.body)
		require.Equal(t, "ok", do(t, "POST", url, "3", nil).body)
	}
	// Stop answering: the session ends with a ping timeout.
	assert.Equal(t, "2", do(t, "GET", url, "", nil).body)
	reason, _ := rec.waitClose(t)
	assert.Equal(t, ReasonPingTimeout, reason)
}

// wsOpen opens a session straight on WebSocket and reads the open packet.
func wsOpen(t *testing.T, base string) (*websocket.Conn, Handshake) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, base+"/?EIO=4&transport=websocket", nil)
	require.NoError(t, err)
	typ, data, err := ws.Read(ctx)
	require.NoError(t, err)
	require.Equal(t, websocket.MessageText, typ)
	require.Equal(t, byte('0'), data[0], string(data))
	var hs Handshake
	require.NoError(t, json.Unmarshal(data[1:], &hs))
	return ws, hs
}

// wsJoin opens a WebSocket on the existing session sid, as a client that
// upgrades does, and sends nothing yet: each test probes in its own way.
// It is closed at the end of the test.
func wsJoin(t *testing.T, base, sid string) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, base+"/?EIO=4&transport=websocket&sid="+sid, nil)
	require.NoError(t, err)
	t.Cleanup(func() { ws.CloseNow() })
	return ws
}

func wsRead(t *testing.T, ws *websocket.Conn) (websocket.MessageType, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	typ, data, err := ws.Read(ctx)
	require.NoError(t, err)
	return typ, string(data)
}

func wsWrite(t *testing.T, ws *websocket.Conn, typ websocket.MessageType, s string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, ws.Write(ctx, typ, []byte(s)))
}

func TestWebSocketSession(t *testing.T) {
	ts := newTestServer(t, &ServerOptions{PingInterval: 100 * time.Millisecond, PingTimeout: 300 * time.Millisecond})
	ws, hs := wsOpen(t, ts.URL)
	defer ws.CloseNow()
	assert.Equal(t, []string{}, hs.Upgrades)
	c, rec := ts.next(t)
	assert.Equal(t, "websocket", c.Transport())

	wsWrite(t, ws, websocket.MessageText, "4hello")
	wsWrite(t, ws, websocket.MessageBinary, "\x01\x02")
	msgs := rec.waitMessages(t, 2)
	assertSamePacket(t, Packet{Type: MessagePacket, Data: []byte("hello")}, msgs[0])
	assertSamePacket(t, Packet{Type: MessagePacket, Data: []byte{1, 2}, Binary: true}, msgs[1])

	// Echoes and pings interleave; answer three pings.
	var texts []string
	pings := 0
	for pings < 3 {
		typ, s := wsRead(t, ws)
		if typ == websocket.MessageBinary {
			assert.Equal(t, "\x01\x02", s)
			continue
		}
		if s == "2" {
			pings++
			wsWrite(t, ws, websocket.MessageText, "3")
			continue
		}
		texts = append(texts, s)
	}
	assert.Equal(t, []string{"4hello"}, texts)
	// Graceful close from the server: queued data, then "1".
	require.NoError(t, c.SendMessage([]byte("bye"), false))
	require.NoError(t, c.Close())
	assert.ErrorIs(t, c.SendMessage([]byte("late"), false), ErrClosed)
	for {
		_, s := wsRead(t, ws)
		if s == "2" {
			continue
		}
		assert.Equal(t, "4bye", s)
		break
	}
	_, s := wsRead(t, ws)
	assert.Equal(t, "1", s)
	reason, _ := rec.waitClose(t)
	assert.Equal(t, ReasonForcedClose, reason)
	<-c.Done()
}

func TestWebSocketCloseReasons(t *testing.T) {
	ts := newTestServer(t, &ServerOptions{PingInterval: 100 * time.Millisecond, PingTimeout: 200 * time.Millisecond, MaxPayload: 50})
	cases := []struct {
		name   string
		act    func(ws *websocket.Conn)
		reason string
	}{
		{"client close packet", func(ws *websocket.Conn) { wsWrite(t, ws, websocket.MessageText, "1") }, ReasonTransportClose},
		{"client goes away", func(ws *websocket.Conn) { ws.CloseNow() }, ReasonTransportClose},
		{"parse error", func(ws *websocket.Conn) { wsWrite(t, ws, websocket.MessageText, "x") }, ReasonParseError},
		{"client ping", func(ws *websocket.Conn) { wsWrite(t, ws, websocket.MessageText, "2") }, ReasonTransportError},
		{"too big", func(ws *websocket.Conn) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			ws.Write(ctx, websocket.MessageText, []byte("4"+strings.Repeat("x", 100)))
		}, ReasonTransportError},
		{"ping timeout", func(ws *websocket.Conn) {}, ReasonPingTimeout},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ws, _ := wsOpen(t, ts.URL)
			defer ws.CloseNow()
			// Keep reading so that the server's writes never block.
			go func() {
				for {
					if _, _, err := ws.Read(context.Background()); err != nil {
						return
					}
				}
			}()
			_, rec := ts.next(t)
			c.act(ws)
			reason, _ := rec.waitClose(t)
			assert.Equal(t, c.reason, reason)
		})
	}
}

func TestUpgrade(t *testing.T) {
	ts := newTestServer(t, &ServerOptions{PingInterval: 5 * time.Second, PingTimeout: 5 * time.Second})
	hs, url := pollingOpen(t, ts.URL)
	c, rec := ts.next(t)
	require.Equal(t, []string{"websocket"}, hs.Upgrades)

	// A GET waits while the probe runs.
	pending := make(chan answer, 1)
	go func() { pending <- do(t, "GET", url, "", nil) }()
	require.Eventually(t, func() bool { c.mu.Lock(); defer c.mu.Unlock(); return c.poll.getActive }, 5*time.Second, 5*time.Millisecond)

	ws := wsJoin(t, ts.URL, hs.SID)
	wsWrite(t, ws, websocket.MessageText, "2probe")
	_, s := wsRead(t, ws)
	assert.Equal(t, "3probe", s)
	select {
	case a := <-pending:
		assert.Equal(t, "6", a.body, "the pending GET is released with a noop")
	case <-time.After(10 * time.Second):
		t.Fatal("pending GET not released")
	}
	require.Equal(t, "polling", c.Transport())
	wsWrite(t, ws, websocket.MessageText, "5")
	require.Eventually(t, func() bool { return c.Transport() == "websocket" }, 5*time.Second, 5*time.Millisecond)
	wsWrite(t, ws, websocket.MessageText, "4after")
	_, s = wsRead(t, ws)
	assert.Equal(t, "4after", s)
	assert.Equal(t, "after", string(rec.waitMessages(t, 1)[0].Data))
	// Polling is over for this session.
	a := do(t, "GET", url, "", nil)
	assert.Equal(t, `{"code":3,"message":"Bad request"}`, a.body)
}

func TestUpgradeRefused(t *testing.T) {
	ts := newTestServer(t, &ServerOptions{DisableUpgrades: true})
	hs, _ := pollingOpen(t, ts.URL)
	assert.Equal(t, []string{}, hs.Upgrades)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, res, err := websocket.Dial(ctx, ts.URL+"/?EIO=4&transport=websocket&sid="+hs.SID, nil)
	require.Error(t, err)
	assert.Equal(t, 400, res.StatusCode)
}

func TestPollingServerClose(t *testing.T) {
	ts := newTestServer(t, nil)
	url, c, rec := ts.openPolling(t)
	require.NoError(t, c.SendMessage([]byte("x"), false))
	require.NoError(t, c.Close())
	// What was queued first, then the close packet in a poll of its own.
	assert.Equal(t, "4x", do(t, "GET", url, "", nil).body)
	assert.Equal(t, "1", do(t, "GET", url, "", nil).body)
	reason, _ := rec.waitClose(t)
	assert.Equal(t, ReasonForcedClose, reason)
}

func TestServerShutdown(t *testing.T) {
	ts := newTestServer(t, nil)
	ws, _ := wsOpen(t, ts.URL)
	defer ws.CloseNow()
	_, rec1 := ts.next(t)
	url, _, rec2 := ts.openPolling(t)
	pending := make(chan answer, 1)
	go func() { pending <- do(t, "GET", url, "", nil) }()
	time.Sleep(50 * time.Millisecond)
	require.NoError(t, ts.Server.Close())
	r1, _ := rec1.waitClose(t)
	r2, _ := rec2.waitClose(t)
	assert.Equal(t, ReasonServerShutdown, r1)
	assert.Equal(t, ReasonServerShutdown, r2)
	assert.Equal(t, "1", (<-pending).body)
	_, s := wsRead(t, ws)
	assert.Equal(t, "1", s)
	assert.Equal(t, 0, ts.Count())
}
