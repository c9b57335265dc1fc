package loadtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"
)

// wsReadBuffer is the read buffer of a simulated client. Socket.IO frames
// of a load test are a few hundred bytes; a larger frame is read into a
// buffer of its own.
const wsReadBuffer = 512

// readBuf is a client's read buffer: b[r:w] has been read from the
// connection and not consumed yet. It stands where a bufio.Reader would,
// because the echo round trip fills it from inside syscall.RawConn.Read
// (see rawcall_unix.go), which a bufio.Reader has no way to do.
type readBuf struct {
	b    []byte
	r, w int
}

func (rb *readBuf) buffered() []byte { return rb.b[rb.r:rb.w] }

func (rb *readBuf) discard(n int) {
	rb.r += n
	if rb.r == rb.w {
		rb.r, rb.w = 0, 0
	}
}

// space moves the unconsumed bytes to the front and returns the free tail
// to read into.
func (rb *readBuf) space() []byte {
	if rb.r > 0 {
		rb.w = copy(rb.b, rb.b[rb.r:rb.w])
		rb.r = 0
	}
	return rb.b[rb.w:]
}

// wsClient is a minimal Socket.IO client over WebSocket, just enough to be
// load: an HTTP upgrade written by hand, the Engine.IO open and heartbeat,
// a CONNECT to the main namespace, EVENT and ACK packets written as bytes.
// It keeps no record of its traffic and parses only what its handler asks
// for, so that it costs a connection, a small buffer and one goroutine.
type wsClient struct {
	nc   net.Conn
	rb   readBuf
	mask [4]byte

	// window is the server's pingInterval+pingTimeout, from its open
	// packet: a server silent for that long is gone, as socket.io-client
	// decides ("ping timeout"). Once armed (after the CONNECT), every PING
	// moves the connection's read and write deadline to window from now;
	// until then lastPing remembers when the heartbeat last started.
	window   time.Duration
	lastPing time.Time
	armed    bool

	wmu  sync.Mutex
	wbuf []byte // reused frame buffer, under wmu

	raw *rawCall // the echo round trip's state, from its first call; nil in other modes
}

// errHandshake wraps a refused or malformed opening.
var errHandshake = errors.New("loadtest: handshake failed")

// wsTarget is the pieces of a server URL the clients need.
type wsTarget struct {
	addr string // host:port to dial
	host string // Host header
	path string // Socket.IO path, with a trailing slash
}

func parseTarget(raw, path string) (wsTarget, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return wsTarget{}, err
	}
	switch u.Scheme {
	case "http", "ws":
	case "https", "wss":
		return wsTarget{}, fmt.Errorf("loadtest: %s: TLS is not supported by the load clients; use http://", raw)
	default:
		return wsTarget{}, fmt.Errorf("loadtest: %q: want an http:// URL", raw)
	}
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), "80")
	}
	if path == "" {
		path = "/socket.io/"
		if p := strings.TrimSuffix(u.Path, "/"); p != "" {
			path = p + "/"
		}
	}
	if !strings.HasSuffix(path, "/") {
		path += "/"
	}
	return wsTarget{addr: host, host: u.Host, path: path}, nil
}

// dialWS opens a WebSocket to the Engine.IO endpoint and reads the open
// packet; the namespace is not joined yet.
func dialWS(ctx context.Context, t wsTarget, d *net.Dialer) (*wsClient, error) {
	nc, err := d.DialContext(ctx, "tcp", t.addr)
	if err != nil {
		return nil, err
	}
	if dl, ok := ctx.Deadline(); ok {
		nc.SetDeadline(dl)
	}
	c := &wsClient{nc: nc, rb: readBuf{b: make([]byte, wsReadBuffer)}}
	rand.Read(c.mask[:])
	if err := c.handshake(t); err != nil {
		nc.Close()
		return nil, err
	}
	nc.SetDeadline(time.Time{})
	return c, nil
}

