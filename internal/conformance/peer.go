// Package conformance is rtlab's own port of the official Engine.IO v4 and
// Socket.IO v5 protocol test suites (the ones at the end of the two protocol
// documents): the same cases and the same assertions, written in Go so that
// `make test` runs them on a clean machine with no copy of the JavaScript
// suites.
//
// The suites drive a fixture server (see testdata/node/conformance-fixture.js
// for the real npm one, and `rtlab serve conformance` for ours) with raw HTTP
// requests and raw WebSocket frames, byte for byte, so nothing of rtlab's own
// client stands between the test and the server under test. Each case is a
// subtest named as in the official suite. Run the port against the npm
// fixture to prove it faithful, and against ours to prove our server.
package conformance

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// The fixture's heartbeat settings, as the official suites expect them.
const (
	pingInterval = 300 * time.Millisecond
	pingTimeout  = 200 * time.Millisecond
	caseTimeout  = 5 * time.Second
	// timerSlack is how late a server's heartbeat timer may fire on a
	// loaded 2-core machine without failing a case.
	timerSlack = 150 * time.Millisecond
)

// suite is one run of a suite against one server.
type suite struct {
	base   string // http://host:port
	path   string // "/engine.io/" or "/socket.io/"
	client *http.Client
}

func newSuite(t *testing.T, base, path string) *suite {
	tr := &http.Transport{MaxIdleConnsPerHost: 8}
	t.Cleanup(tr.CloseIdleConnections)
	return &suite{base: strings.TrimRight(base, "/"), path: path, client: &http.Client{Transport: tr, Timeout: caseTimeout}}
}

func (s *suite) url(query string) string { return s.base + s.path + "?" + query }

func (s *suite) wsURL(query string) string {
	return "ws" + strings.TrimPrefix(s.url(query), "http")
}

// do sends one HTTP request and returns its status and body.
func (s *suite) do(t *testing.T, method, query, body string) (int, string) {
	t.Helper()
	status, text, err := s.try(method, query, body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, s.url(query), err)
	}
	return status, text
}

// try is do without failing the test: some cases expect the server to cut
// the request short.
func (s *suite) try(method, query, body string) (int, string, error) {
	var r io.Reader
	if body != "" || method == http.MethodPost {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.url(query), r)
	if err != nil {
		return 0, "", err
	}
	if r != nil {
		req.Header.Set("Content-Type", "text/plain;charset=UTF-8")
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// openPolling starts a long-polling session and returns its sid.
func (s *suite) openPolling(t *testing.T) string {
	t.Helper()
	status, body := s.do(t, http.MethodGet, "EIO=4&transport=polling", "")
	if status != 200 || !strings.HasPrefix(body, "0") {
		t.Fatalf("polling handshake: status %d body %q", status, body)
	}
	return decodeHandshake(t, body[1:]).SID
}

// peer is a raw WebSocket connection with a deadline per case.
type peer struct {
	t   *testing.T
	c   *websocket.Conn
	ctx context.Context
}

// dialWS opens a raw WebSocket; it fails the test when the server refuses.
func (s *suite) dialWS(t *testing.T, query string) *peer {
	t.Helper()
	p, err := s.tryWS(t, query)
	if err != nil {
		t.Fatalf("websocket %s: %v", s.wsURL(query), err)
	}
	return p
}

func (s *suite) tryWS(t *testing.T, query string) (*peer, error) {
	ctx, cancel := context.WithTimeout(context.Background(), caseTimeout)
	c, resp, err := websocket.Dial(ctx, s.wsURL(query), &websocket.DialOptions{HTTPClient: s.client})
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	if err != nil {
		cancel()
		return nil, err
	}
	c.SetReadLimit(4 << 20)
	t.Cleanup(func() {
		c.CloseNow()
		cancel()
	})
	return &peer{t: t, c: c, ctx: ctx}, nil
}

func (p *peer) send(text string) {
	p.t.Helper()
	if err := p.c.Write(p.ctx, websocket.MessageText, []byte(text)); err != nil {
		p.t.Fatalf("send %q: %v", text, err)
	}
}

func (p *peer) sendBinary(b []byte) {
	p.t.Helper()
	if err := p.c.Write(p.ctx, websocket.MessageBinary, b); err != nil {
		p.t.Fatalf("send binary %v: %v", b, err)
	}
}

// frame is one WebSocket message as received.
type frame struct {
	binary bool
	data   []byte
}

func (f frame) String() string {
	if f.binary {
		return fmt.Sprintf("binary %v", f.data)
	}
	return fmt.Sprintf("%q", f.data)
}

// next returns the next message, failing the test when none comes.
func (p *peer) next() frame {
	p.t.Helper()
	typ, b, err := p.c.Read(p.ctx)
	if err != nil {
		p.t.Fatalf("waiting for a message: %v", err)
	}
	return frame{binary: typ == websocket.MessageBinary, data: b}
}

// nextNonPing is next, skipping Engine.IO pings ("2") as the official
// waitForPackets helper does.
func (p *peer) nextNonPing() frame {
	p.t.Helper()
	for {
		f := p.next()
		if !f.binary && string(f.data) == "2" {
			continue
		}
		return f
	}
}

func (p *peer) expectText(want string) {
	p.t.Helper()
	if f := p.next(); f.binary || string(f.data) != want {
		p.t.Fatalf("expected %q, got %s", want, f)
	}
}

// expectClose waits until the server closes the connection.
func (p *peer) expectClose() {
	p.t.Helper()
	for {
		if _, _, err := p.c.Read(p.ctx); err != nil {
			if p.ctx.Err() != nil {
				p.t.Fatalf("the server did not close the connection within %v", caseTimeout)
			}
			return
		}
	}
}

// expectRefusedWS asserts that a WebSocket request opens no session: the
// upgrade is refused, or the connection ends without an open packet (the
// npm server answers some bad requests after the 101 with a raw HTTP 400).
// The official suite opens these sockets without awaiting the outcome.
func (s *suite) expectRefusedWS(t *testing.T, query string) {
	t.Helper()
	p, err := s.tryWS(t, query)
	if err != nil {
		return
	}
	typ, b, err := p.c.Read(p.ctx)
	if err == nil && typ == websocket.MessageText && strings.HasPrefix(string(b), "0") {
		t.Errorf("websocket %s opened a session: %q", query, b)
	} else if err == nil {
		p.expectClose()
	}
}
