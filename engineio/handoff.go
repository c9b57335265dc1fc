package engineio

// A WebSocket session's reader calls OnMessage itself, so that a handler
// that answers at once (an ack) costs no goroutine hand-off: the message
// is read, handled and answered on one goroutine, the reply written with
// SendNow. A handler that must wait for its own client (an ack it asked
// for, the session's end) would then wait for the very reader that is
// running it; HandOff lets that reader go: another goroutine reads on, and
// the waiting call finishes on its own.
//
// Each reader call of OnMessage has a generation. HandOff marks the call
// under way as handed off, releases the handler lock the call holds and
// starts a new reader; the old one sees the mark when OnMessage returns
// and stops reading without touching the socket again.

// readerCall is the state of the reader's OnMessage calls, under Conn.cmu;
// whether a call is under way and not handed off is Conn.callActive (kept
// with the other flags, where it takes no padding).
type readerCall struct {
	ws     *wsConn
	gen    uint32 // generation of the latest call
	handed uint32 // generation of the last call handed off
}

// deliverFromReader calls OnMessage for a message the WebSocket reader
// read. handedOff reports that HandOff released the reader during the
// call: another goroutine reads now and the caller must stop.
func (c *Conn) deliverFromReader(ws *wsConn, data []byte, binary bool) (handedOff bool) {
	c.hmu.Lock()
	if c.handlerClosed {
		c.hmu.Unlock()
		return false
	}
	c.cmu.Lock()
	c.call.gen++
	gen := c.call.gen
	c.callActive = true
	c.call.ws = ws
	c.cmu.Unlock()
	c.handler.OnMessage(data, binary)
	c.cmu.Lock()
	if c.call.handed == gen {
		c.cmu.Unlock()
		return true // hmu was released by HandOff
	}
	c.callActive = false
	c.call.ws = nil
	c.cmu.Unlock()
	c.hmu.Unlock()
	return false
}

// CanHandOff reports whether an OnMessage call of this session is under
// way on the WebSocket reader, so that HandOff can free the reader. Called
// from OnMessage, it tells whether that call may run a handler in place:
// over polling (a POST's goroutine) it cannot, as the client sends
// nothing more until the POST ends.
func (c *Conn) CanHandOff() bool {
	c.cmu.Lock()
	defer c.cmu.Unlock()
	return c.callActive
}

// HandOff lets the WebSocket reader go on while the OnMessage call under
// way (if there is one on the reader) still runs: a new goroutine reads
// the next messages and calls OnMessage for them, concurrently with the
// call that is still running. A Handler that waits for its client inside
// OnMessage calls it first; the Handler must then order what arrives
// meanwhile itself. Without a call on the reader it does nothing.
func (c *Conn) HandOff() {
	c.cmu.Lock()
	if !c.callActive {
		c.cmu.Unlock()
		return
	}
	// What the waiting handler sent (the question it waits on) goes out
	// now, not after the next message.
	c.uncork()
	c.callActive = false
	c.call.handed = c.call.gen
	ws := c.call.ws
	c.call.ws = nil
	// Counted while the reader handed off still runs (it cannot leave
	// before cmu is unlocked), so that Server.Close's wait cannot have
	// ended meanwhile.
	c.srv.wg.Add(1)
	c.cmu.Unlock()
	c.hmu.Unlock() // locked by deliverFromReader for the call handed off
	go func() {
		defer c.srv.wg.Done()
		if ws.reg != nil {
			c.readReady(ws)
		} else {
			c.readLoop(ws)
		}
	}()
}
