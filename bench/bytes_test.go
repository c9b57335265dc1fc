package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fixture is one transport's server with one user, for tests that publish
// updates by hand and compare the counted bytes with sizes known to the byte.
type fixture struct {
	h   *hub
	trk *tracker
	srv *server
}

func newFixture(t *testing.T, name string, payload int) *fixture {
	t.Helper()
	o := (&Options{Users: 1, Payload: payload, Window: 5 * time.Second}).withDefaults()
	trk := newTracker()
	h := newHub(&o, trk)
	srv, err := startServer(lookupTransport(name), h)
	require.NoError(t, err)
	f := &fixture{h: h, trk: trk, srv: srv}
	t.Cleanup(func() { close(h.stop); srv.close(h) })
	return f
}

// settled returns the tracker's snapshot once it has stopped moving: the
// counting connection adds a write after the kernel took it, so a peer may
// read bytes a moment before they are counted.
func (f *fixture) settled(t *testing.T) snapshot {
	t.Helper()
	prev := f.trk.snapshot()
	for range 200 {
		time.Sleep(15 * time.Millisecond)
		cur := f.trk.snapshot()
		if cur == prev {
			return cur
		}
		prev = cur
	}
	t.Fatal("counters never settled")
	return prev
}

// startWindowAcked starts the TCP window once the kernel has every byte
// written so far acknowledged, so the window holds only what the test sends.
func (f *fixture) startWindowAcked(t *testing.T) {
	t.Helper()
	for range 200 {
		var acked, recv int64
		f.trk.mu.Lock()
		for c := range f.trk.live {
			now, _ := readTCPInfo(c.tcp)
			acked += now.BytesAcked
			recv += now.BytesRecv
		}
		f.trk.mu.Unlock()
		if acked == f.trk.bytes.Written() && recv == f.trk.bytes.Read() {
			f.trk.startWindow()
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("TCP never acknowledged what was written")
}

func (f *fixture) publish(t *testing.T, n int) {
	for range n {
		require.True(t, f.h.publish(f.h.users[0]))
	}
}

// TestWebSocketFrameBytes: a server text frame of P < 126 bytes costs P + 2
// (unmasked, 7-bit length); 126 ≤ P < 65536 costs P + 4.
func TestWebSocketFrameBytes(t *testing.T) {
	for _, p := range []int{8, 64, 125, 126, 300} {
		t.Run(strconv.Itoa(p), func(t *testing.T) {
			f := newFixture(t, "websocket", p)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(f.h.base, "http")+"/ws?u=0", nil)
			require.NoError(t, err)
			defer c.CloseNow()
			before := f.settled(t)
			f.startWindowAcked(t)
			const k = 5
			f.publish(t, k)
			for i := 1; i <= k; i++ {
				_, b, err := c.Read(ctx)
				require.NoError(t, err)
				assert.Equal(t, i, decodePayload(b))
				assert.Len(t, b, p)
			}
			d := f.settled(t).sub(before)
			hdr := 2
			if p >= 126 {
				hdr = 4
			}
			assert.Equal(t, int64(k*(p+hdr)), d.written, "server bytes for %d frames of %d B", k, p)
			assert.Equal(t, int64(k*p), d.payloadOut)
			assert.Equal(t, int64(0), d.read, "the client sent nothing")
			assertTCPAcked(t, f.trk, int64(k*(p+hdr)), 0)
		})
	}
}

// assertTCPAcked checks that the kernel's count of bytes acked (and
// received) over the window equals the application's count: TCP_INFO and
// the counting connection agree to the byte.
func assertTCPAcked(t *testing.T, trk *tracker, out, in int64) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for {
		// The client has read everything; its ACKs arrive within moments.
		trk.mu.Lock()
		var acked, recv int64
		var segsOut int64
		for c := range trk.live {
			now, ok := readTCPInfo(c.tcp)
			require.True(t, ok, "TCP_INFO")
			d := now.sub(c.base)
			acked += d.BytesAcked
			recv += d.BytesRecv
			segsOut += d.DataSegsOut
		}
		trk.mu.Unlock()
		if (acked == out && recv == in) || time.Now().After(deadline) {
			assert.Equal(t, out, acked, "TCP bytes acked")
			assert.Equal(t, in, recv, "TCP bytes received")
			if out > 0 {
				assert.GreaterOrEqual(t, segsOut, int64(1))
			}
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestSSEEventBytes: an event is `data: ` + payload + `\n\n`, sent as one
// HTTP/1.1 chunk: hex size, CRLF, the event, CRLF.
func TestSSEEventBytes(t *testing.T) {
	for _, p := range []int{8, 100, 250} {
		t.Run(strconv.Itoa(p), func(t *testing.T) {
			f := newFixture(t, "sse", p)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, f.h.base+"/events?u=0", nil)
			tr := &http.Transport{}
			defer tr.CloseIdleConnections()
			resp, err := (&http.Client{Transport: tr}).Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			require.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
			before := f.settled(t)
			f.startWindowAcked(t)
			const k = 4
			f.publish(t, k)
			br := bufio.NewReader(resp.Body)
			for i := 1; i <= k; i++ {
				line, err := br.ReadString('\n')
				require.NoError(t, err)
				assert.Equal(t, "data: "+string(encodePayload(i, p))+"\n", line)
				blank, err := br.ReadString('\n')
				require.NoError(t, err)
				assert.Equal(t, "\n", blank)
			}
			d := f.settled(t).sub(before)
			event := p + len("data: \n\n")
			chunk := len(fmt.Sprintf("%x", event)) + 2 + event + 2
			assert.Equal(t, int64(k*chunk), d.written)
			assert.Equal(t, int64(k*p), d.payloadOut)
			assertTCPAcked(t, f.trk, int64(k*chunk), 0)
		})
	}
}

// TestPollingExchangeBytes sends a raw request of known size and reads the
// raw response: the server counts exactly the request's bytes in and the
// response's bytes out, of which the payload is exactly P.
func TestPollingExchangeBytes(t *testing.T) {
	for _, name := range []string{"short-polling", "long-polling"} {
		t.Run(name, func(t *testing.T) {
			const p = 8
			f := newFixture(t, name, p)
			nc, err := net.DialTimeout("tcp", strings.TrimPrefix(f.h.base, "http://"), 5*time.Second)
			require.NoError(t, err)
			defer nc.Close()
			nc.SetDeadline(time.Now().Add(5 * time.Second))
			br := bufio.NewReader(nc)

			exchange := func(since int, publishAfter bool) (reqLen int, raw string) {
				req := "GET /poll?u=0&since=" + strconv.Itoa(since) + " HTTP/1.1\r\nHost: bench\r\nUser-Agent: t\r\n\r\n"
				before := f.settled(t)
				_, err := io.WriteString(nc, req)
				require.NoError(t, err)
				if publishAfter {
					time.Sleep(50 * time.Millisecond) // the long poll is held
					f.publish(t, 1)
				}
				raw = readResponse(t, br)
				d := f.settled(t).sub(before)
				assert.Equal(t, int64(len(req)), d.read, "request bytes")
				assert.Equal(t, int64(len(raw)), d.written, "response bytes")
				assert.Equal(t, int64(1), d.requests)
				return len(req), raw
			}

			var raw string
			if name == "short-polling" {
				f.publish(t, 1)
				_, raw = exchange(0, false)
			} else {
				_, raw = exchange(0, true)
			}
			head, body, ok := strings.Cut(raw, "\r\n\r\n")
			require.True(t, ok)
			assert.Equal(t, string(encodePayload(1, p)), body)
			assert.Equal(t, "HTTP/1.1 200 OK", strings.SplitN(head, "\r\n", 2)[0])
			assert.Equal(t, int64(p), f.trk.payloadOut.Load())

			if name == "short-polling" {
				// Nothing new: 204, headers only.
				_, raw = exchange(1, false)
				assert.True(t, strings.HasPrefix(raw, "HTTP/1.1 204 No Content\r\n"), raw)
				assert.True(t, strings.HasSuffix(raw, "\r\n\r\n"))
				assert.Equal(t, int64(p), f.trk.payloadOut.Load())
			}
		})
	}
}

// readResponse reads one raw HTTP/1.1 response with a Content-Length (or
// none, for 204) and returns its bytes exactly as received.
func readResponse(t *testing.T, br *bufio.Reader) string {
	t.Helper()
	var sb strings.Builder
	length := 0
	for {
		line, err := br.ReadString('\n')
		require.NoError(t, err)
		sb.WriteString(line)
		if line == "\r\n" {
			break
		}
		if k, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(k, "Content-Length") {
			length, err = strconv.Atoi(strings.TrimSpace(v))
			require.NoError(t, err)
		}
	}
	body := make([]byte, length)
	_, err := io.ReadFull(br, body)
	require.NoError(t, err)
	sb.Write(body)
	return sb.String()
}

func TestPayload(t *testing.T) {
	b := encodePayload(42, 12)
	assert.Equal(t, "00000042xxxx", string(b))
	assert.Equal(t, 42, decodePayload(b))
	assert.Equal(t, -1, decodePayload([]byte("0000x042")))
	assert.Equal(t, -1, decodePayload([]byte("42")))
	var got []int
	splitPayloads([]byte("00000001\n00000002xx\nbad"), func(s int) { got = append(got, s) })
	assert.Equal(t, []int{1, 2}, got)
}

// TestTCPCountsClosedConnection: a connection that closes inside the window
// hands its kernel counters over at close, exact to the byte.
func TestTCPCountsClosedConnection(t *testing.T) {
	f := newFixture(t, "short-polling", 8)
	f.publish(t, 1)
	nc, err := net.DialTimeout("tcp", strings.TrimPrefix(f.h.base, "http://"), 5*time.Second)
	require.NoError(t, err)
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(5 * time.Second))
	f.settled(t)
	f.startWindowAcked(t)
	req := "GET /poll?u=0&since=0 HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n"
	_, err = io.WriteString(nc, req)
	require.NoError(t, err)
	raw, err := io.ReadAll(nc) // the server closes after answering
	require.NoError(t, err)
	f.settled(t)
	tcp, ok := f.trk.endWindow()
	require.True(t, ok)
	assert.Equal(t, int64(len(raw)), tcp.BytesAcked, "response bytes")
	assert.Equal(t, int64(len(req)), tcp.BytesRecv, "request bytes")
	assert.GreaterOrEqual(t, tcp.SegsOut, int64(2)) // the response and the FIN at least
	assert.True(t, tcp.Timestamps)
}

// TestSocketIOEventBytes: an update emitted as `42["update","<P>"]` over
// WebSocket costs P + 15 bytes of Socket.IO packet plus the 2-byte frame
// header.
func TestSocketIOEventBytes(t *testing.T) {
	const p = 8
	f := newFixture(t, "socketio-websocket", p)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ce := newClientEnv()
	defer ce.close()
	ready := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- lookupTransport("socketio-websocket").client(ctx, f.h, ce, f.h.users[0], func() { close(ready) })
	}()
	select {
	case <-ready:
	case err := <-done:
		t.Fatal(err)
	case <-ctx.Done():
		t.Fatal("socket.io client did not connect")
	}
	before := f.settled(t)
	const k = 5
	f.publish(t, k)
	for f.h.delivered.Load() < k && ctx.Err() == nil {
		time.Sleep(5 * time.Millisecond)
	}
	require.Equal(t, int64(k), f.h.delivered.Load())
	d := f.settled(t).sub(before)
	assert.Equal(t, int64(k*(2+len(`42["update",""]`)+p)), d.written)
	assert.Equal(t, int64(k*p), d.payloadOut)
	cancel()
	require.NoError(t, <-done)
}
