package loadtest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"rtlab/internal/rawws"
)

// peer is the server end of one load client in these tests, on a
// loopback socket: it writes frames exactly as a test asks, several to a
// segment or one split in two, which no real server can be made to do.
type peer struct {
	nc  net.Conn
	br  *bufio.Reader
	h   [8]byte
	buf []byte // the payload of the last frame read
	out []byte
}

// readFrame returns the next frame from the client, unmasked; the payload
// is valid until the next call.
func (p *peer) readFrame() (byte, []byte, error) {
	if _, err := io.ReadFull(p.br, p.h[:2]); err != nil {
		return 0, nil, err
	}
	op, masked, n := p.h[0]&0x0f, p.h[1]&0x80 != 0, uint64(p.h[1]&0x7f)
	switch n {
	case 126:
		if _, err := io.ReadFull(p.br, p.h[:2]); err != nil {
			return 0, nil, err
		}
		n = uint64(binary.BigEndian.Uint16(p.h[:2]))
	case 127:
		if _, err := io.ReadFull(p.br, p.h[:8]); err != nil {
			return 0, nil, err
		}
		n = binary.BigEndian.Uint64(p.h[:8])
	}
	if n > 1<<20 {
		return 0, nil, fmt.Errorf("frame of %d bytes", n)
	}
	var key [4]byte
	if masked {
		if _, err := io.ReadFull(p.br, p.h[:4]); err != nil {
			return 0, nil, err
		}
		copy(key[:], p.h[:4])
	}
	p.buf = slices.Grow(p.buf[:0], int(n))[:n]
	if _, err := io.ReadFull(p.br, p.buf); err != nil {
		return 0, nil, err
	}
	if masked {
		for i := range p.buf {
			p.buf[i] ^= key[i&3]
		}
	}
	return op, p.buf, nil
}

// send writes the frames in one write: one segment on loopback.
func (p *peer) send(frames ...[]byte) error {
	p.out = p.out[:0]
	for _, f := range frames {
		p.out = append(p.out, f...)
	}
	_, err := p.nc.Write(p.out)
	return err
}

func frame(op byte, payload string) []byte {
	return rawws.AppendFrame(nil, rawws.Frame{Fin: true, Opcode: op, Payload: []byte(payload)})
}

func text(payload string) []byte { return frame(opText, payload) }

// requestID is the ack id of an echo request, `42<id>[…]`.
func requestID(p []byte) (uint64, bool) {
	if len(p) < 3 || p[0] != '4' || p[1] != '2' {
		return 0, false
	}
	n := 2
	for n < len(p) && p[n] >= '0' && p[n] <= '9' {
		n++
	}
	id, err := strconv.ParseUint(string(p[2:n]), 10, 64)
	return id, err == nil
}

// dialPeer connects a load client to a peer advertising the heartbeat
// interval+timeout (in ms), joined and armed as the runner leaves it, and
// hands the peer to serve once the CONNECT is answered. end closes the
// client and waits for serve to return (also done when the test ends).
func dialPeer(t testing.TB, interval, timeout int, serve func(p *peer)) (c *wsClient, end func()) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		nc, err := ln.Accept()
		ln.Close()
		if err != nil {
			return
		}
		defer nc.Close()
		nc.SetDeadline(time.Now().Add(20 * time.Second))
		p := &peer{nc: nc, br: bufio.NewReader(nc)}
		var key string
		for {
			line, err := p.br.ReadString('\n')
			if err != nil {
				return
			}
			if k, ok := strings.CutPrefix(line, "Sec-WebSocket-Key: "); ok {
				key = strings.TrimSpace(k)
			}
			if line == "\r\n" {
				break
			}
		}
		fmt.Fprintf(nc, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n", rawws.AcceptKey(key))
		p.send(text(fmt.Sprintf(`0{"sid":"p","upgrades":[],"pingInterval":%d,"pingTimeout":%d,"maxPayload":1000000}`, interval, timeout)))
		if _, b, err := p.readFrame(); err != nil || string(b) != "40" {
			return
		}
		p.send(text(`40{"sid":"s"}`))
		serve(p)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err = dialWS(ctx, wsTarget{addr: ln.Addr().String(), host: ln.Addr().String(), path: "/socket.io/"}, &net.Dialer{})
	if err == nil {
		if err = c.connect(); err != nil {
			c.close()
		}
	}
	if err != nil {
		ln.Close()
		<-done
		t.Fatalf("connect: %v", err)
	}
	c.armHeartbeat()
	var once sync.Once
	end = func() {
		once.Do(func() {
			c.close()
			<-done
		})
	}
	t.Cleanup(end)
	return c, end
}

