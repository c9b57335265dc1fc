package engineio

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"slices"
	"sync/atomic"
	"syscall"
	"time"
)

// accept upgrades r (see wsConn for why not a WebSocket library). Origins
// are the CORS options' business, as in the JavaScript server.
func (c *Conn) accept(w http.ResponseWriter, r *http.Request) (*wsConn, error) {
	return acceptWS(w, r, c.srv.opts.MaxPayload)
}

// serveWebSocketHandshake opens a session directly on WebSocket. The
// session's reader is a new goroutine: the request goroutine ends after the
// hijack, and its stack, grown by net/http, with it.
func (c *Conn) serveWebSocketHandshake(w http.ResponseWriter, r *http.Request, open *Message) {
	ws, err := c.accept(w, r)
	if err != nil {
		return
	}
	c.ws = ws
	if !c.srv.register(c) {
		ws.closeAndWait(wsStatusGoingAway, "server closed")
		return
	}
	c.mu.Lock()
	c.queue = append(c.queue, open)
	c.mu.Unlock()
	c.startHeartbeat()
	c.callOnConnection()
	c.mu.Lock()
	c.kickLocked()
	c.mu.Unlock()
	c.startReading(ws)
}

// writeLoop writes the queue until it is empty, then ends: a connection
// with nothing to send has no writer goroutine.
func (c *Conn) writeLoop() {
	for {
		c.mu.Lock()
		q := c.queue
		c.queue = nil
		ws := c.ws
		if c.closed || (len(q) == 0 && !ws.hasPending()) {
			c.writing = false
			c.mu.Unlock()
			return
		}
		closing := c.closing
		c.mu.Unlock()
		// Everything queued goes out in one write (see wsConn): the
		// messages up to a close packet, if the session is closing.
		end := len(q)
		if closing {
			if i := slices.Index(q, msgClose); i >= 0 {
				end = i + 1
			}
		}
		if err := ws.writeMessages(q[:end], c.srv.writeTimeout); err != nil {
			c.mu.Lock()
			c.writing = false
			c.mu.Unlock()
			c.terminate(ReasonTransportError, err, false)
			return
		}
		if end < len(q) || (end > 0 && closing && q[end-1] == msgClose) {
			c.mu.Lock()
			c.writing = false
			c.mu.Unlock()
			c.terminate(ReasonForcedClose, nil, false)
			return
		}
	}
}

// startReading hands ws to the server's poller, so that the session has
// a reader goroutine only while there is something to read; where there
// is no poller, readLoop runs for the life of the session.
func (c *Conn) startReading(ws *wsConn) {
	if p := c.srv.poller(); p != nil {
		ready := func(inline bool) {
			if !ws.wake() {
				return
			}
			var ok bool
			if inline {
				ok = c.srv.readInline(c, ws)
			} else {
				ok = c.srv.startRead(c, ws)
			}
			if !ok {
				ws.rstate.Store(readIdle)
			}
		}
		ws.rstate.Store(readBusy) // this goroutine reads until it lets go
		if ws.watch(p, ready) {
			if ws.br.Buffered() > 0 {
				// The first frames came with the handshake.
				c.srv.startRead(c, ws)
				return
			}
			ws.releaseReader()
			if !ws.letGo() {
				// Bytes arrived before the registration (the poller
				// reports them at once).
				c.srv.startRead(c, ws)
			}
			return
		}
	}
	c.srv.goTracked(func() { c.readLoop(ws) })
}

// readReady reads what arrived on a readable WebSocket and handles it,
// whole messages, until the socket is empty, then leaves the session to
// the poller. The poller reports every arrival (edge-triggered), so one
// read that takes less than the buffer could hold has emptied the socket:
// a busy session costs one read system call per batch of messages, never
// a read that finds nothing, and no re-arming (see wsConn.rstate).
func (c *Conn) readReady(ws *wsConn) {
	ws.acquireReader()
	drained := false // the last read found the socket empty, or emptied it
	for {
		if ws.br.Buffered() > 0 {
			// A message, or the start of one whose rest readOne waits
			// for on Go's poller.
			if !c.readOne(ws) {
				return
			}
			continue
		}
		if drained {
			ws.releaseReader()
			if ws.letGo() {
				return
			}
			ws.acquireReader()
		}
		n, err := ws.fillOnce()
		switch {
		case errors.Is(err, errWouldBlock):
			drained = true
		case err != nil:
			c.terminate(readCloseReason(err), err, false)
			return
		default:
			drained = n < ws.br.Size()
		}
	}
}

// readOne reads, parses and handles one message; false means the session
// ended or another goroutine reads it now (see HandOff).
func (c *Conn) readOne(ws *wsConn) bool {
	binary, data, err := ws.readMessage()
	if err != nil {
		c.terminate(readCloseReason(err), err, false)
		return false
	}
	p, err := ParsePacket(data, binary)
	if err != nil {
		c.terminate(ReasonParseError, err, false)
		return false
	}
	more := ws.frameBuffered()
	if more {
		c.cork(ws) // replies wait for the next messages' (cork.go)
	}
	var ok bool
	if p.Type == MessagePacket {
		data := p.Data
		if data == nil {
			data = []byte{}
		}
		ok = !c.deliverFromReader(ws, data, p.Binary)
	} else {
		ok = c.handlePacket(p)
	}
	if !more && ok {
		c.uncork()
	}
	return ok
}

