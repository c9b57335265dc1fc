package engineio

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"rtlab/internal/rawws"
)

// wsConn is the server side of one WebSocket (RFC 6455), as much of it as
// Engine.IO needs and no more: whole messages in, batches of messages out,
// pings answered, the close handshake. It replaces a general WebSocket
// library on the server for two reasons, both measured with rtlab load:
//
//   - memory: an idle session holds a socket, a 512-byte read buffer and a
//     reader goroutine whose call chain is short enough to stay on a small
//     stack; no write buffer, no per-connection state machine;
//   - throughput: every message the writer finds queued goes out in one
//     write system call (a broadcast of 200 ticks to a connection that fell
//     behind is one write, not 200).
//
// Reads happen on one goroutine at a time (the probe reader, then the
// session's reader); writes are serialised by wmu, and each sets its own
// deadline.
type wsConn struct {
	nc    net.Conn
	br    *bufio.Reader
	rc    syscall.RawConn // for tryWrite; nil when nc has none
	limit int

	wmu sync.Mutex
	// pending is the rest of a frame tryWrite began (under wmu), nil
	// when there is none, almost always: a pointer, 16 bytes less in
	// every session than a slice.
	pending *[]byte

	// With the server's poller (poller_linux.go) an idle connection has
	// no reader goroutine: reg is its registration, rstate says whether a
	// reader runs (see wake and letGo), and pollMu orders registering
	// against closing, so that a closed (and perhaps reused) descriptor
	// is never registered.
	pollMu sync.Mutex
	reg    *pollReg
	rstate atomic.Uint32

	closed atomic.Bool

	// Flags together, where they take no padding.
	closeSent bool // under wmu
	deadline  bool // under wmu: a write deadline is set on nc (see tryWrite)
	oneShot   bool // the reader's: br's next read is one system call (fillOnce)
	ownBuf    bool // the reader's: br reads through c (acquireReader)
}

// The states of wsConn.rstate. The poller reports every arrival of bytes
// (edge-triggered) and never needs re-arming; a report is either a new
// reader (readIdle) or a note to the running one that it must read again
// before it lets go (readAgain), so no arrival is ever left unread.
const (
	readIdle  = iota // no reader: the poller starts one
	readBusy         // a reader runs
	readAgain        // a reader runs, and bytes arrived since its last read
)

// WebSocket opcodes and the close codes used here.
const (
	wsOpContinuation = 0x0
	wsOpText         = 0x1
	wsOpBinary       = 0x2
	wsOpClose        = 0x8
	wsOpPing         = 0x9
	wsOpPong         = 0xA

	wsStatusNormal        = 1000
	wsStatusGoingAway     = 1001
	wsStatusProtocolError = 1002
	wsStatusNoStatus      = 1005 // sent as a close frame without a body
	wsStatusTooBig        = 1009
)

// wsCloseWait is how long a graceful close waits for the peer's close
// frame before it drops the connection.
const wsCloseWait = 5 * time.Second

// wsCloseError is the close frame a peer sent: the read side of the
// connection is over.
type wsCloseError struct {
	Code   int
	Reason string
}

func (e *wsCloseError) Error() string {
	return fmt.Sprintf("engineio: websocket closed by the peer: status %d %q", e.Code, e.Reason)
}

// wsProtocolError is a peer that broke RFC 6455 (or MaxPayload); the
// connection was closed with Code.
type wsProtocolError struct {
	Code   int
	Reason string
}

func (e *wsProtocolError) Error() string {
	return fmt.Sprintf("engineio: websocket: %s (closed with status %d)", e.Reason, e.Code)
}

