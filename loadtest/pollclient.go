package loadtest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"time"
)

// pollReadBuffer is the read buffer of each of a polling client's two
// connections. A poll's body that does not fit is read into a buffer of
// the connection's own, kept for the next one up to pollKeepBody.
const (
	pollReadBuffer = 4096
	pollKeepBody   = 64 << 10
	pollMaxBody    = 64 << 20
	// pollIdleCheck: a POST on a connection idle for longer waits for its
	// answer (see sendLater).
	pollIdleCheck = time.Second
)

// pollClient is a minimal Socket.IO client over HTTP long-polling, the
// polling twin of wsClient: HTTP/1.1 written and parsed by hand over two
// kept-alive TCP connections (one for the long-poll GETs, one for the
// POSTs, as a browser does, so that a POST never waits behind a pending
// GET), the Engine.IO open and heartbeat, a CONNECT to the main namespace,
// EVENT and ACK packets written as bytes. It parses only what its loop
// asks for and runs on its caller's goroutine.
//
// It is a second Socket.IO client beside package socketio's, for one
// reason: cost. Through socketio.Client (goroutines, timers, JSON, the
// net/http client) an echo round trip cost the load tool about 65 µs of
// CPU, as much as the server it measured, so that over polling the tool,
// not the server, set the acks per second of `rtlab load --compare`.
type pollClient struct {
	t wsTarget
	d *net.Dialer

	get  pollConn // the long poll: once connected, a GET is always pending
	post pollConn // the client's packets

	getReq   []byte // the whole poll request
	postHead []byte // a POST up to its Content-Length value
	polling  bool   // a GET was sent and its answer not read yet
	// postPending: a POST was sent and its answer not read yet.
	postPending bool
	payload     []byte // what the last poll brought and next has not handled yet

	// window is the server's pingInterval+pingTimeout: a server that sends
	// no PING for that long is gone ("ping timeout"). deadline is the
	// deadline of both connections: the connect timeout until the client
	// is armed, then window after the last PING (see wsClient).
	window     time.Duration
	lastPing   time.Time
	armed      bool
	deadline   time.Time
	maxPayload int64

	mu     sync.Mutex // guards the connections' nc against close
	closed bool
}

// pollConn is one kept-alive HTTP/1.1 connection to the server.
type pollConn struct {
	nc   net.Conn // nil until dialed, and after the server closed it
	br   *bufio.Reader
	wbuf []byte // the request being written
	body []byte // a body too large for br
	used bool   // has answered a request: the server may close it when idle
	// idleSince is when the last response was read.
	idleSince time.Time
}

// errPollClosed is the error of a client closed by the run.
var errPollClosed = errors.New("loadtest: polling client closed")

// dialPolling opens an Engine.IO session over long-polling: the handshake
// GET and its open packet. The namespace is not joined yet. Every request
// until armHeartbeat has ctx's deadline.
func dialPolling(ctx context.Context, t wsTarget, d *net.Dialer) (*pollClient, error) {
	c := &pollClient{t: t, d: d}
	if dl, ok := ctx.Deadline(); ok {
		c.deadline = dl
	}
	req := "GET " + t.path + "?EIO=4&transport=polling HTTP/1.1\r\nHost: " + t.host + "\r\n\r\n"
	if err := c.dial(ctx, &c.get); err != nil {
		return nil, err
	}
	body, err := c.roundTrip(&c.get, []byte(req))
	if err != nil {
		c.close()
		return nil, fmt.Errorf("%w: %v", errHandshake, err)
	}
	if err := c.open(body); err != nil {
		c.close()
		return nil, err
	}
	return c, nil
}

