package socketio

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"rtlab/engineio"
)

// These tests run our Client against the real npm socket.io@4 server.

func TestClientNodeRoundTrip(t *testing.T) {
	for _, tc := range clientModes {
		t.Run(tc.name, func(t *testing.T) {
			url, _ := nodeServer(t)
			ctx := testCtx(t)
			rec := NewRecorder()
			opts := tc.opts
			opts.Recorder = rec
			opts.Query = map[string][]string{"q": {"1"}}
			c := dialClient(t, ctx, url, &opts)
			s, err := c.Socket(ctx, "/", map[string]string{"token": "abc"})
			if err != nil {
				t.Fatal(err)
			}
			in := collect(s)
			s.On("question", func(e *Event) {
				if e.HasAck() {
					e.Ack("yes", map[string]int{"n": 1})
				}
			})

			who, err := s.EmitWithAck(ctx, "whoami")
			if err != nil {
				t.Fatal(err)
			}
			var w struct {
				ID        string            `json:"id"`
				Auth      map[string]string `json:"auth"`
				Query     map[string]string `json:"query"`
				Transport string            `json:"transport"`
			}
			json.Unmarshal(who[0], &w)
			if w.ID != s.ID() || w.Auth["token"] != "abc" || w.Query["q"] != "1" || w.Query["EIO"] != "4" {
				t.Errorf("whoami = %s (socket id %s)", who[0], s.ID())
			}
			if tc.opts.Upgrade {
				deadline := time.Now().Add(5 * time.Second)
				for c.Transport() != "websocket" && time.Now().Before(deadline) {
					time.Sleep(20 * time.Millisecond)
				}
			}
			if got := c.Transport(); got != tc.final {
				t.Errorf("transport %s, want %s", got, tc.final)
			}

			got, err := s.EmitWithAck(ctx, "echo", map[string]int{"a": 1}, "two", 3)
			if err != nil {
				t.Fatal(err)
			}
			jsonEq(t, `[{"a":1},"two",3]`, got)
			if err := s.Emit("echo", "no-ack", nil); err != nil {
				t.Fatal(err)
			}
			jsonEq(t, `["no-ack",null]`, in.next(t, "echo").Args)

			// The server emits with an ack to us; our answer comes back.
			if _, err := s.EmitWithAck(ctx, "ask", map[string]string{"q": "?"}); err != nil {
				t.Fatal(err)
			}
			jsonEq(t, `["yes",{"n":1}]`, in.next(t, "answer").Args)

			// Binary both ways, in an ack and in an event.
			ack, err := s.EmitWithAckEvent(ctx, "binary", []byte("hello"))
			if err != nil {
				t.Fatal(err)
			}
			if b, ok := ack.Bytes(0); !ok || string(b) != "olleh" {
				t.Errorf("binary ack %s %q", ack.Args, b)
			}
			s.Emit("binary", []byte{1, 2, 3})
			e := in.next(t, "binary")
			var b []byte
			if err := e.Bind(0, &b); err != nil || string(b) != "\x03\x02\x01" {
				t.Errorf("binary event %s %v %v", e.Args, b, err)
			}
			jsonEq(t, `{"len":3}`, e.Args[1])

			// The recorder saw the binary event go out as 451-[...] then bytes.
			var sawBin bool
			for _, r := range rec.Records() {
				if r.Dir == engineio.Out && r.Packet != nil && r.Packet.Type == PacketBinaryEvent {
					sawBin = len(r.Packet.Attachments) == 1
				}
			}
			if !sawBin {
				t.Error("recorder: no outgoing BINARY_EVENT with its attachment")
			}
			if c.Counter().Written() == 0 || c.Counter().Read() == 0 {
				t.Error("counter counted nothing")
			}
		})
	}
}

func TestClientNodeRefused(t *testing.T) {
	url, _ := nodeServer(t)
	ctx := testCtx(t)
	c := dialClient(t, ctx, url, nil)
	_, err := c.Socket(ctx, "/refused", nil)
	var ce *ConnectError
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v, want *ConnectError", err)
	}
	if ce.Message != "not allowed" {
		t.Errorf("message %q", ce.Message)
	}
	jsonEq(t, `{"reason":"test","code":42}`, ce.Data)
	_, err = c.Socket(ctx, "/nope", nil)
	if !errors.As(err, &ce) || ce.Message != "Invalid namespace" {
		t.Errorf("unknown namespace: %v", err)
	}
	// The connection is still usable for another namespace.
	s, err := c.Socket(ctx, "/admin", nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.EmitWithAck(ctx, "whoami")
	if err != nil || !strings.Contains(string(got[0]), `"nsp":"/admin"`) {
		t.Errorf("whoami on /admin: %s %v", got, err)
	}
}