// echoCall makes the request echoLoop makes, with id.
func echoCall(c *wsClient, id uint64, pad []byte) error {
	var b [24]byte
	return c.call(id, echoHead, strconv.AppendUint(b[:0], id, 10), echoName, pad, echoTail)
}

var testPad = []byte(strconv.Quote(strings.Repeat("x", 100)))

// answers counts what a peer got back from the client besides requests.
type answers struct {
	pongs   atomic.Int64 // Engine.IO "3"
	wsPongs atomic.Int64 // WebSocket pongs carrying "hb"
}

// serveRequests answers each echo request with respond(id) and counts
// the client's pongs, until the client leaves.
func serveRequests(got *answers, respond func(p *peer, id uint64) error) func(p *peer) {
	return func(p *peer) {
		for {
			op, b, err := p.readFrame()
			if err != nil {
				return
			}
			switch {
			case op == opPong && string(b) == "hb":
				got.wsPongs.Add(1)
			case op == opText && string(b) == "3":
				got.pongs.Add(1)
			case op == opText:
				if id, ok := requestID(b); ok {
					if respond(p, id) != nil {
						return
					}
				}
			}
		}
	}
}

func ack(id uint64, arg string) []byte {
	return text("43" + strconv.FormatUint(id, 10) + "[" + arg + "]")
}

// TestCallPaths makes three echo calls against peers that answer in every
// way the round trip must survive: the ACK with other frames in its
// segment, before or after it, frames between the request and the ACK,
// an ACK split across segments, frames larger than the read buffer and a
// segment that overflows it. Each call must get its ACK, and every PING
// (Engine.IO or WebSocket) must be answered.
func TestCallPaths(t *testing.T) {
	const calls = 3
	big := `"` + strings.Repeat("y", 3000) + `"`
	many := make([][]byte, 0, 31)
	for i := range 30 {
		many = append(many, text(fmt.Sprintf(`42["noise",%d,"%s"]`, i, strings.Repeat("z", 30))))
	}
	for _, tc := range []struct {
		name           string
		respond        func(p *peer, id uint64) error
		pongs, wsPongs int64
	}{
		{"ack alone", func(p *peer, id uint64) error { return p.send(ack(id, `"x"`)) }, 0, 0},
		{"PING and ack in one segment", func(p *peer, id uint64) error { return p.send(text("2"), ack(id, `"x"`)) }, calls, 0},
		// The PING after the last ACK stays in the buffer: it is
		// answered by the next call, and the last one by nobody.
		{"ack and PING in one segment", func(p *peer, id uint64) error { return p.send(ack(id, `"x"`), text("2")) }, calls - 1, 0},
		{"PING between request and ack", func(p *peer, id uint64) error {
			if err := p.send(text("2")); err != nil {
				return err
			}
			time.Sleep(10 * time.Millisecond)
			return p.send(ack(id, `"x"`))
		}, calls, 0},
		{"WebSocket ping between request and ack", func(p *peer, id uint64) error {
			if err := p.send(frame(opPing, "hb")); err != nil {
				return err
			}
			time.Sleep(10 * time.Millisecond)
			return p.send(ack(id, `"x"`))
		}, 0, calls},
		{"other packets and a stale ack first", func(p *peer, id uint64) error {
			return p.send(text(`42["news",1]`), ack(id+1000, `"stale"`), text(`40{"sid":"again"}`), ack(id, `"x"`))
		}, 0, 0},
		{"ack split across segments", func(p *peer, id uint64) error {
			a := ack(id, `"x"`)
			for _, part := range [][]byte{a[:1], a[1:5], a[5:]} {
				if err := p.send(part); err != nil {
					return err
				}
				time.Sleep(5 * time.Millisecond)
			}
			return nil
		}, 0, 0},
		{"ack larger than the buffer", func(p *peer, id uint64) error { return p.send(ack(id, big)) }, 0, 0},
		{"large event, then ack, in one segment", func(p *peer, id uint64) error {
			return p.send(text(`42["big",`+big+`]`), text("2"), ack(id, `"x"`))
		}, calls, 0},
		{"large ack split across segments", func(p *peer, id uint64) error {
			a := ack(id, big)
			if err := p.send(a[:700]); err != nil {
				return err
			}
			time.Sleep(5 * time.Millisecond)
			return p.send(a[700:])
		}, 0, 0},
		{"segment of small frames larger than the buffer", func(p *peer, id uint64) error {
			return p.send(append(slices.Clone(many), text("2"), ack(id, `"x"`))...)
		}, calls, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got answers
			c, end := dialPeer(t, 5000, 5000, serveRequests(&got, tc.respond))
			for id := uint64(1); id <= calls; id++ {
				if err := echoCall(c, id, testPad); err != nil {
					t.Fatalf("call %d: %v", id, err)
				}
			}
			end()
			if p, w := got.pongs.Load(), got.wsPongs.Load(); p != tc.pongs || w != tc.wsPongs {
				t.Errorf("the peer got %d pongs and %d WebSocket pongs, want %d and %d", p, w, tc.pongs, tc.wsPongs)
			}
		})
	}
}