// open reads the open packet, the first of the handshake's payload:
// 0{"sid":…,"pingInterval":…,"pingTimeout":…,"maxPayload":…}.
func (c *pollClient) open(body []byte) error {
	p := body
	if i := bytes.IndexByte(p, 0x1e); i >= 0 {
		p = p[:i]
	}
	if len(p) == 0 || p[0] != '0' {
		return fmt.Errorf("%w: the handshake answered %q, not an Engine.IO open packet (0{\"sid\":…})", errHandshake, clip(body))
	}
	sid, ok := jsonString(p, []byte(`"sid":`))
	interval, ok1 := jsonInt(p, []byte(`"pingInterval":`))
	timeout, ok2 := jsonInt(p, []byte(`"pingTimeout":`))
	if !ok || sid == "" || !ok1 || !ok2 || interval <= 0 || timeout <= 0 {
		return fmt.Errorf("%w: open packet %q lacks a sid, pingInterval or pingTimeout", errHandshake, clip(p))
	}
	if mp, ok := jsonInt(p, []byte(`"maxPayload":`)); ok && mp > 0 {
		c.maxPayload = mp
	}
	c.window = time.Duration(interval+timeout) * time.Millisecond
	c.lastPing = time.Now()
	q := c.t.path + "?EIO=4&transport=polling&sid=" + url.QueryEscape(sid) + " HTTP/1.1\r\nHost: " + c.t.host + "\r\n"
	c.getReq = []byte("GET " + q + "\r\n")
	c.postHead = []byte("POST " + q + "Content-Type: text/plain;charset=UTF-8\r\nContent-Length: ")
	return nil
}

// connect joins the main namespace: CONNECT by POST, its answer by GET.
func (c *pollClient) connect() error {
	if err := c.send(pktConnect); err != nil {
		return err
	}
	return awaitConnect(c)
}

// armHeartbeat starts the heartbeat window once the client is connected:
// from now on both connections' deadline is window after the last PING,
// so that no GET waits longer than pingInterval+pingTimeout.
func (c *pollClient) armHeartbeat() {
	c.armed = true
	c.setDeadline(c.lastPing.Add(c.window))
}

// heartbeat records a PING and, once armed, moves the deadline.
func (c *pollClient) heartbeat() {
	c.lastPing = time.Now()
	if c.armed {
		c.setDeadline(c.lastPing.Add(c.window))
	}
}

func (c *pollClient) setDeadline(t time.Time) {
	c.deadline = t
	for _, pc := range []*pollConn{&c.get, &c.post} {
		if pc.nc != nil {
			pc.nc.SetDeadline(t)
		}
	}
}

// next returns the next Socket.IO packet (an Engine.IO message, "4…",
// without its "4"), polling when the last payload is spent and answering
// PINGs on the way. It returns errTransportClose on a close packet,
// errServerDisconnect on a DISCONNECT from the main namespace and a
// timeout error when no PING came within the heartbeat window (see
// dropReason). The packet is valid until the next call.
func (c *pollClient) next() ([]byte, error) {
	for {
		for len(c.payload) > 0 {
			p := c.payload
			if i := bytes.IndexByte(p, 0x1e); i >= 0 {
				p, c.payload = p[:i], p[i+1:]
			} else {
				c.payload = nil
			}
			if len(p) == 0 {
				continue
			}
			pkt, ping, err := serverMessage(p)
			switch {
			case err != nil || pkt != nil:
				return pkt, err
			case ping:
				c.heartbeat()
				if err := c.send(pktPong); err != nil {
					return nil, err
				}
			}
		}
		body, err := c.poll()
		if err != nil {
			return nil, err
		}
		c.payload = body
	}
}

// poll returns the answer of the pending GET (sending one first if none
// is) and at once sends the next, so that the server always has a GET to
// answer, as a browser's client keeps one. The body is valid until the
// next poll.
func (c *pollClient) poll() ([]byte, error) {
	if !c.polling {
		if err := c.write(&c.get, c.getReq); err != nil {
			return nil, err
		}
	}
	c.polling = false
	body, err := c.response(&c.get, c.getReq)
	if err != nil {
		return nil, err
	}
	if err := c.write(&c.get, c.getReq); err != nil {
		return nil, err
	}
	c.polling = true
	return body, nil
}

// send POSTs one Engine.IO packet made of the parts and reads the
// server's "ok".
func (c *pollClient) send(parts ...[]byte) error {
	if err := c.sendLater(parts...); err != nil {
		return err
	}
	return c.settlePost()
}

