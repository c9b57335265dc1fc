//go:build unix

package loadtest

import (
	"errors"
	"net"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestCallShortWrite: a request the socket takes only in part (a full
// send buffer), or not at all, is finished through net.Conn; the peer
// gets whole frames and each call its ACK.
func TestCallShortWrite(t *testing.T) {
	for _, tc := range []struct {
		name  string
		write func(fd int, p []byte) (int, error)
	}{
		{"half", func(fd int, p []byte) (int, error) { return unix.Write(fd, p[:len(p)/2]) }},
		{"one byte", func(fd int, p []byte) (int, error) { return unix.Write(fd, p[:1]) }},
		{"EAGAIN", func(fd int, p []byte) (int, error) { return -1, unix.EAGAIN }},
		{"EINTR", func(fd int, p []byte) (int, error) { return -1, unix.EINTR }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got answers
			c, end := dialPeer(t, 5000, 5000, serveRequests(&got, func(p *peer, id uint64) error { return p.send(text("2"), ack(id, `"x"`)) }))
			rawWrite = tc.write
			defer func() { rawWrite = unix.Write }()
			for id := uint64(1); id <= 3; id++ {
				if err := echoCall(c, id, testPad); err != nil {
					t.Fatalf("call %d: %v", id, err)
				}
			}
			end()
			if n := got.pongs.Load(); n != 3 {
				t.Errorf("%d pongs, want 3", n)
			}
		})
	}
}

// TestCallDeadlinePassed: a call made after the heartbeat deadline fails
// before writing, with a timeout, and leaves the write lock free.
func TestCallDeadlinePassed(t *testing.T) {
	var got answers
	c, _ := dialPeer(t, 5000, 5000, serveRequests(&got, func(p *peer, id uint64) error { return p.send(ack(id, `"x"`)) }))
	c.nc.SetDeadline(time.Now().Add(-time.Second))
	err := echoCall(c, 1, testPad)
	if r := dropReason(err); r != "ping timeout" {
		t.Fatalf("reason %q (%v), want ping timeout", r, err)
	}
	done := make(chan error, 1)
	go func() { done <- c.writeText(pktPong) }()
	select {
	case err := <-done:
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() {
			t.Errorf("write after the deadline: %v, want a timeout", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the write lock is still held")
	}
}