func (c *wsClient) handshake(t wsTarget) error {
	var k [16]byte
	rand.Read(k[:])
	key := base64.StdEncoding.EncodeToString(k[:])
	req := "GET " + t.path + "?EIO=4&transport=websocket HTTP/1.1\r\nHost: " + t.host +
		"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + key +
		"\r\nSec-WebSocket-Version: 13\r\n\r\n"
	if _, err := io.WriteString(c.nc, req); err != nil {
		return err
	}
	status, err := c.line()
	if err != nil {
		return fmt.Errorf("%w: %v", errHandshake, err)
	}
	if !bytes.HasPrefix(status, []byte("HTTP/1.1 101")) {
		return fmt.Errorf("%w: %s", errHandshake, bytes.TrimSpace(status))
	}
	for {
		line, err := c.line()
		if err != nil && !errors.Is(err, errLongLine) {
			return fmt.Errorf("%w: %v", errHandshake, err)
		}
		if len(line) <= 2 && err == nil {
			break
		}
	}
	// The Engine.IO open packet.
	op, p, err := c.readFrame()
	if err != nil {
		return fmt.Errorf("%w: open packet: %v", errHandshake, err)
	}
	if op != opText || len(p) == 0 || p[0] != '0' {
		return fmt.Errorf("%w: first packet %q is not an Engine.IO open", errHandshake, p)
	}
	interval, ok1 := jsonInt(p, []byte(`"pingInterval":`))
	timeout, ok2 := jsonInt(p, []byte(`"pingTimeout":`))
	if !ok1 || !ok2 || interval <= 0 || timeout <= 0 {
		return fmt.Errorf("%w: open packet %q lacks pingInterval or pingTimeout", errHandshake, p)
	}
	c.window = time.Duration(interval+timeout) * time.Millisecond
	c.lastPing = time.Now()
	return nil
}

// armHeartbeat starts the heartbeat window once the client is connected:
// from now on the socket's deadline is window after the last PING. The
// deadline covers writes too (a server that stops reading is as gone as
// one that stops pinging) and is always pushed forward, never left to
// expire while the server is alive: a write never meets a stale one.
func (c *wsClient) armHeartbeat() {
	c.armed = true
	c.nc.SetDeadline(c.lastPing.Add(c.window))
}

// heartbeat records a PING and, once armed, moves the deadline.
func (c *wsClient) heartbeat() {
	c.lastPing = time.Now()
	if c.armed {
		c.nc.SetDeadline(c.lastPing.Add(c.window))
	}
}

// Why a connected client ended, as socket.io-client names it.
var (
	errServerDisconnect = errors.New("io server disconnect")
	errTransportClose   = errors.New("transport close")
)

// dropReason names why a client's connection ended, in socket.io-client's
// words: "ping timeout" (no PING within pingInterval+pingTimeout),
// "io server disconnect" (a DISCONNECT packet), "transport close" (a close
// packet, a close frame or EOF), or "transport error" (anything else).
func dropReason(err error) string {
	var ne net.Error
	switch {
	case errors.As(err, &ne) && ne.Timeout():
		return "ping timeout"
	case errors.Is(err, errServerDisconnect):
		return "io server disconnect"
	case errors.Is(err, errTransportClose), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "transport close"
	}
	return "transport error"
}

const (
	opText   = 0x1
	opBinary = 0x2
	opClose  = 0x8
	opPing   = 0x9
	opPong   = 0xA
)

// errLongLine is a line of the handshake longer than the read buffer,
// returned in pieces.
var errLongLine = errors.New("loadtest: line longer than the read buffer")

// fill reads once from the connection into the free part of the buffer.
func (c *wsClient) fill() error {
	sp := c.rb.space()
	if len(sp) == 0 {
		return errors.New("loadtest: read buffer full")
	}
	for range 100 {
		n, err := c.nc.Read(sp)
		c.rb.w += n
		if n > 0 || err != nil {
			return err
		}
	}
	return io.ErrNoProgress
}

// peek returns the next n bytes (n at most wsReadBuffer) without
// consuming them, reading as needed.
func (c *wsClient) peek(n int) ([]byte, error) {
	for c.rb.w-c.rb.r < n {
		if err := c.fill(); err != nil {
			return nil, err
		}
	}
	return c.rb.b[c.rb.r : c.rb.r+n], nil
}

// line returns the next line through its '\n', valid until the next read.
// A line that does not fit the buffer comes back a buffer at a time, with
// errLongLine.
func (c *wsClient) line() ([]byte, error) {
	seen := 0
	for {
		b := c.rb.buffered()
		if i := bytes.IndexByte(b[seen:], '\n'); i >= 0 {
			c.rb.discard(seen + i + 1)
			return b[:seen+i+1], nil
		}
		if len(b) == len(c.rb.b) {
			c.rb.discard(len(b))
			return b, errLongLine
		}
		seen = len(b)
		if err := c.fill(); err != nil {
			return nil, err
		}
	}
}

