package socketio

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"net"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"rtlab/internal/rawws"
)

// ackClient is the cheapest client of an acked conversation: a raw
// WebSocket whose frames are written with a zero mask and read into one
// reused buffer, so that what a benchmark counts is the server's work.
type ackClient struct {
	nc  net.Conn
	br  *bufio.Reader
	out []byte
	in  []byte
	hdr [10]byte // a field, not a local: io.ReadFull would move it to the heap
}

func dialAckClient(tb testing.TB, url string) *ackClient {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	u := "ws" + strings.TrimPrefix(url, "http") + "/socket.io/?EIO=4&transport=websocket"
	c, err := rawws.Dial(ctx, u, rawws.NewHandshake())
	if err != nil {
		tb.Fatal(err)
	}
	if c.Response.StatusCode != 101 {
		tb.Fatalf("handshake: %s", c.Response.Status)
	}
	a := &ackClient{nc: c.Conn, br: c.R}
	if _, err := a.read(); err != nil { // engine.io open
		tb.Fatal(err)
	}
	if err := a.write([]byte("40")); err != nil {
		tb.Fatal(err)
	}
	for {
		m, err := a.read()
		if err != nil {
			tb.Fatal(err)
		}
		if bytes.HasPrefix(m, []byte("40")) {
			return a
		}
	}
}

// write sends one text frame, masked with a zero key (RFC 6455 allows
// any key; zero leaves the payload as it is).
func (a *ackClient) write(p []byte) error {
	b := append(a.out[:0], 0x81)
	switch n := len(p); {
	case n < 126:
		b = append(b, 0x80|byte(n))
	default:
		b = append(b, 0x80|126, byte(n>>8), byte(n))
	}
	b = append(b, 0, 0, 0, 0)
	b = append(b, p...)
	a.out = b
	_, err := a.nc.Write(b)
	return err
}

// read returns the next data frame's payload, valid until the next read;
// pings ("2") are answered.
func (a *ackClient) read() ([]byte, error) {
	for {
		hdr := &a.hdr
		if _, err := io.ReadFull(a.br, hdr[:2]); err != nil {
			return nil, err
		}
		n := int(hdr[1] & 0x7f)
		switch n {
		case 126:
			if _, err := io.ReadFull(a.br, hdr[2:4]); err != nil {
				return nil, err
			}
			n = int(binary.BigEndian.Uint16(hdr[2:4]))
		case 127:
			if _, err := io.ReadFull(a.br, hdr[2:10]); err != nil {
				return nil, err
			}
			n = int(binary.BigEndian.Uint64(hdr[2:10]))
		}
		if cap(a.in) < n {
			a.in = make([]byte, n)
		}
		p := a.in[:n]
		if _, err := io.ReadFull(a.br, p); err != nil {
			return nil, err
		}
		if len(p) == 1 && p[0] == '2' {
			if err := a.write([]byte("3")); err != nil {
				return nil, err
			}
			continue
		}
		return p, nil
	}
}

func (a *ackClient) close() { a.nc.Close() }

// echoServer is the loadtest fixture's echo: it acknowledges with its
// arguments. opts may be nil.
func echoServer(opts *ServerOptions) *Server {
	srv := NewServer(opts)
	srv.Of("/").OnConnect(func(s *Socket) {
		s.On("echo", func(e *Event) {
			if e.HasAck() {
				args := make([]any, len(e.Args))
				for i, a := range e.Args {
					args[i] = a
				}
				e.Ack(args...)
			}
		})
	})
	return srv
}

// BenchmarkAckRoundTrip is one acked event over a loopback WebSocket: the
// client writes 42<id>["echo",{…}], the server decodes it, dispatches it
// to the handler, which acks with its argument; the client reads
// 43<id>[{…}]. One op is one round trip; B/op and allocs/op are the
// server's (the client reuses its buffers), which is what the acked-event
// path costs per request.
func BenchmarkAckRoundTrip(b *testing.B) {
	srv := echoServer(nil)
	hs := httptest.NewServer(srv)
	defer func() { srv.Close(); hs.Close() }()
	c := dialAckClient(b, hs.URL)
	defer c.close()
	payload := `["echo",{"text":"` + strings.Repeat("x", 100) + `","n":1}]`
	var msg []byte
	want := []byte("43")
	b.ReportAllocs()
	calls := countSyscalls(b)
	id := 0
	for b.Loop() {
		msg = append(strconv.AppendInt(append(msg[:0], "42"...), int64(id), 10), payload...)
		if err := c.write(msg); err != nil {
			b.Fatal(err)
		}
		m, err := c.read()
		if err != nil {
			b.Fatal(err)
		}
		if !bytes.HasPrefix(m, want) {
			b.Fatalf("got %q, want an ack", m)
		}
		id++
	}
	calls()
}

// countSyscalls reports, when the benchmark ends (call the function it
// returns), the read and write system calls of the whole process per op
// (/proc/self/io): client and server together. The client's share is one
// write and one or two reads per round trip (Go reads once more when the
// socket is empty), so a change in the server's shows as a whole step.
func countSyscalls(b *testing.B) func() {
	r0, w0, ok := procIO()
	if !ok {
		return func() {}
	}
	return func() {
		r1, w1, ok := procIO()
		if ok && b.N > 0 {
			b.ReportMetric(float64(r1-r0)/float64(b.N), "reads/op")
			b.ReportMetric(float64(w1-w0)/float64(b.N), "writes/op")
		}
	}
}

// procIO returns the process's read and write system calls so far.
func procIO() (reads, writes int64, ok bool) {
	b, err := os.ReadFile("/proc/self/io")
	if err != nil {
		return 0, 0, false
	}
	var found int
	for _, line := range strings.Split(string(b), "\n") {
		name, v, _ := strings.Cut(line, ": ")
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			continue
		}
		switch name {
		case "syscr":
			reads, found = n, found+1
		case "syscw":
			writes, found = n, found+1
		}
	}
	return reads, writes, found == 2
}

// BenchmarkAckPipelined keeps 16 acked events in flight on one
// connection: the server's reader finds several in one read and the acks
// queue up behind each other, the path where writes coalesce.
func BenchmarkAckPipelined(b *testing.B) {
	const window = 16
	srv := echoServer(nil)
	hs := httptest.NewServer(srv)
	defer func() { srv.Close(); hs.Close() }()
	c := dialAckClient(b, hs.URL)
	defer c.close()
	payload := `["echo",{"text":"` + strings.Repeat("x", 100) + `","n":1}]`
	var msg []byte
	send := func(id int) {
		msg = append(strconv.AppendInt(append(msg[:0], "42"...), int64(id), 10), payload...)
		if err := c.write(msg); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	sent := 0
	for ; sent < window; sent++ {
		send(sent)
	}
	for b.Loop() {
		if _, err := c.read(); err != nil {
			b.Fatal(err)
		}
		send(sent)
		sent++
	}
	b.StopTimer()
	for i := 0; i < window; i++ {
		if _, err := c.read(); err != nil {
			b.Fatal(err)
		}
	}
}
