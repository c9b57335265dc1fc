package engineio

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"rtlab/internal/rawws"
)

// TestEveryArrivalIsRead drives the poller's readers (readReady) through
// the moments where a report of arriving bytes can be lost: bytes that
// come while a reader handles what it read, or lets the socket go, and
// frames split across TCP segments. Each client sends a pair of messages,
// the second one a few microseconds after the first, sometimes in two
// pieces, and waits for both answers. A reader that let the socket go
// with bytes in it leaves its client waiting for an answer that never
// comes.
func TestEveryArrivalIsRead(t *testing.T) {
	if testing.Short() {
		t.Skip("a stress test")
	}
	srv := NewServer(&ServerOptions{PingInterval: time.Hour, PingTimeout: time.Hour, OnConnection: func(c *Conn) {
		c.SetHandler(replyHandler{c})
	}})
	url := serveLoopback(t, srv, nil)
	const clients, pairs = 12, 300
	conns := make([]*rawws.Conn, clients)
	for i := range conns {
		conns[i] = rawOpen(t, url)
	}
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for i, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := sendPairs(c, i, pairs); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// sendPairs is one client of TestEveryArrivalIsRead. Now and then the
// second message is a burst of frames larger together than the server's
// read buffer: a read that fills the buffer has not emptied the socket.
// (The frames are sized for wsBufferSize = 512.)
func sendPairs(c *rawws.Conn, client, pairs int) error {
	rng := rand.New(rand.NewPCG(uint64(client), 7))
	pad := strings.Repeat("x", 248)
	for p := range pairs {
		a := fmt.Sprintf("4c%d-%d-a", client, p)
		if err := c.WriteFrame(rawws.Frame{Fin: true, Opcode: rawws.OpText, Masked: true, Payload: []byte(a)}); err != nil {
			return err
		}
		want := []string{"4re:" + a[1:]}
		spin(rng.IntN(20))
		var burst []byte
		frames := 1
		if rng.IntN(5) == 0 {
			frames = 4
		}
		for i := range frames {
			b := fmt.Sprintf("4c%d-%d-b%d", client, p, i)
			if frames > 1 {
				// Two such frames (8 bytes of header and key each)
				// fill the server's 512-byte buffer exactly.
				b += pad[:248-len(b)]
			}
			burst = rawws.AppendFrame(burst, rawws.Frame{Fin: true, Opcode: rawws.OpText, Masked: true, Key: [4]byte{1, 2, 3, 4}, Payload: []byte(b)})
			want = append(want, "4re:"+b[1:])
		}
		if rng.IntN(3) == 0 {
			// In two pieces: a reader meets half a frame.
			cut := 1 + rng.IntN(len(burst)-1)
			if _, err := c.Write(burst[:cut]); err != nil {
				return err
			}
			spin(rng.IntN(50))
			burst = burst[cut:]
		}
		if _, err := c.Write(burst); err != nil {
			return err
		}
		for _, w := range want {
			c.SetReadDeadline(time.Now().Add(10 * time.Second))
			f, err := c.ReadFrame()
			if errors.Is(err, os.ErrDeadlineExceeded) {
				return fmt.Errorf("client %d, pair %d: no answer %.20q… within 10 s: the server's reader let the socket go with bytes in it", client, p, w)
			}
			if err != nil {
				return fmt.Errorf("client %d, pair %d: %w", client, p, err)
			}
			if string(f.Payload) != w {
				return fmt.Errorf("client %d, pair %d: got %.20q…, want %.20q…", client, p, f.Payload, w)
			}
		}
	}
	return nil
}

// spin waits about n microseconds without sleeping (a sleep is at least
// a timer's granularity, far longer than the windows this test aims at).
func spin(n int) {
	end := time.Now().Add(time.Duration(n) * time.Microsecond)
	for time.Now().Before(end) {
	}
}

// blockingHandler answers every message at once, except "block", for
// which it first sleeps: a handler that blocks without HandOff.
type blockingHandler struct {
	c     *Conn
	block time.Duration
}

func (h blockingHandler) OnMessage(data []byte, binary bool) {
	if string(data) == "block" {
		time.Sleep(h.block)
	}
	h.c.SendNow(NewMessage(append([]byte("re:"), data...), false))
}
func (blockingHandler) OnClose(string, error) {}

// TestBlockedHandlerHoldsOnlyItsSession: a session is read on the
// poller's own goroutine when it is alone in its batch; a handler there
// that blocks must not hold up the other sessions. While one client's
// handler sleeps for 1 s, another client's messages are answered.
func TestBlockedHandlerHoldsOnlyItsSession(t *testing.T) {
	const block = time.Second
	srv := NewServer(&ServerOptions{PingInterval: time.Hour, PingTimeout: time.Hour, OnConnection: func(c *Conn) {
		c.SetHandler(blockingHandler{c: c, block: block})
	}})
	url := serveLoopback(t, srv, nil)
	slow, quick := rawOpen(t, url), rawOpen(t, url)
	start := time.Now()
	if err := slow.WriteFrame(rawws.Frame{Fin: true, Opcode: rawws.OpText, Masked: true, Payload: []byte("4block")}); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		msg := fmt.Sprintf("4quick%d", i)
		if err := quick.WriteFrame(rawws.Frame{Fin: true, Opcode: rawws.OpText, Masked: true, Payload: []byte(msg)}); err != nil {
			t.Fatal(err)
		}
		quick.SetReadDeadline(start.Add(block))
		f, err := quick.ReadFrame()
		if err != nil {
			t.Fatalf("message %d of the other client: %v: a blocked handler held up every session", i, err)
		}
		if want := "4re:" + msg[1:]; string(f.Payload) != want {
			t.Fatalf("got %q, want %q", f.Payload, want)
		}
	}
	slow.SetReadDeadline(time.Now().Add(10 * time.Second))
	f, err := slow.ReadFrame()
	if err != nil || string(f.Payload) != "4re:block" {
		t.Fatalf("the blocked handler's answer: %q, %v", f.Payload, err)
	}
}