// TestCallEnds: a connection that ends while a client waits for its ACK
// ends the call, with the reason socket.io-client would give.
func TestCallEnds(t *testing.T) {
	for _, tc := range []struct {
		name    string
		respond func(p *peer, id uint64) error
		reason  string
	}{
		{"close frame", func(p *peer, id uint64) error {
			time.Sleep(20 * time.Millisecond)
			p.send(frame(opClose, ""))
			return io.EOF
		}, "transport close"},
		{"connection closed", func(p *peer, id uint64) error {
			time.Sleep(20 * time.Millisecond)
			return io.EOF // serve returns: the peer's connection closes
		}, "transport close"},
		{"connection reset", func(p *peer, id uint64) error {
			time.Sleep(20 * time.Millisecond)
			p.nc.(*net.TCPConn).SetLinger(0)
			return io.EOF
		}, "transport error"},
		{"Engine.IO close", func(p *peer, id uint64) error { return p.send(text("1")) }, "transport close"},
		{"DISCONNECT", func(p *peer, id uint64) error {
			time.Sleep(20 * time.Millisecond)
			return p.send(text("41"))
		}, "io server disconnect"},
		{"DISCONNECT in the ack's segment", func(p *peer, id uint64) error {
			if id == 1 {
				return p.send(ack(id, `"x"`), text("41"))
			}
			return nil
		}, "io server disconnect"},
		// No answer and no PING: the heartbeat window (100+100 ms) runs
		// out while the client waits.
		{"silence", func(p *peer, id uint64) error { return nil }, "ping timeout"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got answers
			c, _ := dialPeer(t, 100, 100, serveRequests(&got, tc.respond))
			var err error
			for id := uint64(1); err == nil && id <= 3; id++ {
				err = echoCall(c, id, testPad)
			}
			if err == nil {
				t.Fatal("every call got its ack")
			}
			if r := dropReason(err); r != tc.reason {
				t.Errorf("reason %q (%v), want %q", r, err, tc.reason)
			}
		})
	}
}

// TestCallHeartbeat: PINGs that come while a client waits for a slow ACK
// move its deadline; the call outlasts many heartbeat windows.
func TestCallHeartbeat(t *testing.T) {
	var got answers
	c, end := dialPeer(t, 40, 40, serveRequests(&got, func(p *peer, id uint64) error {
		for range 10 {
			time.Sleep(25 * time.Millisecond)
			if err := p.send(text("2")); err != nil {
				return err
			}
		}
		return p.send(ack(id, `"late"`))
	}))
	start := time.Now()
	if err := echoCall(c, 1, testPad); err != nil {
		t.Fatalf("call: %v", err)
	}
	if el := time.Since(start); el < 200*time.Millisecond {
		t.Errorf("the ack came after %v; the peer sends it after 250 ms", el)
	}
	end()
	if n := got.pongs.Load(); n != 10 {
		t.Errorf("%d pongs, want 10", n)
	}
}

