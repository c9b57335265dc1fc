package engineio

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"syscall"
	"time"

	"github.com/coder/websocket"
)

func contextWithTimeout(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}

// accept upgrades r. The Origin check of coder/websocket is off: origins
// are the CORS options' business, as in the JavaScript server.
func (c *Conn) accept(w http.ResponseWriter, r *http.Request) (*websocket.Conn, error) {
	ws, err := websocket.Accept(leanWriter(w), r, &websocket.AcceptOptions{InsecureSkipVerify: true})
	if err != nil {
		return nil, err
	}
	ws.SetReadLimit(int64(c.srv.opts.MaxPayload))
	return ws, nil
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
		ws.Close(websocket.StatusGoingAway, "server closed")
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
	c.srv.goTracked(func() { c.readLoop(ws) })
}

// writeLoop writes the queue until it is empty, then ends: a connection
// with nothing to send has no writer goroutine.
func (c *Conn) writeLoop() {
	for {
		c.mu.Lock()
		q := c.queue
		c.queue = nil
		ws := c.ws
		if len(q) == 0 || c.closed {
			c.writing = false
			c.mu.Unlock()
			return
		}
		closing := c.closing
		c.mu.Unlock()
		// One deadline for the batch: a broadcast costs one timer per
		// connection, not one per message.
		ctx, cancel := contextWithTimeout(c.srv.writeTimeout)
		for _, m := range q {
			typ := websocket.MessageText
			if m.binary {
				typ = websocket.MessageBinary
			}
			if err := ws.Write(ctx, typ, m.frame); err != nil {
				cancel()
				c.mu.Lock()
				c.writing = false
				c.mu.Unlock()
				c.terminate(ReasonTransportError, err, false)
				return
			}
			if closing && m == msgClose {
				cancel()
				c.mu.Lock()
				c.writing = false
				c.mu.Unlock()
				c.terminate(ReasonForcedClose, nil, false)
				return
			}
		}
		cancel()
	}
}

// readLoop reads the session's WebSocket until it fails or the session
// ends.
func (c *Conn) readLoop(ws *websocket.Conn) {
	for {
		typ, data, err := ws.Read(context.Background())
		if err != nil {
			c.terminate(readCloseReason(err), err, false)
			return
		}
		p, perr := ParsePacket(data, typ == websocket.MessageBinary)
		if perr != nil {
			c.terminate(ReasonParseError, perr, false)
			return
		}
		if !c.handlePacket(p) {
			return
		}
	}
}

// readCloseReason classifies a read error as the JS server does: a peer
// that closes or goes away is a transport close; anything else, a message
// over MaxPayload for one, is a transport error.
func readCloseReason(err error) string {
	if websocket.CloseStatus(err) != -1 || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
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
	c.mu.Lock()
	gone := c.closed || c.closing
	upgrading := c.probe != nil
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
	if err != nil {
		return
	}
	c.mu.Lock()
	if c.probe != nil || c.closed {
		c.mu.Unlock()
		ws.Close(websocket.StatusNoStatusRcvd, "")
		return
	}
	c.probe = ws
	c.mu.Unlock()

	fail := func() {
		ws.CloseNow()
		c.mu.Lock()
		if c.probe == ws {
			c.probe = nil
			c.upgrading = false
		}
		c.mu.Unlock()
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.srv.opts.UpgradeTimeout)
	defer cancel()
	for {
		typ, data, err := ws.Read(ctx)
		if err != nil {
			fail()
			return
		}
		p, perr := ParsePacket(data, typ == websocket.MessageBinary)
		switch {
		case perr == nil && p.Type == Ping && bytes.Equal(p.Data, probeData):
			wctx, wcancel := contextWithTimeout(c.srv.writeTimeout)
			err := ws.Write(wctx, websocket.MessageText, []byte("3probe"))
			wcancel()
			if err != nil {
				fail()
				return
			}
			c.mu.Lock()
			c.upgrading = true
			c.kickLocked() // release the pending GET with a noop
			c.mu.Unlock()
		case perr == nil && p.Type == Upgrade:
			c.mu.Lock()
			if c.closed {
				c.mu.Unlock()
				ws.CloseNow()
				return
			}
			c.transport = "websocket"
			c.ws = ws
			c.upgrading = false
			c.kickLocked() // the queue now goes over the WebSocket
			select {
			case c.wake <- struct{}{}: // a GET still pending ends with a noop
			default:
			}
			c.mu.Unlock()
			c.srv.goTracked(func() { c.readLoop(ws) })
			return
		default:
			fail()
			return
		}
	}
}

// refuseUpgrade completes a WebSocket handshake for a session that is
// already upgraded or upgrading, then closes that socket with an empty close
// frame, as the JS server's websocket.close() does: the client sees a
// close, not an HTTP error.
func (c *Conn) refuseUpgrade(w http.ResponseWriter, r *http.Request) {
	ws, err := c.accept(w, r)
	if err != nil {
		return
	}
	ws.Close(websocket.StatusNoStatusRcvd, "")
}
