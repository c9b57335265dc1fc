package engineio

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"rtlab/internal/rawws"
)

// TestSlowConsumerIsDropped: a WebSocket client that stops reading while
// the server sends to it is dropped once its queue passes MaxQueue, instead
// of the server keeping everything; a good client is served after.
func TestSlowConsumerIsDropped(t *testing.T) {
	const limit = 256 << 10
	ts := newTestServer(t, &ServerOptions{MaxQueue: limit})
	c := rawOpen(t, ts.URL) // never reads again
	conn, rec := ts.next(t)
	chunk := bytes.Repeat([]byte("x"), 64<<10)
	// The socket buffers of loopback take a few megabytes before the
	// server's writer blocks; 64 MB is far past them and the bound.
	sent := 0
	for ; sent < 1024; sent++ {
		if err := conn.SendMessage(chunk, false); err != nil {
			require.ErrorIs(t, err, ErrClosed)
			break
		}
	}
	require.Less(t, sent, 1024, "every send was queued: the queue has no bound")
	reason, err := rec.waitClose(t)
	require.Equal(t, ReasonTransportError, reason)
	require.ErrorIs(t, err, ErrSlowConsumer)
	// The client finds its connection closed once it reads again.
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		if _, err := c.ReadFrame(); err != nil {
			require.False(t, strings.Contains(err.Error(), "timeout"), "connection still open: %v", err)
			break
		}
	}
	serveGoodClient(t, ts)
}

// TestReadingClientIsNotASlowConsumer: a client that reads gets far more
// than MaxQueue, sent as fast as the server can queue it, in batches that
// each fit.
func TestReadingClientIsNotASlowConsumer(t *testing.T) {
	const limit = 256 << 10
	ts := newTestServer(t, &ServerOptions{MaxQueue: limit})
	c := rawOpen(t, ts.URL)
	conn, rec := ts.next(t)
	chunk := bytes.Repeat([]byte("x"), 16<<10)
	const batches, perBatch = 32, 8 // 4 MB in all, 128 KiB at a time
	for range batches {
		for range perBatch {
			require.NoError(t, conn.SendMessage(chunk, false))
		}
		for got := 0; got < perBatch; {
			f, err := c.ReadFrame()
			require.NoError(t, err)
			if f.Opcode == rawws.OpText && len(f.Payload) == len(chunk)+1 {
				got++
			}
		}
	}
	select {
	case <-rec.closed:
		t.Fatalf("a reading client was dropped: %s %v", rec.reason, rec.err)
	default:
	}
}

// TestSlowConsumerPolling: a polling client that stops polling is bounded
// the same way, and its session is gone for its next GET.
func TestSlowConsumerPolling(t *testing.T) {
	const limit = 256 << 10
	ts := newTestServer(t, &ServerOptions{MaxQueue: limit, Transports: []string{"polling"}})
	sess, conn, rec := ts.openPolling(t)
	chunk := bytes.Repeat([]byte("x"), 64<<10)
	sent := 0
	for ; sent < 64; sent++ {
		if conn.SendMessage(chunk, false) != nil {
			break
		}
	}
	require.Equal(t, limit/(len(chunk)+1), sent, "sends queued before the bound (a frame is \"4\" and the data)")
	reason, err := rec.waitClose(t)
	require.Equal(t, ReasonTransportError, reason)
	require.ErrorIs(t, err, ErrSlowConsumer)
	a := do(t, "GET", sess, "", nil)
	require.Equal(t, 400, a.status, a.body)
	_, good := pollingOpen(t, ts.URL)
	require.NotEmpty(t, good)
}