func TestClientNodeRooms(t *testing.T) {
	url, _ := nodeServer(t)
	ctx := testCtx(t)
	a := dialSocket(t, ctx, url, "/", nil)
	b := dialSocket(t, ctx, url, "/", nil)
	c := dialSocket(t, ctx, url, "/", nil)
	aIn, bIn, cIn := collect(a), collect(b), collect(c)
	for _, s := range []*ClientSocket{a, b} {
		if _, err := s.EmitWithAck(ctx, "join", "red"); err != nil {
			t.Fatal(err)
		}
	}
	n, _ := c.EmitWithAck(ctx, "room-size", "red")
	jsonEq(t, `[2]`, n)
	a.Emit("to-room", "red", "news", "to-red")    // b only
	c.Emit("io-to-room", "red", "news", "io-red") // a and b
	a.Emit("broadcast", "news", "bcast")          // b and c
	a.Emit("except", "red", "news", "not-red")    // c
	expectArgs(t, aIn, "news", `["io-red"]`)
	expectArgs(t, bIn, "news", `["to-red"]`, `["io-red"]`, `["bcast"]`)
	expectArgs(t, cIn, "news", `["bcast"]`, `["not-red"]`)
}

func TestClientNodeDisconnectReasons(t *testing.T) {
	url, p := nodeServer(t, "--pingInterval=100", "--pingTimeout=200")
	ctx := testCtx(t)
	serverReason := func(s *ClientSocket, want string) {
		t.Helper()
		l, err := p.WaitFor("disconnect / "+s.ID()+" ", 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if l != want {
			t.Errorf("server disconnect %q, want reason %q", l, want)
		}
	}
	clientReason := func(s *ClientSocket, want Reason) {
		t.Helper()
		select {
		case <-s.Done():
		case <-time.After(5 * time.Second):
			t.Fatalf("client socket still connected, want %q", want)
		}
		if s.Reason() != want {
			t.Errorf("client reason %q, want %q", s.Reason(), want)
		}
	}

	t.Run("heartbeat", func(t *testing.T) {
		s := dialSocket(t, ctx, url, "/", nil)
		time.Sleep(700 * time.Millisecond) // several ping intervals
		if _, err := s.EmitWithAck(ctx, "echo", 1); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("io client disconnect", func(t *testing.T) {
		s := dialSocket(t, ctx, url, "/", nil)
		var got Reason
		done := make(chan struct{})
		s.OnDisconnect(func(r Reason) { got = r; close(done) })
		s.Disconnect()
		<-done
		if got != ReasonIOClientDisconnect {
			t.Errorf("reason %q", got)
		}
		serverReason(s, "client namespace disconnect")
	})
	t.Run("io server disconnect", func(t *testing.T) {
		s := dialSocket(t, ctx, url, "/", nil)
		s.Emit("disconnect-me")
		clientReason(s, ReasonIOServerDisconnect)
		serverReason(s, "server namespace disconnect")
	})
	t.Run("transport close", func(t *testing.T) {
		s := dialSocket(t, ctx, url, "/", nil)
		s.Client().Drop()
		serverReason(s, "transport close")
		_ = s
	})
	t.Run("ping timeout", func(t *testing.T) {
		s := dialSocket(t, ctx, url, "/", nil)
		s.Client().SetIgnorePings(true)
		serverReason(s, "ping timeout")
		clientReason(s, ReasonTransportClose)
	})
	t.Run("parse error", func(t *testing.T) {
		// A malformed Engine.IO packet: the JS server says "parse error".
		s := dialSocket(t, ctx, url, "/", nil)
		s.Client().SendRaw(`x`)
		serverReason(s, "parse error")
		clientReason(s, ReasonTransportClose)
	})
	t.Run("malformed socket.io packet", func(t *testing.T) {
		// A malformed Socket.IO packet inside a valid Engine.IO message:
		// socket.io 4.8.1 closes the connection, and its sockets report
		// "forced close" (Client.onerror calls conn.close()).
		s := dialSocket(t, ctx, url, "/", nil)
		s.Client().SendRaw(`42["unterminated`)
		serverReason(s, "forced close")
		clientReason(s, ReasonTransportClose)
	})
}