// acceptWS answers a WebSocket handshake and takes the connection over.
// The checks and answers are those of RFC 6455 §4.2; origins are the CORS
// options' business, as in the JavaScript server. Headers already set on w
// (CORS) go out with the 101.
func acceptWS(w http.ResponseWriter, r *http.Request, limit int) (*wsConn, error) {
	fail := func(status int, msg string) (*wsConn, error) {
		http.Error(w, msg, status)
		return nil, errors.New("engineio: websocket handshake: " + msg)
	}
	if !r.ProtoAtLeast(1, 1) {
		return fail(http.StatusBadRequest, "WebSocket protocol violation: handshake request must be at least HTTP/1.1")
	}
	if !headerHasToken(r.Header, "Connection", "upgrade") || !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		w.Header().Set("Connection", "Upgrade")
		w.Header().Set("Upgrade", "websocket")
		return fail(http.StatusUpgradeRequired, "WebSocket protocol violation: missing Upgrade: websocket")
	}
	if r.Method != http.MethodGet {
		return fail(http.StatusMethodNotAllowed, "WebSocket protocol violation: handshake request method is not GET")
	}
	if r.Header.Get("Sec-WebSocket-Version") != "13" {
		w.Header().Set("Sec-WebSocket-Version", "13")
		return fail(http.StatusBadRequest, "unsupported WebSocket protocol version (only 13 is supported)")
	}
	key := strings.TrimSpace(r.Header.Get("Sec-WebSocket-Key"))
	if key == "" {
		return fail(http.StatusBadRequest, "WebSocket protocol violation: missing Sec-WebSocket-Key")
	}
	hj, ok := hijackerOf(w)
	if !ok {
		return fail(http.StatusInternalServerError, "http.ResponseWriter does not implement http.Hijacker")
	}
	h := w.Header()
	h.Set("Upgrade", "websocket")
	h.Set("Connection", "Upgrade")
	h.Set("Sec-WebSocket-Accept", rawws.AcceptKey(key))
	w.WriteHeader(http.StatusSwitchingProtocols)
	nc, br, err := hijackLean(hj)
	if err != nil {
		return nil, err
	}
	c := &wsConn{nc: nc, br: br, limit: limit}
	if sc, ok := nc.(syscall.Conn); ok {
		c.rc, _ = sc.SyscallConn()
	}
	return c, nil
}

// readMessage returns the next data message, answering pings on the way.
// data is a fresh slice, the caller's to keep. A close frame from the peer
// is answered and returned as a *wsCloseError; a protocol violation closes
// the connection with the RFC's status and returns a *wsProtocolError.
func (c *wsConn) readMessage() (isBinary bool, data []byte, err error) {
	var msgOp byte
	inMsg := false
	for {
		var hdr [14]byte
		if err := peekFull(c.br, hdr[:2]); err != nil {
			return false, nil, err
		}
		fin := hdr[0]&0x80 != 0
		op := hdr[0] & 0x0f
		if hdr[0]&0x70 != 0 {
			return false, nil, c.fail(wsStatusProtocolError, "reserved bits set without an extension")
		}
		if hdr[1]&0x80 == 0 {
			return false, nil, c.fail(wsStatusProtocolError, "unmasked frame from a client")
		}
		n := int64(hdr[1] & 0x7f)
		switch n {
		case 126:
			if err := peekFull(c.br, hdr[2:4]); err != nil {
				return false, nil, err
			}
			n = int64(binary.BigEndian.Uint16(hdr[2:4]))
		case 127:
			if err := peekFull(c.br, hdr[2:10]); err != nil {
				return false, nil, err
			}
			u := binary.BigEndian.Uint64(hdr[2:10])
			if u > 1<<62 {
				return false, nil, c.fail(wsStatusProtocolError, "frame length with the most significant bit set")
			}
			n = int64(u)
		}
		var mask [4]byte
		if err := peekFull(c.br, mask[:]); err != nil {
			return false, nil, err
		}
		if op >= wsOpClose {
			if !fin || n > 125 {
				return false, nil, c.fail(wsStatusProtocolError, "fragmented or oversized control frame")
			}
			var buf [125]byte
			p := buf[:n]
			if _, err := io.ReadFull(c.br, p); err != nil {
				return false, nil, err
			}
			maskBytes(mask, 0, p)
			switch op {
			case wsOpPing:
				if err := c.writeFrame(wsOpPong, p, time.Second); err != nil {
					return false, nil, err
				}
			case wsOpPong:
			case wsOpClose:
				return false, nil, c.peerClosed(p)
			default:
				return false, nil, c.fail(wsStatusProtocolError, fmt.Sprintf("unknown opcode %#x", op))
			}
			continue
		}
		switch op {
		case wsOpText, wsOpBinary:
			if inMsg {
				return false, nil, c.fail(wsStatusProtocolError, "new message before the last one ended")
			}
			inMsg, msgOp = true, op
			data = nil
		case wsOpContinuation:
			if !inMsg {
				return false, nil, c.fail(wsStatusProtocolError, "continuation frame without a message")
			}
		default:
			return false, nil, c.fail(wsStatusProtocolError, fmt.Sprintf("unknown opcode %#x", op))
		}
		if int64(len(data))+n > int64(c.limit) {
			return false, nil, c.fail(wsStatusTooBig, fmt.Sprintf("message over %d bytes", c.limit))
		}
		start := len(data)
		if data == nil && fin {
			data = make([]byte, n)
		} else {
			data = append(data, make([]byte, n)...)
		}
		if _, err := io.ReadFull(c.br, data[start:]); err != nil {
			return false, nil, err
		}
		maskBytes(mask, 0, data[start:])
		if fin {
			return msgOp == wsOpBinary, data, nil
		}
	}
}

