package socketio

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// Over WebSocket an event's handler runs on the connection's reader
// (conn.OnMessage). These tests hold the handlers that must then free the
// reader: one that waits for its own client's ack, and the order of what
// arrives while it waits.

// handOffServer answers "ask" by asking its client "question" and
// reporting the answer (or the error) as "answer"; "log" events are
// recorded in arrival order, after the "ask" handler's own entry.
func handOffServer(t *testing.T) (url string, order func() []string) {
	t.Helper()
	srv := NewServer(nil)
	url = serveLoopback(t, srv)
	var mu sync.Mutex
	var log []string
	srv.Of("/").OnConnect(func(s *Socket) {
		s.On("ask", func(e *Event) {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel()
			reply, err := s.EmitWithAck(ctx, "question")
			mu.Lock()
			log = append(log, "ask done")
			mu.Unlock()
			if err != nil {
				s.Emit("answer", "the handler's EmitWithAck failed: "+err.Error())
				return
			}
			s.Emit("answer", reply[0])
		})
		s.On("log", func(e *Event) {
			mu.Lock()
			log = append(log, "log "+string(e.Args[0]))
			mu.Unlock()
			if e.HasAck() {
				e.Ack()
			}
		})
	})
	return url, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), log...)
	}
}

func TestHandlerOnReaderWaitsForItsAck(t *testing.T) {
	url, order := handOffServer(t)
	ctx := testCtx(t)
	s := dialSocket(t, ctx, url, "/", &ClientOptions{Transport: "websocket"})
	s.On("question", func(e *Event) { e.Ack("forty-two") })
	in := collect(s)
	if err := s.Emit("ask"); err != nil {
		t.Fatal(err)
	}
	// Sent while "ask" waits for its answer: handled after it, in order.
	for i := range 3 {
		if err := s.Emit("log", i); err != nil {
			t.Fatal(err)
		}
	}
	jsonEq(t, `["forty-two"]`, in.next(t, "answer").Args)
	if _, err := s.EmitWithAck(ctx, "log", 3); err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(order(), ", "), "ask done, log 0, log 1, log 2, log 3"; got != want {
		t.Errorf("handlers ran as %q; want %q: events that arrive while a handler waits run after it, in order", got, want)
	}
}

// BenchmarkHandOff is an event whose handler frees the reader, for the
// cost of the hand-off itself.
func BenchmarkHandOff(b *testing.B) {
	srv := NewServer(nil)
	srv.Of("/").OnConnect(func(s *Socket) {
		s.On("echo", func(e *Event) {
			s.conn.ec.HandOff()
			e.Ack()
		})
	})
	hs := httptest.NewServer(srv)
	defer func() { srv.Close(); hs.Close() }()
	c := dialAckClient(b, hs.URL)
	defer c.close()
	b.ReportAllocs()
	id := 0
	for b.Loop() {
		if err := c.write(fmt.Appendf(nil, `42%d["echo"]`, id)); err != nil {
			b.Fatal(err)
		}
		if _, err := c.read(); err != nil {
			b.Fatal(err)
		}
		id++
	}
}
