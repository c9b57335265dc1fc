package engineio

import (
	"encoding/binary"
	"sync/atomic"
)

// While the WebSocket reader handles messages that arrived together (a
// client that sends several events without waiting, a burst), the replies
// its handlers send (SendNow) are held back and written together, in one
// system call, once the reader has handled the last whole message it
// holds: writes are coalesced while the socket is busy and flushed as
// soon as it is idle. The reader claims the writer's role for that time
// (Conn.writing), so that what others send meanwhile (a broadcast, a
// ping) joins the same write.

// cork starts holding writes back, unless a writer already runs (it
// batches by itself) or the session is not on this WebSocket.
func (c *Conn) cork(ws *wsConn) {
	c.mu.Lock()
	if !c.corked && !c.writing && !c.closed && c.ws == ws && c.onWS {
		c.corked = true
		c.writing = true
	}
	c.mu.Unlock()
}

// uncork writes what was held back: at once, with one non-blocking write,
// and what the socket does not take by a writer goroutine.
func (c *Conn) uncork() {
	c.mu.Lock()
	if !c.corked {
		c.mu.Unlock()
		return
	}
	c.corked = false
	ws := c.ws
	if c.closed || ws == nil {
		c.writing = false
		c.mu.Unlock()
		return
	}
	if c.closing {
		// The close packet is queued: the writer's loop ends the session
		// after it.
		c.srv.goTracked(c.writeLoop)
		c.mu.Unlock()
		return
	}
	q := c.queue
	c.queue = nil
	c.mu.Unlock()
	if len(q) == 0 && !ws.hasPending() {
		c.mu.Lock()
		c.writing = false
		if len(c.queue) > 0 { // queued since: someone must write it
			c.writing = true
			c.srv.goTracked(c.writeLoop)
		}
		c.mu.Unlock()
		return
	}
	if h := testHookBatch.Load(); h != nil {
		(*h)(len(q))
	}
	done, err := ws.tryWriteBatch(q)
	c.mu.Lock()
	if err != nil {
		c.writing = false
		c.mu.Unlock()
		c.terminate(ReasonTransportError, err, false)
		return
	}
	if !done {
		c.queue = append(q, c.queue...)
	}
	if len(c.queue) > 0 || ws.hasPending() {
		c.srv.goTracked(c.writeLoop) // still the writer: c.writing stays set
	} else {
		c.writing = false
	}
	c.mu.Unlock()
}

// frameBuffered reports whether the read buffer holds a whole frame, so
// that reading it cannot block: the reader corks only then, lest a client
// that sent half a frame hold the replies back.
func (c *wsConn) frameBuffered() bool {
	n := c.br.Buffered()
	if n < 2 {
		return false
	}
	h, _ := c.br.Peek(min(n, 14))
	if h[0]&0x80 == 0 {
		return false // a fragment: the rest may be long in coming
	}
	size := 2 + 4 // header and mask key (client frames are masked)
	var payload uint64
	switch l := h[1] & 0x7f; l {
	case 126:
		if len(h) < 4 {
			return false
		}
		size += 2
		payload = uint64(binary.BigEndian.Uint16(h[2:4]))
	case 127:
		if len(h) < 10 {
			return false
		}
		size += 8
		payload = binary.BigEndian.Uint64(h[2:10])
	default:
		payload = uint64(l)
	}
	return payload <= uint64(n) && uint64(n) >= uint64(size)+payload
}

// testHookBatch, when set by a test, is called with the number of
// messages uncork writes together.
var testHookBatch atomic.Pointer[func(n int)]