// peekFull fills p (a frame header's few bytes) from br. Unlike
// io.ReadFull it does not pass p through an interface, so that p stays on
// the caller's stack: one allocation less per message.
func peekFull(br *bufio.Reader, p []byte) error {
	b, err := br.Peek(len(p))
	if err != nil {
		if err == io.EOF && len(b) > 0 {
			err = io.ErrUnexpectedEOF
		}
		return err
	}
	copy(p, b)
	_, err = br.Discard(len(p))
	return err
}

// maskBytes XORs p with the mask key, starting at key offset pos.
func maskBytes(key [4]byte, pos int, p []byte) {
	k := uint64(binary.LittleEndian.Uint32(key[:]))
	k |= k << 32
	if s := pos & 3; s != 0 {
		k = k>>(8*s) | k<<(64-8*s)
	}
	for len(p) >= 8 {
		binary.LittleEndian.PutUint64(p, binary.LittleEndian.Uint64(p)^k)
		p = p[8:]
	}
	for i := range p {
		p[i] ^= byte(k >> (8 * (i & 7)))
	}
}

// peerClosed answers the peer's close frame (unless ours went first, in
// which case the handshake is complete) and ends the connection.
func (c *wsConn) peerClosed(p []byte) error {
	e := &wsCloseError{Code: wsStatusNoStatus}
	if len(p) >= 2 {
		e.Code = int(binary.BigEndian.Uint16(p))
		e.Reason = string(p[2:])
	}
	c.wmu.Lock()
	sent := c.closeSent
	c.wmu.Unlock()
	if !sent {
		code := e.Code
		if code == wsStatusNoStatus {
			code = wsStatusNormal
		}
		c.writeClose(code, "", time.Second)
	}
	c.closeNow()
	return e
}

// fail closes the connection with code after a protocol violation (a
// message over the limit among them). It runs on the connection's reader,
// so it may drain: see closeAndDrain.
func (c *wsConn) fail(code int, reason string) error {
	c.closeAndDrain(code, reason)
	return &wsProtocolError{Code: code, Reason: reason}
}

// appendFrameHeader appends the header of an unmasked server frame.
func appendFrameHeader(b []byte, op byte, n int) []byte {
	b = append(b, 0x80|op)
	switch {
	case n < 126:
		return append(b, byte(n))
	case n <= 0xffff:
		return append(b, 126, byte(n>>8), byte(n))
	}
	b = append(b, 127)
	return binary.BigEndian.AppendUint64(b, uint64(n))
}

// wsBatchFlush is the batch size past which writeMessages writes before
// encoding more.
const wsBatchFlush = 64 << 10

