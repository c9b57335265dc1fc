//go:build unix

package loadtest

import (
	"io"
	"net"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// rawWrite is the write(2) of the echo request; a variable so that a test
// can make it fall short.
var rawWrite = unix.Write

// rawCall is a client's state for sendAndWait, made on its first call and
// reused: the connection's RawConn, the step bound once (a closure per
// call would be an allocation per ack), the request while it is being
// written and an error met inside the step.
type rawCall struct {
	c    *wsClient
	rc   syscall.RawConn
	step func(fd uintptr) bool
	req  []byte // the request frame; nil once written whole (wmu is held while not)
	sent int    // how much of req the step wrote
	err  error
}

// sendAndWait writes the text frame made of parts and waits until the
// read buffer holds a frame, for call to read. It costs one write and, in
// the common case of the ACK arriving alone, one read: net.Conn.Read would
// first try a read that finds the socket still empty (EAGAIN), then wait
// and read again, and system calls are what an ack costs on a VM.
//
// The write and the reads that wait for its answer happen in one
// RawConn.Read: its prepareRead clears the netpoller's readiness mark
// once, before the step first runs, and from then on every arrival is
// reported. So the request is written by the step, which then waits
// without reading: the answer cannot come before the request is sent,
// and its report cannot be lost. Bytes that came between two calls (after
// the previous read, before this prepareRead) may have lost their report,
// but they are read with the answer, which arrives after them.
func (c *wsClient) sendAndWait(parts ...[]byte) error {
	rc := c.raw
	if rc == nil {
		sc, ok := c.nc.(syscall.Conn)
		if !ok {
			return c.writeText(parts...)
		}
		raw, err := sc.SyscallConn()
		if err != nil {
			return c.writeText(parts...)
		}
		rc = &rawCall{c: c, rc: raw}
		rc.step = rc.run
		c.raw = rc
	}
	c.wmu.Lock()
	rc.req, rc.sent, rc.err = c.appendText(parts...), 0, nil
	err := rc.rc.Read(rc.step)
	if rc.req != nil {
		// Not written whole, or not at all: the step returned without
		// waiting (a full send buffer, an error), or Read failed before
		// it ran (deadline, closed). The rest goes through net.Conn,
		// which waits for room and words the error, and the answer is
		// read by call through net.Conn too.
		if err == nil {
			_, err = c.nc.Write(rc.req[rc.sent:])
		}
		rc.req = nil
		c.wmu.Unlock()
		return err
	}
	if err == nil {
		err = rc.err
	}
	rc.err = nil
	return err
}

// run is the step of RawConn.Read: true when done. Its first run writes
// the request; later ones (each after the netpoller reported the socket
// readable) read.
func (rc *rawCall) run(fd uintptr) bool {
	c := rc.c
	if rc.req != nil {
		n, err := rawWrite(int(fd), rc.req)
		if err != nil || n < len(rc.req) {
			rc.sent = max(n, 0)
			return true
		}
		rc.req = nil
		c.wmu.Unlock()
		// A frame left in the buffer by the last read (a PING that came
		// with the previous ACK) is handled now, as next would.
		return frameBuffered(c.rb.buffered())
	}
	for {
		sp := c.rb.space()
		if len(sp) == 0 {
			return true // readFrame takes a frame larger than the buffer
		}
		n, err := unix.Read(int(fd), sp)
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN:
			return false // a report with nothing to read: wait for the next
		case err != nil:
			rc.err = &net.OpError{Op: "read", Net: "tcp", Source: c.nc.LocalAddr(), Addr: c.nc.RemoteAddr(), Err: os.NewSyscallError("read", err)}
			return true
		case n == 0:
			rc.err = io.EOF
			return true
		}
		c.rb.w += n
		if frameBuffered(c.rb.buffered()) {
			return true
		}
		if n < len(sp) {
			// The socket is drained: what comes next will be reported.
			return false
		}
		// A read that filled the buffer leaves it holding a whole frame
		// or the header of one larger than it, so this is not reached
		// today; were it, the socket may hold more: read again.
	}
}
