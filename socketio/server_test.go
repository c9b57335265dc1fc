package socketio

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sort"
	"sync"
	"testing"
	"time"

	"rtlab/engineio"
)

// Our Client against our Server, in process.

func TestServerDisconnectReasons(t *testing.T) {
	t.Run("websocket", func(t *testing.T) { testServerDisconnectReasons(t, "websocket") })
	t.Run("polling", func(t *testing.T) { testServerDisconnectReasons(t, "polling") })
}

func testServerDisconnectReasons(t *testing.T, transport string) {
	ts := newTestServer(t, &engineio.ServerOptions{PingInterval: 100 * time.Millisecond, PingTimeout: 200 * time.Millisecond})
	ctx := testCtx(t)
	for _, tc := range []struct {
		name   string
		act    func(s *ClientSocket)
		server Reason
		client Reason
	}{
		// A polling client that vanishes aborts its pending GET, which
		// engine.io reports as "transport error", or, between two GETs, is
		// noticed by the heartbeat; the test accepts both for polling.
		{"transport close", func(s *ClientSocket) { s.Client().Drop() }, map[string]Reason{
			"websocket": ReasonTransportClose, "polling": ReasonTransportError}[transport], ReasonForcedClose},
		{"client namespace disconnect", func(s *ClientSocket) { s.Disconnect() }, ReasonClientNamespaceDisconnect, ReasonIOClientDisconnect},
		{"server namespace disconnect", func(s *ClientSocket) { s.Emit("disconnect-me") }, ReasonServerNamespaceDisconnect, ReasonIOServerDisconnect},
		{"close connection", func(s *ClientSocket) { s.Emit("close-me") }, ReasonServerNamespaceDisconnect, ReasonIOServerDisconnect},
		{"ping timeout", func(s *ClientSocket) { s.Client().SetIgnorePings(true) }, ReasonPingTimeout, ReasonTransportClose},
		{"parse error", func(s *ClientSocket) { s.Client().SendRaw(`42["unterminated`) }, ReasonParseError, ReasonTransportClose},
		{"parse error: reserved name", func(s *ClientSocket) { s.Client().SendRaw(`42["disconnect"]`) }, ReasonParseError, ReasonTransportClose},
		{"parse error: stray attachment", func(s *ClientSocket) { s.Client().SendRaw("\x01\x02") }, ReasonParseError, ReasonTransportClose},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name == "parse error: stray attachment" {
				// A binary engine.io message that no BINARY_EVENT announced.
				tc.act = func(s *ClientSocket) { s.Client().eio.Send([]byte{1, 2}, true) }
			}
			s := dialSocket(t, ctx, ts.URL, "/", &ClientOptions{Transport: transport})
			tc.act(s)
			want := []string{"disconnect / " + string(tc.server)}
			if tc.server == ReasonTransportError {
				want = append(want, "disconnect / "+string(ReasonPingTimeout))
			}
			ts.waitEvent(t, want...)
			select {
			case <-s.Done():
			case <-time.After(5 * time.Second):
				t.Fatal("client socket still connected")
			}
			if s.Reason() != tc.client {
				t.Errorf("client reason %q, want %q", s.Reason(), tc.client)
			}
		})
	}
}

func TestServerHeartbeat(t *testing.T) {
	ts := newTestServer(t, &engineio.ServerOptions{PingInterval: 100 * time.Millisecond, PingTimeout: 200 * time.Millisecond})
	ctx := testCtx(t)
	rec := NewRecorder()
	s := dialSocket(t, ctx, ts.URL, "/", &ClientOptions{Recorder: rec})
	time.Sleep(700 * time.Millisecond)
	if _, err := s.EmitWithAck(ctx, "echo", "alive"); err != nil {
		t.Fatal(err)
	}
	pings := 0
	for _, r := range rec.Records() {
		if r.Dir == engineio.In && r.Engine.Type == engineio.Ping {
			pings++
		}
	}
	if pings < 3 {
		t.Errorf("%d pings in 700ms at a 100ms interval", pings)
	}
}