var wsBatchPool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// writeMessages writes q as one batch of frames: one write system call for
// what fits in wsBatchFlush.
func (c *wsConn) writeMessages(q []*Message, timeout time.Duration) error {
	bp := wsBatchPool.Get().(*[]byte)
	b := (*bp)[:0]
	c.wmu.Lock()
	defer func() {
		c.wmu.Unlock()
		if cap(b) <= 1<<20 {
			*bp = b[:0]
			wsBatchPool.Put(bp)
		}
	}()
	if c.closeSent {
		return net.ErrClosed
	}
	c.setWriteDeadlineLocked(timeout)
	if c.pending != nil {
		b = append(b, *c.pending...)
		c.pending = nil
	}
	for _, m := range q {
		op := byte(wsOpText)
		if m.binary {
			op = wsOpBinary
		}
		b = appendFrameHeader(b, op, len(m.frame))
		b = append(b, m.frame...)
		if len(b) >= wsBatchFlush {
			if _, err := c.nc.Write(b); err != nil {
				return err
			}
			b = b[:0]
		}
	}
	if len(b) > 0 {
		if _, err := c.nc.Write(b); err != nil {
			return err
		}
	}
	return nil
}

// tryWrite writes m with one non-blocking write. done is false when the
// socket took nothing (its buffer is full), and m must go through
// writeMessages; a partial write keeps the rest in c.pending, which the
// next writeMessages sends first.
func (c *wsConn) tryWrite(m *Message) (done bool, err error) {
	op := byte(wsOpText)
	if m.binary {
		op = wsOpBinary
	}
	return c.tryWriteFrame(op, false, m.frame)
}

// tryWriteFrame is tryWrite for a frame of opcode op whose payload is p,
// preceded by the message packet type '4' when message is set.
func (c *wsConn) tryWriteFrame(op byte, message bool, p []byte) (done bool, err error) {
	if c.rc == nil {
		return false, nil
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.closeSent {
		return false, net.ErrClosed
	}
	if c.pending != nil {
		return false, nil
	}
	if c.deadline {
		// The deadline of the last blocking write still stands on the
		// socket, and the runtime refuses a raw write once it has passed
		// even though this one never blocks: an ack sent 20 s after the
		// last ping (or 1 s after a pong) failed with "i/o timeout" and
		// dropped the session.
		c.nc.SetWriteDeadline(time.Time{})
		c.deadline = false
	}
	size := len(p)
	if message {
		size++
	}
	bp := wsBatchPool.Get().(*[]byte)
	b := appendFrameHeader((*bp)[:0], op, size)
	if message {
		b = append(b, byte('0'+MessagePacket))
	}
	b = append(b, p...)
	defer func() {
		*bp = b[:0]
		wsBatchPool.Put(bp)
	}()
	n, err := writeOnce(c.rc, b)
	switch {
	case err != nil:
		return false, err
	case n == 0:
		return false, nil
	case n < len(b):
		// Partial: the frame is begun; its rest goes first next time.
		c.setPendingLocked(b[n:])
	}
	return true, nil
}

// tryWriteBatch is tryWrite for several messages, in one write.
func (c *wsConn) tryWriteBatch(q []*Message) (done bool, err error) {
	if c.rc == nil {
		return false, nil
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.closeSent {
		return false, net.ErrClosed
	}
	if c.pending != nil {
		return false, nil
	}
	if c.deadline {
		c.nc.SetWriteDeadline(time.Time{}) // see tryWriteFrame
		c.deadline = false
	}
	bp := wsBatchPool.Get().(*[]byte)
	b := (*bp)[:0]
	for _, m := range q {
		op := byte(wsOpText)
		if m.binary {
			op = wsOpBinary
		}
		b = appendFrameHeader(b, op, len(m.frame))
		b = append(b, m.frame...)
	}
	defer func() {
		if cap(b) <= 1<<20 {
			*bp = b[:0]
			wsBatchPool.Put(bp)
		}
	}()
	n, err := writeOnce(c.rc, b)
	switch {
	case err != nil:
		return false, err
	case n == 0:
		return false, nil
	case n < len(b):
		c.setPendingLocked(b[n:])
	}
	return true, nil
}

// setPendingLocked keeps a copy of rest, the part of a frame the socket
// did not take, for the next writeMessages; c.wmu is held.
func (c *wsConn) setPendingLocked(rest []byte) {
	p := append([]byte(nil), rest...)
	c.pending = &p
}

// hasPending reports whether a partial tryWrite left bytes to write.
func (c *wsConn) hasPending() bool {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.pending != nil
}

// writeFrame writes one frame.
func (c *wsConn) writeFrame(op byte, p []byte, timeout time.Duration) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.closeSent {
		return net.ErrClosed
	}
	return c.writeFrameLocked(op, p, timeout)
}

func (c *wsConn) writeFrameLocked(op byte, p []byte, timeout time.Duration) error {
	var small [10 + 125]byte
	b := appendFrameHeader(small[:0], op, len(p))
	b = append(b, p...)
	c.setWriteDeadlineLocked(timeout)
	_, err := c.nc.Write(b)
	return err
}

// setWriteDeadlineLocked bounds the blocking write about to happen. The
// deadline stays on the socket after the write (clearing it would cost a
// timer operation per batch); tryWrite clears it before its raw write.
func (c *wsConn) setWriteDeadlineLocked(timeout time.Duration) {
	c.nc.SetWriteDeadline(time.Now().Add(timeout))
	c.deadline = true
}

// writeClose sends a close frame once; wsStatusNoStatus sends one without
// a body.
func (c *wsConn) writeClose(code int, reason string, timeout time.Duration) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.closeSent {
		return nil
	}
	c.closeSent = true
	var p []byte
	if code != wsStatusNoStatus {
		p = rawws.ClosePayload(code, reason)
	}
	return c.writeFrameLocked(wsOpClose, p, timeout)
}

