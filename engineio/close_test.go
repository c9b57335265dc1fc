package engineio

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"rtlab/internal/rawws"
)

// rawOpen opens a WebSocket session with the raw client and reads the
// open packet.
func rawOpen(t *testing.T, base string) *rawws.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := rawws.Dial(ctx, strings.Replace(base, "http", "ws", 1)+"/?EIO=4&transport=websocket", rawws.NewHandshake())
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	require.Equal(t, 101, c.Response.StatusCode)
	c.SetDeadline(time.Now().Add(10 * time.Second))
	f, err := c.ReadFrame()
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(string(f.Payload), "0{"), "open packet: %q", f.Payload)
	return c
}

// writeAll writes f in full on its own goroutine, as a client sending a
// large message does while the server answers; the channel gets the
// write's error.
func writeAll(c *rawws.Conn, f rawws.Frame) <-chan error {
	done := make(chan error, 1)
	go func() {
		c.SetWriteDeadline(time.Now().Add(10 * time.Second))
		done <- c.WriteFrame(f)
	}()
	return done
}

// serveGoodClient checks that a session opened after the hostile one
// works: a message is echoed.
func serveGoodClient(t *testing.T, ts *testServer) {
	t.Helper()
	c := rawOpen(t, ts.URL)
	require.NoError(t, c.WriteFrame(rawws.Frame{Fin: true, Opcode: rawws.OpText, Masked: true, Payload: []byte("4good")}))
	for {
		f, err := c.ReadFrame()
		require.NoError(t, err, "a good client after the hostile one")
		if string(f.Payload) == "4good" {
			return
		}
	}
}

// TestCloseTooBigIs1009 sends a message over MaxPayload, many times: the
// client must read a 1009 close frame every time. Closing the socket with
// the rest of the message unread makes the kernel send a reset, which
// destroyed the close frame in about a third of runs.
func TestCloseTooBigIs1009(t *testing.T) {
	ts := newTestServer(t, nil)
	const runs = 12
	for i := range runs {
		// 1.5 MB fits in the socket buffers of loopback; 8 MB does not,
		// and the client is still writing when the server closes.
		big := make([]byte, []int{1_500_000, 8_000_000}[i%2])
		c := rawOpen(t, ts.URL)
		ts.next(t)
		done := writeAll(c, rawws.Frame{Fin: true, Opcode: rawws.OpText, Masked: true, Payload: big})
		code, err := c.CloseCode(10 * time.Second)
		// A reset breaks the client's write of the message, and clients
		// that stop at a failed write (ws, socket.io-client, ours) report
		// 1006 whatever they had received.
		require.NoError(t, <-done, "run %d of %d: the client's write of the message", i+1, runs)
		require.NoError(t, err, "run %d of %d", i+1, runs)
		require.Equal(t, 1009, code, "run %d of %d", i+1, runs)
		c.Close()
	}
	serveGoodClient(t, ts)
}

// TestCloseEngineIOErrorsSendCloseFrame: an Engine.IO-level error (a
// packet that does not parse, a ping from the client, a missed pong) ends
// the session with a close frame without a status (1005), as the
// JavaScript server's ws.close() does, not with a dropped TCP connection.
func TestCloseEngineIOErrorsSendCloseFrame(t *testing.T) {
	ts := newTestServer(t, &ServerOptions{PingInterval: 50 * time.Millisecond, PingTimeout: 100 * time.Millisecond})
	cases := []struct {
		name   string
		send   string // nothing: wait for the ping timeout
		reason string
	}{
		{"parse error", "x", ReasonParseError},
		{"ping from the client", "2", ReasonTransportError},
		{"unknown packet type", "9", ReasonParseError},
		{"ping timeout", "", ReasonPingTimeout},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for i := range 5 {
				c := rawOpen(t, ts.URL)
				_, rec := ts.next(t)
				if tc.send != "" {
					require.NoError(t, c.WriteFrame(rawws.Frame{Fin: true, Opcode: rawws.OpText, Masked: true, Payload: []byte(tc.send)}))
				}
				code, err := c.CloseCode(10 * time.Second)
				require.NoError(t, err, "run %d", i+1)
				require.Equal(t, 1005, code, "run %d", i+1)
				reason, _ := rec.waitClose(t)
				require.Equal(t, tc.reason, reason)
				// The client answers the close; the server then ends TCP.
				require.NoError(t, c.WriteFrame(rawws.Frame{Fin: true, Opcode: rawws.OpClose, Masked: true}))
				c.SetReadDeadline(time.Now().Add(10 * time.Second))
				_, err = c.ReadFrame()
				require.Error(t, err)
				require.False(t, errors.Is(err, context.DeadlineExceeded))
				c.Close()
			}
		})
	}
	serveGoodClient(t, ts)
}

// TestCloseDrainIsBounded: a peer that keeps sending after its message
// went over MaxPayload (a frame that claims 100 MB, streamed forever) is
// not drained forever: the connection is dropped after wsDrainBytes (on
// loopback, well before wsDrainWait) and the session ends; a good client
// is served after.
func TestCloseDrainIsBounded(t *testing.T) {
	ts := newTestServer(t, nil)
	c := rawOpen(t, ts.URL)
	_, rec := ts.next(t)
	hdr := rawws.AppendFrame(nil, rawws.Frame{Fin: true, Opcode: rawws.OpBinary, Masked: true, Payload: nil})
	// Rewrite the length to 100 MB (127 + 8 bytes), keep the mask bit.
	hdr = append([]byte{hdr[0], 0x80 | 127, 0, 0, 0, 0, 0x05, 0xf5, 0xe1, 0x00}, 1, 2, 3, 4)
	start := time.Now()
	stopped := make(chan error, 1)
	go func() {
		c.SetWriteDeadline(time.Now().Add(20 * time.Second))
		if _, err := c.Write(hdr); err != nil {
			stopped <- err
			return
		}
		chunk := make([]byte, 64<<10)
		for {
			if _, err := c.Write(chunk); err != nil {
				stopped <- err
				return
			}
		}
	}()
	code, err := c.CloseCode(10 * time.Second)
	require.NoError(t, err)
	require.Equal(t, 1009, code)
	select {
	case err := <-stopped:
		require.False(t, errors.Is(err, os.ErrDeadlineExceeded), "the server still read after 20s: %v", err)
	case <-time.After(20 * time.Second):
		t.Fatal("the server drained for 20s")
	}
	elapsed := time.Since(start)
	t.Logf("dropped after %v of streaming", elapsed.Round(10*time.Millisecond))
	reason, _ := rec.waitClose(t)
	require.Equal(t, ReasonTransportError, reason)
	serveGoodClient(t, ts)
}