// frameLen reads a frame header from h: the header's length hl (2, 4 or
// 10, told by h[1]) and, when h holds all of it, the payload's length n
// (ok false when it does not).
func frameLen(h []byte) (hl int, n uint64, ok bool) {
	hl = 2
	switch h[1] & 0x7f {
	case 126:
		hl = 4
	case 127:
		hl = 10
	}
	if len(h) < hl {
		return hl, 0, false
	}
	switch hl {
	case 2:
		n = uint64(h[1] & 0x7f)
	case 4:
		n = uint64(binary.BigEndian.Uint16(h[2:]))
	default:
		n = binary.BigEndian.Uint64(h[2:])
	}
	return hl, n, true
}

// frameBuffered reports whether readFrame can go on from b without
// waiting for the connection: b holds a whole frame, or the header of one
// too big for the buffer (read into a slice of its own).
func frameBuffered(b []byte) bool {
	if len(b) < 2 {
		return false
	}
	hl, n, ok := frameLen(b)
	if !ok {
		return false
	}
	return n > uint64(wsReadBuffer-hl) || len(b) >= hl+int(n)
}

// readFrame returns the next frame. The payload aliases the read buffer
// when it fits and is valid until the next call. Fragmented messages are
// not expected from a Socket.IO server and are returned frame by frame.
func (c *wsClient) readFrame() (byte, []byte, error) {
	hdr, err := c.peek(2)
	if err != nil {
		return 0, nil, err
	}
	op := hdr[0] & 0x0f
	if hdr[1]&0x80 != 0 {
		return 0, nil, errors.New("loadtest: masked frame from the server")
	}
	hl, n64, ok := frameLen(hdr)
	if !ok {
		if hdr, err = c.peek(hl); err != nil {
			return 0, nil, err
		}
		hl, n64, _ = frameLen(hdr)
	}
	if n64 > 64<<20 {
		return 0, nil, fmt.Errorf("loadtest: frame of %d bytes", n64)
	}
	n := int(n64)
	if hl+n <= wsReadBuffer {
		b, err := c.peek(hl + n)
		if err != nil {
			return 0, nil, err
		}
		c.rb.discard(hl + n)
		return op, b[hl:], nil
	}
	c.rb.discard(hl)
	p := make([]byte, n)
	k := copy(p, c.rb.buffered())
	c.rb.discard(k)
	if _, err := io.ReadFull(c.nc, p[k:]); err != nil {
		return 0, nil, err
	}
	return op, p, nil
}

// writeText sends one masked text frame made of the parts.
func (c *wsClient) writeText(parts ...[]byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_, err := c.nc.Write(c.appendText(parts...))
	return err
}