// close starts the closing handshake: our close frame and the end of our
// stream now, the connection dropped when the peer's close frame arrives
// (the reader sees it) or after wsCloseWait.
//
// The end of stream is not optional: a browser reports its WebSocket
// closed only once the TCP connection is, and after Server.Close no reader
// is left to see its close frame (the poller is stopped), so without it a
// page stayed "connected" for wsCloseWait after the server went away.
func (c *wsConn) close(code int, reason string) {
	if c.closed.Load() {
		return
	}
	if err := c.closeSending(code, reason); err != nil {
		c.closeNow()
		return
	}
	time.AfterFunc(wsCloseWait, c.closeNow)
}

// Draining bounds: how long, and how many bytes, closeAndDrain reads and
// discards after its close frame before it drops the connection anyway.
const (
	wsDrainWait  = 2 * time.Second
	wsDrainBytes = 64 << 20
)

// closeAndDrain sends a close frame with code, shuts down the sending side
// (the peer reads the close frame, then end of stream), reads and discards
// whatever the peer still sends until it closes its side, at most
// wsDrainWait and wsDrainBytes, then closes.
//
// Closing a socket whose receive buffer holds unread bytes makes the
// kernel send a reset instead of an orderly end. Each time a peer is closed
// in the middle of its message (one over MaxPayload, the usual case) there
// are such bytes, and the reset breaks the peer's write of the rest:
// clients (ws, socket.io-client, rtlab's own) then report 1006, the close
// frame unread. Draining keeps the close code.
//
// Only the connection's reader may call it (or a goroutine that owns a
// connection nobody reads): it reads.
func (c *wsConn) closeAndDrain(code int, reason string) {
	if c.closed.Load() {
		return
	}
	if err := c.closeSending(code, reason); err != nil {
		c.closeNow()
		return
	}
	c.nc.SetReadDeadline(time.Now().Add(wsDrainWait))
	var r io.Reader = c.nc
	if c.br != nil {
		r = c.br // bytes net/http read ahead may sit there
	}
	io.CopyN(io.Discard, r, wsDrainBytes)
	c.closeNow()
}

// closeSending sends a close frame with code, then the end of the stream:
// the peer learns at once that nothing follows, without waiting for us to
// read its answer.
func (c *wsConn) closeSending(code int, reason string) error {
	if err := c.writeClose(code, reason, time.Second); err != nil {
		return err
	}
	if cw, ok := c.nc.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	}
	return nil
}

