package engineio

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rtlab/internal/rawws"
)

// replyHandler answers every message at once with SendNow, as an ack is.
type replyHandler struct{ c *Conn }

func (h replyHandler) OnMessage(data []byte, binary bool) {
	h.c.SendNow(NewMessage(append([]byte("re:"), data...), false))
}
func (replyHandler) OnClose(string, error) {}

// TestRepliesToABurstAreCoalesced: ten messages that reach the server in
// one TCP write are answered in order, and the answers leave in fewer
// writes than ten (the reader holds them until it has handled the
// burst). A single message is still answered at once.
func TestRepliesToABurstAreCoalesced(t *testing.T) {
	srv := NewServer(&ServerOptions{PingInterval: time.Hour, PingTimeout: time.Hour, OnConnection: func(c *Conn) {
		c.SetHandler(replyHandler{c})
	}})
	url := serveLoopback(t, srv, nil)
	var batches, biggest atomic.Int64
	setHook(t, &testHookBatch, func(n int) {
		batches.Add(1)
		for {
			b := biggest.Load()
			if int64(n) <= b || biggest.CompareAndSwap(b, int64(n)) {
				return
			}
		}
	})
	c := rawOpen(t, url)

	// One message alone: answered without waiting for another.
	require.NoError(t, c.WriteFrame(rawws.Frame{Fin: true, Opcode: rawws.OpText, Masked: true, Payload: []byte("4alone")}))
	f, err := c.ReadFrame()
	require.NoError(t, err)
	assert.Equal(t, "4re:alone", string(f.Payload))

	const n = 10
	var burst []byte
	for i := range n {
		burst = rawws.AppendFrame(burst, rawws.Frame{Fin: true, Opcode: rawws.OpText, Masked: true, Payload: fmt.Appendf(nil, "4m%d", i)})
	}
	_, err = c.Write(burst)
	require.NoError(t, err)
	for i := range n {
		f, err := c.ReadFrame()
		require.NoError(t, err)
		require.Equal(t, fmt.Sprintf("4re:m%d", i), string(f.Payload), "answer %d out of order", i)
	}
	assert.Greater(t, biggest.Load(), int64(1),
		"the answers to %d messages that arrived together left one write each (%d batches); they must be written together", n, batches.Load())
}