// appendText builds one masked text frame made of the parts, in wbuf when
// it is small; under wmu.
func (c *wsClient) appendText(parts ...[]byte) []byte {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	b := c.wbuf[:0]
	b = append(b, 0x80|opText)
	switch {
	case n < 126:
		b = append(b, 0x80|byte(n))
	case n <= 0xffff:
		b = append(b, 0x80|126, byte(n>>8), byte(n))
	default:
		b = append(b, 0x80|127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	b = append(b, c.mask[:]...)
	start := len(b)
	for _, p := range parts {
		b = append(b, p...)
	}
	for i := range b[start:] {
		b[start+i] ^= c.mask[i&3]
	}
	if cap(b) <= 256 {
		c.wbuf = b // keep small buffers only
	} else {
		c.wbuf = nil
	}
	return b
}

// writeControl answers a WebSocket ping or closes.
func (c *wsClient) writeControl(op byte, p []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	b := []byte{0x80 | op, 0x80 | byte(len(p))}
	b = append(b, c.mask[:]...)
	for i, x := range p {
		b = append(b, x^c.mask[i&3])
	}
	_, err := c.nc.Write(b)
	return err
}

var (
	pktPong    = []byte("3")
	pktConnect = []byte("40")
)

// connect joins the main namespace and waits for the server's CONNECT.
func (c *wsClient) connect() error {
	if err := c.writeText(pktConnect); err != nil {
		return err
	}
	return awaitConnect(c)
}

// packetReader is either load client: next returns the server's next
// Socket.IO packet, answering heartbeats on the way.
type packetReader interface {
	next() ([]byte, error)
}

// awaitConnect waits for the server's answer to a CONNECT to "/".
func awaitConnect(c packetReader) error {
	for {
		p, err := c.next()
		if err != nil {
			return err
		}
		switch {
		case len(p) > 0 && p[0] == '0': // CONNECT to "/"
			return nil
		case len(p) > 0 && p[0] == '4': // CONNECT_ERROR
			return fmt.Errorf("%w: CONNECT_ERROR %s", errHandshake, p[1:])
		}
	}
}

// next returns the next Socket.IO packet (an Engine.IO message, "4…",
// without its "4"), answering heartbeats and WebSocket pings on the way.
// It returns errTransportClose when the server closes the connection,
// errServerDisconnect on a DISCONNECT from the main namespace, and a
// timeout error when no PING came within the heartbeat window (see
// dropReason).
func (c *wsClient) next() ([]byte, error) {
	for {
		op, p, err := c.readFrame()
		if err != nil {
			return nil, err
		}
		switch op {
		case opText:
			if len(p) == 0 {
				continue
			}
			pkt, ping, err := serverMessage(p)
			switch {
			case err != nil || pkt != nil:
				return pkt, err
			case ping:
				c.heartbeat()
				if err := c.writeText(pktPong); err != nil {
					return nil, err
				}
			}
		case opPing:
			if err := c.writeControl(opPong, p); err != nil {
				return nil, err
			}
		case opClose:
			c.writeControl(opClose, nil)
			return nil, errTransportClose
		}
	}
}

// serverMessage sorts one of the server's Engine.IO text messages (not
// empty): a Socket.IO packet, returned without its "4" (a DISCONNECT from
// the main namespace is errServerDisconnect); a PING (ping, to be
// answered); a close packet (errTransportClose). A noop or anything else
// returns nothing.
func serverMessage(p []byte) (pkt []byte, ping bool, err error) {
	switch p[0] {
	case '4':
		if len(p) == 2 && p[1] == '1' {
			return nil, false, errServerDisconnect
		}
		return p[1:], false, nil
	case '2':
		return nil, true, nil
	case '1':
		return nil, false, errTransportClose
	}
	return nil, false, nil
}

// call emits the EVENT made of parts (`42<id>[…]`, the id given apart)
// and waits for its ACK, handling what the server sends meanwhile as next
// does. Packets other than the ACK are ignored.
func (c *wsClient) call(id uint64, parts ...[]byte) error {
	if err := c.sendAndWait(parts...); err != nil {
		return err
	}
	return awaitAck(c, id, nil, nil)
}

// awaitAck reads until the ACK of id; with r, the ticks that come
// meanwhile are counted in st, otherwise packets other than the ACK are
// ignored.
func awaitAck(c packetReader, id uint64, r *runner, st *clientStat) error {
	for {
		p, err := c.next()
		if err != nil {
			return err
		}
		if got, ok := ackID(p); ok && got == id {
			return nil
		}
		if r != nil && len(p) > len(tickPrefix) && string(p[:len(tickPrefix)]) == string(tickPrefix) {
			r.tick(st, p[len(tickPrefix):])
		}
	}
}

func (c *wsClient) close() { c.nc.Close() }

// jsonInt reads the integer after key (`"seq":`) in a JSON text.
func jsonInt(b, key []byte) (int64, bool) {
	i := bytes.Index(b, key)
	if i < 0 {
		return 0, false
	}
	b = b[i+len(key):]
	for len(b) > 0 && b[0] == ' ' {
		b = b[1:]
	}
	var v int64
	n := 0
	for n < len(b) && b[n] >= '0' && b[n] <= '9' {
		v = v*10 + int64(b[n]-'0')
		n++
	}
	return v, n > 0
}

// ackID reads the id of an ACK packet ("3<id>[…]", after the "4" of
// Engine.IO), for the main namespace.
func ackID(p []byte) (uint64, bool) {
	if len(p) < 2 || p[0] != '3' {
		return 0, false
	}
	var id uint64
	n := 0
	for n+1 < len(p) && p[n+1] >= '0' && p[n+1] <= '9' {
		id = id*10 + uint64(p[n+1]-'0')
		n++
	}
	return id, n > 0
}