// sendLater POSTs one Engine.IO packet made of the parts and leaves its
// "ok" to be read by the next send (settlePost): an echo's "ok" comes
// with its ACK, and read after it, it is there, where read at once it
// costs a read that finds nothing and a wake-up. The request stays in
// post.wbuf until then, to be sent again if the connection turns out
// closed by the server.
func (c *pollClient) sendLater(parts ...[]byte) error {
	if err := c.settlePost(); err != nil {
		return err
	}
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	if c.maxPayload > 0 && int64(n) > c.maxPayload {
		return fmt.Errorf("loadtest: a packet of %d bytes is over the server's maxPayload %d", n, c.maxPayload)
	}
	b := append(c.post.wbuf[:0], c.postHead...)
	b = strconv.AppendInt(b, int64(n), 10)
	b = append(b, "\r\n\r\n"...)
	for _, p := range parts {
		b = append(b, p...)
	}
	c.post.wbuf = b
	if err := c.write(&c.post, b); err != nil {
		return err
	}
	c.postPending = true
	if time.Since(c.post.idleSince) > pollIdleCheck {
		// The connection may have been closed by the server while idle,
		// and the POST lost: only its answer tells, so read it now.
		return c.settlePost()
	}
	return nil
}

// settlePost reads the answer of the POST sent last, if it is not read
// yet.
func (c *pollClient) settlePost() error {
	if !c.postPending {
		return nil
	}
	c.postPending = false
	_, err := c.response(&c.post, c.post.wbuf)
	if cap(c.post.wbuf) > 1024 {
		c.post.wbuf = nil // keep small buffers only
	}
	return err
}

// roundTrip writes req on pc and reads the response's body.
func (c *pollClient) roundTrip(pc *pollConn, req []byte) ([]byte, error) {
	if err := c.write(pc, req); err != nil {
		return nil, err
	}
	return c.response(pc, req)
}

// write writes req on pc, dialing it first if the server closed it.
func (c *pollClient) write(pc *pollConn, req []byte) error {
	if pc.nc == nil {
		if err := c.dial(context.Background(), pc); err != nil {
			return err
		}
	}
	_, err := pc.nc.Write(req)
	if err != nil && pc.used && !isTimeout(err) {
		// A kept-alive connection the server closed while it was idle.
		if c.redial(pc) == nil {
			_, err = pc.nc.Write(req)
		}
	}
	return err
}

// response reads the response to req, written on pc. A kept-alive
// connection that ends before the first byte of the response was closed
// by the server while idle (Node.js closes them after 5 s): req is sent
// again, once, on a new connection. If that cannot be dialed, the error
// is the first one (a server gone is "transport close", not a dial error).
func (c *pollClient) response(pc *pollConn, req []byte) ([]byte, error) {
	body, keep, err := readHTTPResponse(pc)
	if err != nil && pc.used && errors.Is(err, errNoResponse) && !isTimeout(err) {
		if c.redial(pc) == nil {
			if _, werr := pc.nc.Write(req); werr == nil {
				body, keep, err = readHTTPResponse(pc)
			}
		}
	}
	if err != nil {
		return nil, err
	}
	pc.used = true
	pc.idleSince = time.Now()
	if !keep {
		c.drop(pc)
	}
	return body, nil
}

// dial connects pc, with the client's deadline.
func (c *pollClient) dial(ctx context.Context, pc *pollConn) error {
	if !c.deadline.IsZero() {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, c.deadline)
		defer cancel()
	}
	nc, err := c.d.DialContext(ctx, "tcp", c.t.addr)
	if err != nil {
		return err
	}
	if !c.deadline.IsZero() {
		nc.SetDeadline(c.deadline)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		nc.Close()
		return errPollClosed
	}
	pc.nc = nc
	pc.used = false
	if pc.br == nil {
		pc.br = newPollReader(nc)
	} else {
		pc.br.Reset(nc)
	}
	return nil
}

func (c *pollClient) redial(pc *pollConn) error {
	c.drop(pc)
	return c.dial(context.Background(), pc)
}

// drop closes pc's connection, the next request dials a new one.
func (c *pollClient) drop(pc *pollConn) {
	c.mu.Lock()
	if pc.nc != nil {
		pc.nc.Close()
		pc.nc = nil
	}
	c.mu.Unlock()
}

// close ends the client: both connections are closed and no new one is
// dialed.
func (c *pollClient) close() {
	c.mu.Lock()
	c.closed = true
	for _, pc := range []*pollConn{&c.get, &c.post} {
		if pc.nc != nil {
			pc.nc.Close()
		}
	}
	c.mu.Unlock()
}

func newPollReader(r io.Reader) *bufio.Reader { return bufio.NewReaderSize(r, pollReadBuffer) }

// errNoResponse marks a connection that ended before the first byte of a
// response.
var errNoResponse = errors.New("connection ended before a response")