// readLoop reads the session's WebSocket until it fails or the session
// ends.
func (c *Conn) readLoop(ws *wsConn) {
	for {
		if !c.readOne(ws) {
			return
		}
	}
}

// readCloseReason classifies a read error as the JS server does: a peer
// that closes or goes away is a transport close; anything else, a message
// over MaxPayload for one, is a transport error.
func readCloseReason(err error) string {
	var ce *wsCloseError
	if errors.As(err, &ce) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, net.ErrClosed) || errors.Is(err, syscall.ECONNRESET) {
		return ReasonTransportClose
	}
	return ReasonTransportError
}

var probeData = []byte("probe")

// serveUpgrade runs the upgrade of a polling session: "2probe" is answered
// "3probe", the pending GET is released with a noop, and "5" switches the
// session to this WebSocket, which a new reader goroutine then reads.
func (c *Conn) serveUpgrade(w http.ResponseWriter, r *http.Request) {
	p := c.poll // a session that can upgrade was opened on polling
	c.mu.Lock()
	gone := c.closed || c.closing
	upgrading := p.probe != nil || p.probeStarting
	if !gone && !upgrading {
		// From before the 101: a request the client sends once it has
		// the 101 waits for this upgrade's reader (awaitProbeLocked).
		p.probeStarting = true
	}
	c.mu.Unlock()
	if gone {
		c.srv.abort(w, true, CodeBadRequest)
		return
	}
	if upgrading {
		// Another WebSocket is already upgrading this session: the JS
		// server accepts this one and closes it ("transport has already
		// been trying to upgrade").
		c.refuseUpgrade(w, r)
		return
	}
	ws, err := c.accept(w, r)
	c.mu.Lock()
	p.probeStarting = false
	c.probeStepLocked()
	if err != nil {
		c.mu.Unlock()
		return
	}
	if p.probe != nil || c.closed {
		c.mu.Unlock()
		ws.closeAndWait(wsStatusNoStatus, "")
		return
	}
	p.probe = ws
	c.mu.Unlock()

	fail := func() {
		ws.closeNow()
		c.mu.Lock()
		if p.probe == ws {
			p.probe = nil
			p.upgrading = false
		}
		c.probeStepLocked()
		c.mu.Unlock()
	}
	ws.nc.SetReadDeadline(time.Now().Add(c.srv.opts.UpgradeTimeout))
	for {
		// probeIdle: every message taken from the socket is handled; a
		// request then waits only for bytes still in the socket.
		c.mu.Lock()
		p.probeIdle = ws.br.Buffered() == 0
		c.probeStepLocked()
		idle := p.probeIdle
		c.mu.Unlock()
		if idle && ws.rc != nil {
			// Wait until the socket is readable without reading it: what
			// arrives stays in the socket, where a request sees it
			// (unreadBytes), until this reader has marked itself busy.
			calls := 0
			err := ws.rc.Read(func(fd uintptr) bool {
				calls++ // called again once the socket is readable (or closed)
				return calls > 1 || unreadFD(fd) > 0
			})
			if err != nil {
				fail()
				return
			}
		}
		c.mu.Lock()
		p.probeIdle = false
		c.mu.Unlock()
		binary, data, err := ws.readMessage()
		if err != nil {
			fail()
			return
		}
		if h := testHookProbe.Load(); h != nil {
			(*h)()
		}
		pkt, perr := ParsePacket(data, binary)
		switch {
		case perr == nil && pkt.Type == Ping && bytes.Equal(pkt.Data, probeData):
			if err := ws.writeFrame(wsOpText, []byte("3probe"), c.srv.writeTimeout); err != nil {
				fail()
				return
			}
			c.mu.Lock()
			p.upgrading = true
			c.kickLocked() // release the pending GET with a noop
			c.mu.Unlock()
		case perr == nil && pkt.Type == Upgrade:
			c.mu.Lock()
			if c.closed {
				c.mu.Unlock()
				ws.closeNow()
				return
			}
			ws.nc.SetReadDeadline(time.Time{})
			c.onWS = true
			c.ws = ws
			p.upgrading = false
			p.upgradedAt = time.Now()
			c.probeStepLocked()
			c.kickLocked() // the queue now goes over the WebSocket
			select {
			case p.wake <- struct{}{}: // a GET still pending ends with a noop
			default:
			}
			c.mu.Unlock()
			c.startReading(ws)
			return
		default:
			fail()
			return
		}
	}
}

// testHookProbe, when set by a test, is called after the upgrade's reader
// has read a message and before it acts on it: a reader the scheduler
// leaves behind.
var testHookProbe atomic.Pointer[func()]

// refuseUpgrade completes a WebSocket handshake for a session that is
// already upgraded or upgrading, then closes that socket with an empty close
// frame, as the JS server's websocket.close() does: the client sees a
// close, not an HTTP error.
func (c *Conn) refuseUpgrade(w http.ResponseWriter, r *http.Request) {
	ws, err := c.accept(w, r)
	if err != nil {
		return
	}
	ws.closeAndWait(wsStatusNoStatus, "")
}
