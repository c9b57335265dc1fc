// Package rawwstest serves hand-written WebSocket endpoints for tests: a
// server that misbehaves on purpose (never pings, pings late, answers
// half a handshake) is a few lines of frames on top of one upgrade, and
// the upgrade, the frame writing and the clean-up are the same each time.
package rawwstest

import (
	"bufio"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"rtlab/internal/rawws"
)

// MaxFrame is the largest frame payload ReadFrame accepts.
const MaxFrame = 1 << 20

// Conn is one accepted connection, already upgraded, as a handler sees it.
type Conn struct {
	// Request is the upgrade request the client sent.
	Request *http.Request
	mu      sync.Mutex // one frame written at a time
	brw     *bufio.ReadWriter
	br      *bufio.Reader
}

// WriteText sends s as one unmasked text frame. Safe for concurrent use
// (a handler's timers write beside its read loop).
func (c *Conn) WriteText(s string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.brw.Write(rawws.AppendFrame(nil, rawws.Frame{Fin: true, Opcode: rawws.OpText, Payload: []byte(s)}))
	c.brw.Flush()
}

// ReadFrame reads the next frame from the client. It fails once the
// client or the test has closed the connection.
func (c *Conn) ReadFrame() (rawws.Frame, error) {
	return rawws.ReadFrame(c.br, MaxFrame)
}

// NewServer starts a server that upgrades every request to a WebSocket,
// checking nothing but the key it must answer, and hands the connection
// to serve. The connection is closed when serve returns or the test ends;
// the server is closed, and every serve waited for, when the test ends.
// It returns the server's http:// URL.
func NewServer(t testing.TB, serve func(c *Conn)) string {
	t.Helper()
	var wg sync.WaitGroup
	done := make(chan struct{})
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		nc, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		wg.Add(1)
		defer wg.Done()
		defer nc.Close()
		go func() { <-done; nc.Close() }()
		brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " +
			rawws.AcceptKey(r.Header.Get("Sec-WebSocket-Key")) + "\r\n\r\n")
		brw.Flush()
		serve(&Conn{Request: r, brw: brw, br: bufio.NewReader(brw)})
	}))
	t.Cleanup(func() {
		close(done)
		hs.Close()
		wg.Wait()
	})
	return hs.URL
}
