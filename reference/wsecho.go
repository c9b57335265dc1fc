package reference

import (
	"bufio"
	"encoding/base64"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"rtlab/internal/rawws"
)

// maxWSMessage is the largest message the /ws endpoint takes (Q5: 1 MiB,
// over which the answer is 1009).
const maxWSMessage = 1 << 20

// wsFaults are the mistakes a hand-written WebSocket server makes; the
// broken variants of Q2 and Q5 switch them on.
type wsFaults struct {
	badAccept      bool // Sec-WebSocket-Accept computed without the GUID
	anyVersion     bool // accepts Sec-WebSocket-Version other than 13
	noKeyCheck     bool // accepts a request without Sec-WebSocket-Key
	acceptUnmasked bool // takes unmasked client frames
	noUTF8Check    bool // echoes invalid UTF-8 instead of closing with 1007
	noSizeLimit    bool // takes messages of any size
	closeNoCode    bool // answers a close frame with an empty one
	dropOnShutdown bool // closes connections without 1001 when stopping
}

// wsEcho is the raw WebSocket echo endpoint of Q2 and Q5, written on the
// frames themselves (package rawws) so that every rule of RFC 6455 the
// course teaches is visible in one place: the handshake's checks, masking,
// UTF-8 in text messages, the size limit, and the close handshake.
type wsEcho struct {
	faults wsFaults

	mu     sync.Mutex
	conns  map[*wsConn]struct{}
	closed bool
	wg     sync.WaitGroup
}

type wsConn struct {
	nc      net.Conn
	writeMu sync.Mutex
}

func newWSEcho(f wsFaults) *wsEcho { return &wsEcho{faults: f, conns: map[*wsConn]struct{}{}} }

// headerHasToken reports whether a comma-separated header holds token,
// case-insensitively ("keep-alive, Upgrade" holds "upgrade").
func headerHasToken(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

func (e *wsEcho) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		http.Error(w, "a WebSocket handshake is a GET request", http.StatusMethodNotAllowed)
		return
	}
	if !headerHasToken(r.Header, "Upgrade", "websocket") || !headerHasToken(r.Header, "Connection", "upgrade") {
		w.Header().Set("Upgrade", "websocket")
		http.Error(w, "this endpoint speaks WebSocket: send Upgrade: websocket and Connection: Upgrade", http.StatusUpgradeRequired)
		return
	}
	if v := r.Header.Get("Sec-WebSocket-Version"); v != "13" && !e.faults.anyVersion {
		// RFC 6455 §4.4: 426 with the versions we speak.
		w.Header().Set("Sec-WebSocket-Version", "13")
		http.Error(w, "unsupported Sec-WebSocket-Version "+v+"; this server speaks 13", http.StatusUpgradeRequired)
		return
	}
	key := r.Header.Get("Sec-WebSocket-Key")
	if raw, err := base64.StdEncoding.DecodeString(key); (err != nil || len(raw) != 16) && !e.faults.noKeyCheck {
		http.Error(w, "missing or malformed Sec-WebSocket-Key (16 random bytes, base64)", http.StatusBadRequest)
		return
	}
	accept := rawws.AcceptKey(key)
	if e.faults.badAccept {
		accept = base64.StdEncoding.EncodeToString([]byte(key))
	}
	nc, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		http.Error(w, "cannot take over the connection", http.StatusInternalServerError)
		return
	}
	c := &wsConn{nc: nc}
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		nc.Close()
		return
	}
	e.conns[c] = struct{}{}
	e.wg.Add(1)
	e.mu.Unlock()
	defer func() {
		e.mu.Lock()
		delete(e.conns, c)
		e.mu.Unlock()
		nc.Close()
		e.wg.Done()
	}()
	nc.SetDeadline(time.Time{})
	resp := "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " + accept + "\r\n\r\n"
	if err := c.write([]byte(resp)); err != nil {
		return
	}
	e.serve(c, brw.Reader)
}

func (c *wsConn) write(b []byte) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	c.nc.SetWriteDeadline(time.Now().Add(5 * time.Second))
	_, err := c.nc.Write(b)
	return err
}

func (c *wsConn) send(op byte, payload []byte) error {
	return c.write(rawws.AppendFrame(nil, rawws.Frame{Fin: true, Opcode: op, Payload: payload}))
}