// threadReads is the read system calls made by the calling thread so far
// (syscr in /proc/thread-self/io).
func threadReads(t testing.TB) int64 {
	b, err := os.ReadFile("/proc/thread-self/io")
	if err != nil {
		t.Skipf("no read counts: %v", err)
	}
	_, v, ok := bytes.Cut(b, []byte("syscr: "))
	if !ok {
		t.Skipf("no syscr in /proc/thread-self/io")
	}
	n, _ := jsonInt(v, nil)
	return n
}

// threadCPU is the time the calling thread has run on a CPU so far (the
// first field of /proc/thread-self/schedstat), in nanoseconds.
func threadCPU(t testing.TB) int64 {
	b, err := os.ReadFile("/proc/thread-self/schedstat")
	if err != nil {
		t.Skipf("no CPU time per thread: %v", err)
	}
	n, _ := jsonInt(b, nil)
	return n
}

// netConnCall is an echo call through net.Conn: the round trip before
// sendAndWait, and on platforms without it.
func netConnCall(c *wsClient, id uint64, pad []byte) error {
	var b [24]byte
	if err := c.writeText(echoHead, strconv.AppendUint(b[:0], id, 10), echoName, pad, echoTail); err != nil {
		return err
	}
	return awaitAck(c, id, nil, nil)
}

// TestCallReadsOnce counts the read system calls of echo round trips (on
// Linux, with the client's goroutine locked to its thread): one per ack,
// where net.Conn makes two (the first finds the socket empty). The
// net.Conn round trip is measured too, to show the count sees the
// difference.
func TestCallReadsOnce(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("read counts per thread are Linux's")
	}
	const calls = 300
	for _, tc := range []struct {
		name     string
		call     func(c *wsClient, id uint64, pad []byte) error
		min, max float64
	}{
		{"sendAndWait", echoCall, 1, 1.1},
		{"net.Conn", netConnCall, 1.5, 2.1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got answers
			c, _ := dialPeer(t, 5000, 5000, serveRequests(&got, func(p *peer, id uint64) error { return p.send(ack(id, `"x"`)) }))
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			r0 := threadReads(t)
			r1 := threadReads(t)
			for id := uint64(1); id <= calls; id++ {
				if err := tc.call(c, id, testPad); err != nil {
					t.Fatalf("call %d: %v", id, err)
				}
			}
			r2 := threadReads(t)
			perAck := float64(r2-r1-(r1-r0)) / calls
			t.Logf("%.2f reads per ack", perAck)
			if perAck < tc.min || perAck > tc.max {
				t.Errorf("%.2f reads per ack, want %.1f to %.1f", perAck, tc.min, tc.max)
			}
		})
	}
}

// BenchmarkEchoRoundTrip is one client's echo round trip over loopback,
// against a peer that answers at once, through sendAndWait and through
// net.Conn. On Linux it reports, per round trip, the read system calls and
// the CPU time of the client's thread (its goroutine locked to it): the
// client's own work and system calls, and the sleeps and wake-ups a locked
// thread costs, but not the peer's or the netpoller's.
func BenchmarkEchoRoundTrip(b *testing.B) {
	for _, bc := range []struct {
		name string
		call func(c *wsClient, id uint64, pad []byte) error
	}{
		{"sendAndWait", echoCall},
		{"net.Conn", netConnCall},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var got answers
			var out []byte
			c, _ := dialPeer(b, 60000, 60000, serveRequests(&got, func(p *peer, id uint64) error {
				out = out[:0]
				out = append(out, "43"...)
				out = strconv.AppendUint(out, id, 10)
				out = append(out, `["x"]`...)
				p.out = rawws.AppendFrame(p.out[:0], rawws.Frame{Fin: true, Opcode: opText, Payload: out})
				_, err := p.nc.Write(p.out)
				return err
			}))
			b.ReportAllocs()
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			linux := runtime.GOOS == "linux"
			var r0, cpu0 int64
			if linux {
				r0, cpu0 = threadReads(b), threadCPU(b)
			}
			id := uint64(0)
			for b.Loop() {
				id++
				if err := bc.call(c, id, testPad); err != nil {
					b.Fatal(err)
				}
			}
			if linux {
				cpu := threadCPU(b)
				b.ReportMetric(float64(threadReads(b)-r0)/float64(id), "reads/op")
				b.ReportMetric(float64(cpu-cpu0)/float64(id), "client-cpu-ns/op")
			}
		})
	}
}
