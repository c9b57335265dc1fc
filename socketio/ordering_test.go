package socketio

import (
	"context"
	"encoding/json"
	"runtime"
	"testing"
	"time"
)

// slowJoin is a connect handler that does its work late (as a handler
// that queries a database would), then joins room and says so: under the
// scheduler's whims, another client's packet can be handled meanwhile.
func slowJoin(s *Socket, room string) {
	for range 50 {
		runtime.Gosched()
	}
	time.Sleep(30 * time.Millisecond)
	s.Join(room)
	s.Emit("joined", room)
}

// TestServerConnectHandlerBeforeOthers: what a connection handler does is
// done before any other client can act on the new socket's CONNECT. A
// client emits to a room the moment the new socket is connected; the new
// socket must get it, every time, and after the handler's own emits. (The
// CONNECT used to be sent before the handlers ran.)
func TestServerConnectHandlerBeforeOthers(t *testing.T) {
	ts := newTestServer(t, nil)
	ctx := testCtx(t)
	ts.Of("/").OnConnect(func(s *Socket) {
		var a struct{ Room string }
		json.Unmarshal(s.Handshake().Auth, &a)
		if a.Room != "" {
			slowJoin(s, a.Room)
		}
	})
	sender := dialSocket(t, ctx, ts.URL, "/", nil)
	for i := range 5 {
		s, in := dialCollecting(t, ctx, ts.URL, "/")
		c := s.Client()
		if err := s.Connect(ctx, map[string]string{"room": "red"}); err != nil {
			c.Close()
			t.Fatal(err)
		}
		msg := "hello " + string(rune('0'+i))
		sender.Emit("io-to-room", "red", "news", msg)
		got := in.first(t, 2, "the room message sent right after the CONNECT never arrived: the socket was not in its room yet")
		c.Close()
		jsonEq(t, `["joined [\"red\"]","news [\"`+msg+`\"]"]`, got)
	}
}

// TestServerConnectHandlerEmits: the handler's emits, and broadcasts that
// reach the socket while its handler runs, follow the CONNECT in order;
// an EmitWithAck in the handler does not wait for the handler to return;
// a Disconnect in the handler comes after the CONNECT.
func TestServerConnectHandlerEmits(t *testing.T) {
	ts := newTestServer(t, nil)
	ctx := testCtx(t)
	ts.Of("/hs").OnConnect(func(s *Socket) {
		var a struct{ Mode string }
		json.Unmarshal(s.Handshake().Auth, &a)
		switch a.Mode {
		case "emits":
			for i := range 20 {
				s.Emit("n", i)
				if i == 10 {
					s.Namespace().Emit("all", "from-handler")
				}
			}
		case "ask":
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel()
			reply, err := s.EmitWithAck(ctx, "question")
			if err != nil {
				s.Emit("answer", err.Error())
				return
			}
			s.Emit("answer", reply[0])
		case "kick":
			s.Emit("bye")
			s.Disconnect(false)
		}
	})

	t.Run("emits", func(t *testing.T) {
		s, in := dialCollecting(t, ctx, ts.URL, "/hs")
		if err := s.Connect(ctx, map[string]string{"mode": "emits"}); err != nil {
			t.Fatal(err)
		}
		got := in.first(t, 21, "missing events")
		jsonEq(t, `["n [0]","n [1]","n [2]","n [3]","n [4]","n [5]","n [6]","n [7]","n [8]","n [9]","n [10]","all [\"from-handler\"]","n [11]","n [12]","n [13]","n [14]","n [15]","n [16]","n [17]","n [18]","n [19]"]`, got)
	})
	t.Run("ask", func(t *testing.T) {
		s, in := dialCollecting(t, ctx, ts.URL, "/hs")
		s.On("question", func(e *Event) { e.Ack("forty-two") })
		if err := s.Connect(ctx, map[string]string{"mode": "ask"}); err != nil {
			t.Fatal(err)
		}
		e := in.next(t, "answer")
		jsonEq(t, `["forty-two"]`, e.Args)
	})
	t.Run("kick", func(t *testing.T) {
		s, in := dialCollecting(t, ctx, ts.URL, "/hs")
		if err := s.Connect(ctx, map[string]string{"mode": "kick"}); err != nil {
			t.Fatalf("the CONNECT must come before the DISCONNECT: %v", err)
		}
		in.next(t, "bye")
		select {
		case <-s.Done():
		case <-time.After(5 * time.Second):
			t.Fatal("the socket was not disconnected")
		}
	})
}

// first waits for the first n events of in and returns them as "name
// args", in the order they arrived; it fails with why when they do not
// come within 5s.
func (in *inbox) first(t *testing.T, n int, why string) []string {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		in.mu.Lock()
		if len(in.evs) >= n {
			var out []string
			for _, e := range in.evs[:n] {
				b, _ := json.Marshal(e.Args)
				out = append(out, e.Name+" "+string(b))
			}
			in.mu.Unlock()
			return out
		}
		have := len(in.evs)
		in.mu.Unlock()
		select {
		case <-in.ch:
		case <-deadline:
			t.Fatalf("%s: %d of %d events within 5s", why, have, n)
		}
	}
}