// readHTTPResponse reads one HTTP/1.x response from pc: its body (valid
// until the next read on pc) and whether the connection stays open. The
// body is delimited by Content-Length, chunked transfer coding, or the end
// of the connection; a status other than 200 is an error that quotes the
// body.
func readHTTPResponse(pc *pollConn) (body []byte, keep bool, err error) {
	br := pc.br
	line, err := br.ReadSlice('\n')
	if err != nil {
		if len(line) == 0 && (errors.Is(err, io.EOF) || isReset(err)) {
			return nil, false, fmt.Errorf("%w: %w", errNoResponse, err)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			return nil, false, fmt.Errorf("loadtest: HTTP status line longer than %d bytes", br.Size())
		}
		return nil, false, err
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) || line[8] != ' ' {
		return nil, false, fmt.Errorf("loadtest: not an HTTP/1.x response: %q", clip(line))
	}
	keep = line[7] == '1' // HTTP/1.1 keeps the connection by default, 1.0 does not
	ok := string(line[9:12]) == "200"
	var status string
	if !ok {
		status = string(bytes.TrimSpace(line))
	}
	length := int64(-1)
	chunked := false
	for {
		line, err := readHeaderLine(br)
		if err != nil {
			return nil, false, err
		}
		if len(line) == 0 {
			break
		}
		colon := bytes.IndexByte(line, ':')
		if colon < 0 {
			continue
		}
		name, value := line[:colon], bytes.TrimSpace(line[colon+1:])
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			n, perr := strconv.ParseInt(string(value), 10, 64)
			if perr != nil || n < 0 {
				return nil, false, fmt.Errorf("loadtest: bad Content-Length %q", value)
			}
			length = n
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			if !bytes.EqualFold(value, []byte("chunked")) {
				return nil, false, fmt.Errorf("loadtest: Transfer-Encoding %q is not supported (only chunked)", value)
			}
			chunked = true
		case bytes.EqualFold(name, []byte("Connection")):
			if hasToken(value, "close") {
				keep = false
			} else if hasToken(value, "keep-alive") {
				keep = true
			}
		}
	}
	switch {
	case chunked:
		body, err = readChunked(pc)
	case length >= 0:
		body, err = readBody(pc, int(min(length, pollMaxBody+1)))
	default:
		keep = false
		body, err = readToEOF(pc)
	}
	if err != nil {
		return nil, false, err
	}
	if !ok {
		return nil, false, fmt.Errorf("loadtest: the server answered %s: %q", status, clip(body))
	}
	return body, keep, nil
}

// readHeaderLine returns a header line without its CRLF; one longer than
// the buffer is cut to what fits (the headers read are short).
func readHeaderLine(br *bufio.Reader) ([]byte, error) {
	line, err := br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		line = bytes.Clone(line)
		for errors.Is(err, bufio.ErrBufferFull) {
			_, err = br.ReadSlice('\n')
		}
	}
	if err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return bytes.TrimRight(line, "\r\n"), nil
}

// readBody reads n bytes: in the read buffer when they fit, else in pc's
// body buffer.
func readBody(pc *pollConn, n int) ([]byte, error) {
	if n > pollMaxBody {
		return nil, fmt.Errorf("loadtest: a response body over %d bytes", pollMaxBody)
	}
	if n <= pc.br.Size() {
		b, err := pc.br.Peek(n)
		if err != nil {
			return nil, unexpected(err)
		}
		pc.br.Discard(n)
		return b, nil
	}
	b := pc.bodyBuf(n)[:n]
	if _, err := io.ReadFull(pc.br, b); err != nil {
		return nil, unexpected(err)
	}
	return b, nil
}