// fail sends a close frame with code and ends the connection: the server
// side of RFC 6455 §7.1.7, "fail the WebSocket connection".
func (c *wsConn) fail(code int, reason string) {
	c.send(rawws.OpClose, rawws.ClosePayload(code, reason))
	// Give the client a moment to read the close frame before the FIN.
	c.nc.SetReadDeadline(time.Now().Add(time.Second))
	io.Copy(io.Discard, c.nc)
}

// validCloseCode reports whether a peer may send code (RFC 6455 §7.4).
func validCloseCode(code int) bool {
	switch {
	case code >= 1000 && code <= 1003, code >= 1007 && code <= 1011, code >= 3000 && code <= 4999:
		return true
	}
	return false
}

func (e *wsEcho) serve(c *wsConn, br *bufio.Reader) {
	limit := int64(maxWSMessage)
	if e.faults.noSizeLimit {
		limit = 0
	}
	var msg []byte
	var msgOp byte
	for {
		f, err := rawws.ReadFrame(br, limit)
		var pe *rawws.ProtocolError
		switch {
		case errors.Is(err, rawws.ErrTooBig):
			c.fail(rawws.CloseMessageTooBig, "message over 1 MiB")
			return
		case errors.As(err, &pe):
			c.fail(rawws.CloseProtocolError, pe.Reason)
			return
		case err != nil:
			return // the peer went away: nothing to answer
		}
		if f.RSV != 0 {
			c.fail(rawws.CloseProtocolError, "reserved bits set without an extension")
			return
		}
		if !f.Masked && !e.faults.acceptUnmasked {
			c.fail(rawws.CloseProtocolError, "client frames must be masked")
			return
		}
		switch f.Opcode {
		case rawws.OpPing:
			c.send(rawws.OpPong, f.Payload)
			continue
		case rawws.OpPong:
			continue
		case rawws.OpClose:
			code, reason, err := rawws.ParseClose(f.Payload)
			switch {
			case err != nil || (code != rawws.CloseNoStatus && !validCloseCode(code)):
				c.fail(rawws.CloseProtocolError, "invalid close code")
			case !utf8.ValidString(reason) && !e.faults.noUTF8Check:
				c.fail(rawws.CloseInvalidPayload, "close reason is not UTF-8")
			case code == rawws.CloseNoStatus || e.faults.closeNoCode:
				c.send(rawws.OpClose, nil)
			default:
				c.send(rawws.OpClose, rawws.ClosePayload(code, ""))
			}
			return
		case rawws.OpText, rawws.OpBinary:
			if msg != nil {
				c.fail(rawws.CloseProtocolError, "new message before the last one's final fragment")
				return
			}
			msgOp, msg = f.Opcode, f.Payload
		case rawws.OpContinuation:
			if msg == nil {
				c.fail(rawws.CloseProtocolError, "continuation frame without a message")
				return
			}
			msg = append(msg, f.Payload...)
			if limit > 0 && int64(len(msg)) > limit {
				c.fail(rawws.CloseMessageTooBig, "message over 1 MiB")
				return
			}
		default:
			c.fail(rawws.CloseProtocolError, "unknown opcode")
			return
		}
		if !f.Fin {
			continue
		}
		if msgOp == rawws.OpText && !utf8.Valid(msg) && !e.faults.noUTF8Check {
			c.fail(rawws.CloseInvalidPayload, "text message is not valid UTF-8")
			return
		}
		if err := c.send(msgOp, msg); err != nil {
			return
		}
		msg = nil
	}
}

// Close tells every open client the server is going away (1001), as a
// server does on SIGTERM, then waits for their connections to end.
func (e *wsEcho) Close() error {
	e.mu.Lock()
	e.closed = true
	conns := make([]*wsConn, 0, len(e.conns))
	for c := range e.conns {
		conns = append(conns, c)
	}
	e.mu.Unlock()
	for _, c := range conns {
		if !e.faults.dropOnShutdown {
			c.send(rawws.OpClose, rawws.ClosePayload(rawws.CloseGoingAway, "server shutting down"))
		}
		c.nc.SetReadDeadline(time.Now().Add(time.Second))
		if e.faults.dropOnShutdown {
			c.nc.Close()
		}
	}
	done := make(chan struct{})
	go func() { e.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		for _, c := range conns {
			c.nc.Close()
		}
		<-done
	}
	return nil
}