// closeNow drops the connection without a handshake.
func (c *wsConn) closeNow() {
	c.pollMu.Lock()
	if c.closed.Load() {
		c.pollMu.Unlock()
		return
	}
	c.closed.Store(true)
	if c.reg != nil {
		c.reg.remove()
	}
	c.pollMu.Unlock()
	c.nc.Close()
}

// watch registers c with p; false when it cannot be (not a socket, or
// closed), and the caller reads on a goroutine of its own instead.
func (c *wsConn) watch(p *poller, ready func(inline bool)) bool {
	rc := c.rc
	if rc == nil {
		return false
	}
	c.pollMu.Lock()
	defer c.pollMu.Unlock()
	if c.closed.Load() {
		return false
	}
	reg, err := p.add(rc, ready)
	if err != nil {
		return false
	}
	c.reg = reg
	return true
}

// wsReaderPool holds the read buffers of idle polled connections: an idle
// session needs none, and 5000 of them would otherwise keep 5000 buffers.
var wsReaderPool = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, wsBufferSize) }}

// acquireReader gives c a read buffer again (see releaseReader); called by
// the one reader of c. The buffer reads through c (see Read).
func (c *wsConn) acquireReader() {
	if c.br == nil {
		c.br = wsReaderPool.Get().(*bufio.Reader)
		c.br.Reset(c)
		c.ownBuf = true
	}
}

// releaseReader returns an empty read buffer to the pool before the
// connection goes back to the poller. Once empty, the buffer no longer
// holds bytes net/http read ahead (see hijackLean), so the next one reads
// the socket directly.
func (c *wsConn) releaseReader() {
	if c.br == nil || c.br.Buffered() > 0 {
		return
	}
	if c.br.Size() == wsBufferSize {
		c.br.Reset(nil)
		wsReaderPool.Put(c.br)
	}
	c.br = nil
	c.ownBuf = false
}

// Read is what a buffer from acquireReader reads: the socket, through Go's
// poller (waiting for the rest of a frame), or, while oneShot is set, one
// read system call, errWouldBlock when the socket is empty.
func (c *wsConn) Read(p []byte) (int, error) {
	if c.oneShot {
		return readOnce(c.rc, p)
	}
	return c.nc.Read(p)
}

// errWouldBlock is a one-shot read that found the socket empty.
var errWouldBlock = errors.New("engineio: nothing to read")

// fillOnce reads into c's empty buffer with one system call and returns
// how many bytes came: errWouldBlock when none were there. A report of
// the poller from before the read is now stale, so the state goes back
// to readBusy first.
func (c *wsConn) fillOnce() (int, error) {
	if !c.ownBuf {
		// Still net/http's buffer, or one that reads around c.
		c.releaseReader()
		c.acquireReader()
	}
	c.rstate.Store(readBusy)
	c.oneShot = true
	_, err := c.br.Peek(1)
	c.oneShot = false
	return c.br.Buffered(), err
}

// wake is the poller's report that c is readable: true when it must start
// a reader, false when one runs (it is told to read again).
func (c *wsConn) wake() bool {
	for {
		switch c.rstate.Load() {
		case readIdle:
			if c.rstate.CompareAndSwap(readIdle, readBusy) {
				return true
			}
		case readBusy:
			if c.rstate.CompareAndSwap(readBusy, readAgain) {
				return false
			}
		default:
			return false
		}
	}
}

// letGo ends a reader's turn, once its last read emptied the socket and
// its buffer went back to the pool: true when nothing arrived since that
// read (the poller starts the next reader), false when something did and
// the reader must read on.
func (c *wsConn) letGo() bool {
	if c.rstate.CompareAndSwap(readBusy, readIdle) {
		return true
	}
	c.rstate.Store(readBusy)
	return false
}

// closeAndWait closes with the handshake, waiting (on this goroutine, for
// a connection nobody else reads) for the peer's close frame, at most
// wsCloseWait.
func (c *wsConn) closeAndWait(code int, reason string) {
	if err := c.writeClose(code, reason, time.Second); err == nil {
		c.nc.SetReadDeadline(time.Now().Add(wsCloseWait))
		for {
			if _, _, err := c.readMessage(); err != nil {
				break
			}
		}
	}
	c.closeNow()
}
