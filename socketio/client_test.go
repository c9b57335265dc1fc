package socketio

import (
	"errors"
	"strings"
	"testing"
	"time"

	"rtlab/engineio"
)

// scriptHandler is a raw Engine.IO server session that answers each
// Socket.IO message with canned messages, to feed the client what a
// polite server never sends.
type scriptHandler struct {
	c     *engineio.Conn
	reply func(msg string) []string
}

func (h *scriptHandler) OnMessage(data []byte, binary bool) {
	for _, m := range h.reply(string(data)) {
		h.c.SendMessage([]byte(m), false)
	}
}
func (h *scriptHandler) OnClose(string, error) {}

func rawServer(t *testing.T, reply func(msg string) []string) string {
	t.Helper()
	eio := engineio.NewServer(&engineio.ServerOptions{OnConnection: func(c *engineio.Conn) {
		c.SetHandler(&scriptHandler{c: c, reply: reply})
	}})
	return serveLoopback(t, eio)
}

func TestClientParseError(t *testing.T) {
	url := rawServer(t, func(msg string) []string {
		if strings.HasPrefix(msg, "0") {
			return []string{`0{"sid":"abc"}`, `2["disconnect"]`} // reserved name: malformed
		}
		return nil
	})
	ctx := testCtx(t)
	s := dialSocket(t, ctx, url, "/", &ClientOptions{Path: "/engine.io/"})
	if s.ID() != "abc" {
		t.Errorf("id %q", s.ID())
	}
	select {
	case <-s.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("client kept a connection that sent a malformed packet")
	}
	if s.Reason() != ReasonParseError {
		t.Errorf("reason %q, want parse error", s.Reason())
	}
}

func TestClientConnectErrorForms(t *testing.T) {
	url := rawServer(t, func(msg string) []string {
		switch {
		case strings.HasPrefix(msg, "0/old"):
			return []string{`4/old,"legacy refusal"`}
		case strings.HasPrefix(msg, "0/twice"):
			return []string{`4/twice,{"message":"one"}`, `4/twice,{"message":"two"}`, `0/twice,{"sid":"late"}`}
		}
		return nil
	})
	ctx := testCtx(t)
	c := dialClient(t, ctx, url, &ClientOptions{Path: "/engine.io/"})
	var ce *ConnectError
	if _, err := c.Socket(ctx, "/old", nil); !errors.As(err, &ce) || ce.Message != "legacy refusal" {
		t.Errorf("string CONNECT_ERROR: %v", err)
	}
	if _, err := c.Socket(ctx, "/twice", nil); !errors.As(err, &ce) || ce.Message != "one" {
		t.Errorf("double CONNECT_ERROR: %v", err)
	}
	// The connection still works after the odd answers.
	time.Sleep(50 * time.Millisecond)
	select {
	case <-c.Done():
		t.Fatal("connection closed")
	default:
	}
}

func TestClientSendPacketRejectsBadNamespace(t *testing.T) {
	ts := newTestServer(t, nil)
	ctx := testCtx(t)
	s := dialSocket(t, ctx, ts.URL, "/", nil)
	err := s.Client().SendPacket(&Packet{Type: PacketEvent, Namespace: "a,b", Data: []byte(`["x"]`)})
	var ee *EncodeError
	if !errors.As(err, &ee) {
		t.Errorf("err = %v", err)
	}
	if err := s.Emit("connect"); err != nil {
		// socket.io-client refuses reserved names; our client lets the
		// harness send them (the server must then close with parse error).
		t.Logf("emit reserved: %v", err)
	}
	ts.waitEvent(t, "disconnect / parse error")
}

func TestClientHandlersBeforeConnect(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.Of("/greet").OnConnect(func(s *Socket) {
		s.Emit("welcome", s.ID()) // right after accepting, as Q17's count is
	})
	ctx := testCtx(t)
	c := dialClient(t, ctx, ts.URL, nil)
	for i := 0; i < 20; i++ {
		s := c.NewSocket("greet")
		got := make(chan string, 1)
		s.On("welcome", func(e *Event) {
			var id string
			e.Bind(0, &id)
			got <- id
		})
		if err := s.Connect(ctx, nil); err != nil {
			t.Fatal(err)
		}
		select {
		case id := <-got:
			if id != s.ID() {
				t.Errorf("welcome %q, socket %q", id, s.ID())
			}
		case <-time.After(5 * time.Second):
			t.Fatal("the welcome event was lost")
		}
		if err := s.Connect(ctx, nil); err == nil {
			t.Error("a socket connected twice")
		}
		s.Disconnect()
	}
}