func TestServerNamespacesAndMiddleware(t *testing.T) {
	ts := newTestServer(t, nil)
	ctx := testCtx(t)
	admin := ts.Of("admin") // same as "/admin"
	admin.Use(func(s *Socket) error {
		var auth struct{ Token string }
		json.Unmarshal(s.Handshake().Auth, &auth)
		if auth.Token != "secret" {
			return errors.New("bad token")
		}
		s.Set("user", "alice")
		return nil
	})
	admin.OnConnect(func(s *Socket) {
		s.On("user", func(e *Event) { e.Ack(s.Get("user")) })
	})
	c := dialClient(t, ctx, ts.URL, nil)
	_, err := c.Socket(ctx, "/admin", map[string]string{"token": "nope"})
	var ce *ConnectError
	if !errors.As(err, &ce) || ce.Message != "bad token" || ce.Data != nil {
		t.Fatalf("refusal: %#v", err)
	}
	s, err := c.Socket(ctx, "/admin", map[string]string{"token": "secret"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.EmitWithAck(ctx, "user")
	if err != nil {
		t.Fatal(err)
	}
	jsonEq(t, `["alice"]`, got)
	// The main namespace on the same connection, with its own id.
	m, err := c.Socket(ctx, "/", nil)
	if err != nil {
		t.Fatal(err)
	}
	if m.ID() == s.ID() || m.ID() == "" {
		t.Errorf("ids %q %q", m.ID(), s.ID())
	}
	if _, err := c.Socket(ctx, "/", nil); err == nil {
		t.Error("joining a namespace twice succeeded")
	}
	_, err = c.Socket(ctx, "/refused", nil)
	if !errors.As(err, &ce) || ce.Message != "not allowed" {
		t.Fatalf("refused: %v", err)
	}
	jsonEq(t, `{"reason":"test","code":42}`, ce.Data)
}

func TestServerRooms(t *testing.T) {
	ts := newTestServer(t, nil)
	ctx := testCtx(t)
	var mu sync.Mutex
	var evs []string
	ts.Of("/").OnRoomEvent(func(e RoomEvent) {
		if e.Room == "red" {
			mu.Lock()
			evs = append(evs, string(e.Type))
			mu.Unlock()
		}
	})
	a := dialSocket(t, ctx, ts.URL, "/", nil)
	b := dialSocket(t, ctx, ts.URL, "/", nil)
	c := dialSocket(t, ctx, ts.URL, "/", nil)
	aIn, bIn, cIn := collect(a), collect(b), collect(c)
	a.EmitWithAck(ctx, "join", "red")
	b.EmitWithAck(ctx, "join", "red")
	if n := ts.Of("/").RoomSize("red"); n != 2 {
		t.Errorf("room size %d", n)
	}
	srvA := ts.Of("/").Socket(a.ID())
	if srvA == nil {
		t.Fatal("no server socket for a")
	}
	rooms := srvA.Rooms()
	sort.Strings(rooms)
	want := []string{a.ID(), "red"}
	sort.Strings(want)
	if len(rooms) != 2 || rooms[0] != want[0] || rooms[1] != want[1] {
		t.Errorf("rooms of a: %v", rooms)
	}
	a.Emit("to-room", "red", "news", "to-red")
	c.Emit("io-to-room", "red", "news", "io-red")
	a.Emit("broadcast", "news", "bcast")
	a.Emit("except", "red", "news", "not-red")
	ts.Of("/").To("red").Except(b.ID()).Emit("news", "red-but-b")
	ts.Of("/").To(a.ID(), b.ID()).Emit("news", "a-and-b")
	expectArgs(t, aIn, "news", `["io-red"]`, `["red-but-b"]`, `["a-and-b"]`)
	expectArgs(t, bIn, "news", `["to-red"]`, `["io-red"]`, `["bcast"]`, `["a-and-b"]`)
	expectArgs(t, cIn, "news", `["bcast"]`, `["not-red"]`)
	a.EmitWithAck(ctx, "leave", "red")
	b.Disconnect()
	deadline := time.Now().Add(5 * time.Second)
	for ts.Of("/").RoomSize("red") != 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	jsonEq(t, `["create-room","join-room","join-room","leave-room","leave-room","delete-room"]`, evs)
}

func TestServerAckTimeoutAndClose(t *testing.T) {
	ts := newTestServer(t, nil)
	ctx := testCtx(t)
	got := make(chan error, 2)
	ts.Of("/slow").OnConnect(func(s *Socket) {
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			defer cancel()
			_, err := s.EmitWithAck(ctx, "never-acked")
			got <- err
			_, err = s.EmitWithAck(context.Background(), "never-acked")
			got <- err
		}()
	})
	s := dialSocket(t, ctx, ts.URL, "/slow", nil)
	if err := <-got; !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("ack timeout: %v", err)
	}
	time.Sleep(100 * time.Millisecond)
	s.Client().Drop()
	select {
	case err := <-got:
		if !errors.Is(err, ErrClosed) {
			t.Errorf("ack after close: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("EmitWithAck still blocked after the client left")
	}
	// Client side: an ack the server never sends times out.
	m := dialSocket(t, ctx, ts.URL, "/", nil)
	_, err := m.EmitWithAck(ctx, "nobody-listens")
	_ = err
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if _, err := m.EmitWithAck(short, "nobody-listens"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("client ack timeout: %v", err)
	}
}

func TestServerPath(t *testing.T) {
	url := serveLoopback(t, NewServer(&ServerOptions{Path: "/rt"}))
	resp, err := http.Get(url + "/socket.io/?EIO=4&transport=polling")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("default path on a server at /rt: %d", resp.StatusCode)
	}
	ctx := testCtx(t)
	dialSocket(t, ctx, url, "/", &ClientOptions{Path: "/rt/"})
}

func TestServerConnectTimeout(t *testing.T) {
	url := serveLoopback(t, NewServer(&ServerOptions{ConnectTimeout: 200 * time.Millisecond}))
	ctx := testCtx(t)
	c := dialClient(t, ctx, url, nil)
	select {
	case <-c.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("a connection that joined no namespace was kept")
	}
}

// TestServerCycles connects and disconnects a few hundred times, over both
// transports; goleak (TestMain) checks nothing is left behind.
func TestServerCycles(t *testing.T) {
	ts := newTestServer(t, nil)
	ctx := testCtx(t)
	n := 300
	if testing.Short() {
		n = 50
	}
	for i := 0; i < n; i++ {
		opts := &ClientOptions{}
		if i%5 == 0 {
			opts.Transport = "polling"
		}
		c, err := Dial(ctx, ts.URL, opts)
		if err != nil {
			t.Fatalf("cycle %d: %v", i, err)
		}
		s, err := c.Socket(ctx, "/", nil)
		if err != nil {
			t.Fatalf("cycle %d: %v", i, err)
		}
		if i%3 == 0 {
			if _, err := s.EmitWithAck(ctx, "echo", i); err != nil {
				t.Fatalf("cycle %d: %v", i, err)
			}
		}
		// A polling client that vanishes is only noticed by the heartbeat
		// (45s by default), so polling clients leave politely.
		if i%2 == 0 || opts.Transport == "polling" {
			c.Close()
		} else {
			c.Drop()
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(ts.Of("/").Sockets()) > 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if k := len(ts.Of("/").Sockets()); k != 0 {
		t.Errorf("%d sockets left after the cycles", k)
	}
}