// readChunked reads a body in chunked transfer coding into pc's body
// buffer.
func readChunked(pc *pollConn) ([]byte, error) {
	b := pc.bodyBuf(0)[:0]
	for {
		line, err := readHeaderLine(pc.br)
		if err != nil {
			return nil, unexpected(err)
		}
		if i := bytes.IndexByte(line, ';'); i >= 0 {
			line = line[:i]
		}
		n, err := strconv.ParseInt(string(bytes.TrimSpace(line)), 16, 64)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("loadtest: bad chunk size %q", line)
		}
		if n == 0 {
			break
		}
		if int64(len(b))+n > pollMaxBody {
			return nil, fmt.Errorf("loadtest: a response body over %d bytes", pollMaxBody)
		}
		b = slices.Grow(b, int(n))
		start := len(b)
		b = b[:start+int(n)]
		if _, err := io.ReadFull(pc.br, b[start:]); err != nil {
			return nil, unexpected(err)
		}
		if crlf, err := readHeaderLine(pc.br); err != nil || len(crlf) != 0 {
			return nil, fmt.Errorf("loadtest: a chunk not followed by CRLF")
		}
	}
	for { // trailers
		line, err := readHeaderLine(pc.br)
		if err != nil {
			return nil, unexpected(err)
		}
		if len(line) == 0 {
			break
		}
	}
	pc.keepBody(b)
	return b, nil
}

// readToEOF reads a body that ends with the connection.
func readToEOF(pc *pollConn) ([]byte, error) {
	b := pc.bodyBuf(0)[:0]
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := pc.br.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if len(b) > pollMaxBody {
			return nil, fmt.Errorf("loadtest: a response body over %d bytes", pollMaxBody)
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	pc.keepBody(b)
	return b, nil
}

// bodyBuf returns pc's body buffer with room for n bytes.
func (pc *pollConn) bodyBuf(n int) []byte {
	if cap(pc.body) < n {
		b := make([]byte, n)
		pc.keepBody(b)
		return b
	}
	return pc.body
}

// keepBody keeps b for the next body unless it is large.
func (pc *pollConn) keepBody(b []byte) {
	if cap(b) <= pollKeepBody {
		pc.body = b[:0]
	} else {
		pc.body = nil
	}
}

// hasToken reports whether a comma-separated header value holds tok.
func hasToken(v []byte, tok string) bool {
	for len(v) > 0 {
		var f []byte
		if i := bytes.IndexByte(v, ','); i >= 0 {
			f, v = v[:i], v[i+1:]
		} else {
			f, v = v, nil
		}
		if bytes.EqualFold(bytes.TrimSpace(f), []byte(tok)) {
			return true
		}
	}
	return false
}

func unexpected(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// isReset reports a network error other than a timeout (a connection
// reset, a broken pipe), as a kept-alive connection closed by the server
// meets them.
func isReset(err error) bool {
	var oe *net.OpError
	return errors.As(err, &oe) && !oe.Timeout()
}

// jsonString reads the string after key (`"sid":`) in a JSON text; one
// with escapes is refused.
func jsonString(b, key []byte) (string, bool) {
	i := bytes.Index(b, key)
	if i < 0 {
		return "", false
	}
	b = bytes.TrimLeft(b[i+len(key):], " ")
	if len(b) == 0 || b[0] != '"' {
		return "", false
	}
	j := bytes.IndexByte(b[1:], '"')
	if j < 0 || bytes.IndexByte(b[1:1+j], '\\') >= 0 {
		return "", false
	}
	return string(b[1 : 1+j]), true
}

// clip shortens what an error quotes.
func clip(b []byte) []byte {
	if len(b) > 200 {
		return b[:200]
	}
	return b
}

// pollLoop runs a connected polling client's mode until it ends.
func (r *runner) pollLoop(c *pollClient, i int, st *clientStat) {
	defer r.wg.Done()
	var err error
	if r.o.Mode == ModeEcho {
		err = r.pollEcho(c, st)
	} else {
		err = r.receiveLoop(c, st)
	}
	select {
	case <-r.stop:
	default:
		if err != nil {
			r.drop(i, dropReason(err), err)
		}
	}
}

// pollEcho emits "echo" with an ack, one at a time, from the start signal
// to the deadline, then polls until the run ends; what it records is what
// the WebSocket clients record.
func (r *runner) pollEcho(c *pollClient, st *clientStat) error {
	started, err := r.echoRounds(st, func(id uint64, idBuf []byte) error {
		if err := c.emitEcho(id, idBuf, r.echoPad); err != nil {
			return err
		}
		return awaitAck(c, id, r, st)
	})
	if !started || err != nil {
		return err
	}
	return r.receiveLoop(c, st)
}

// emitEcho POSTs 42<id>["echo",pad]; its "ok" is read by the next POST.
func (c *pollClient) emitEcho(id uint64, buf, pad []byte) error {
	return c.sendLater(echoHead, strconv.AppendUint(buf, id, 10), echoName, pad, echoTail)
}
