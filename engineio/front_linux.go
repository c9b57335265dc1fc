//go:build linux

package engineio

import (
	"bytes"
	"context"
	"errors"
	"log"
	"net"
	"net/http"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// NewFront returns a listener for an http.Server (Serve, not ServeTLS)
// that serves some requests of its connections itself: plain HTTP/1.1
// GETs and POSTs whose path begins with prefix, such as "/socket.io/", go
// to h on the connection's own goroutine, the answer written in one
// system call. A connection whose next request is anything else (another
// path, an upgrade to WebSocket, a chunked body, HEAD, HTTP/1.0…) is
// handed to net/http whole, with the bytes already read, and stays there.
//
// Why: long-polling costs two HTTP requests per message each way, and
// through net/http each costs a context, a header map copied for the
// answer, a goroutine that watches the connection while the handler runs,
// and a read that finds the socket empty before the next request. Here a
// connection waits for its next request on the epoll poller of the
// WebSocket sessions (one read per request, no read that finds nothing),
// and the poller is also what notices a client that goes away while its
// long poll is held.
//
// Handlers see an *http.Request as net/http makes it (its context ends
// when the client leaves or the listener closes), and a ResponseWriter
// without Flush or Hijack: the prefix must name handlers that answer
// whole, as Engine.IO's polling does. Elsewhere than Linux, and where the
// poller cannot start, NewFront returns ln.
func NewFront(ln net.Listener, prefix string, h http.Handler, opts *FrontOptions) net.Listener {
	p, err := newPoller(nil)
	if err != nil {
		return ln
	}
	f := &front{
		ln: ln, prefix: prefix, h: h, opts: opts.withDefaults(), p: p,
		handoff: make(chan net.Conn), done: make(chan struct{}),
		conns: make(map[*frontConn]struct{}),
	}
	f.wg.Add(1)
	go f.accept()
	return f
}

type front struct {
	ln      net.Listener
	prefix  string
	h       http.Handler
	opts    FrontOptions
	p       *poller
	handoff chan net.Conn
	done    chan struct{} // closed when the accept loop ends
	err     error         // why it ended

	mu        sync.Mutex
	conns     map[*frontConn]struct{}
	closed    bool
	wg        sync.WaitGroup // the accept loop and every connection's goroutine
	closeOnce sync.Once
}

func (f *front) Addr() net.Addr { return f.ln.Addr() }

// Accept returns the next connection handed to net/http.
func (f *front) Accept() (net.Conn, error) {
	select {
	case c := <-f.handoff:
		return c, nil
	case <-f.done:
		return nil, f.err
	}
}

// Close closes the listener and every connection the front still serves
// (their requests' contexts end), and waits for their goroutines.
func (f *front) Close() error {
	var err error
	f.closeOnce.Do(func() {
		err = f.ln.Close()
		f.mu.Lock()
		f.closed = true
		for c := range f.conns {
			c.cancel()
			c.nc.Close()
		}
		f.mu.Unlock()
		f.wg.Wait()
		f.p.stop()
	})
	return err
}

// accept takes the listener's connections, backing off from temporary
// errors (out of descriptors) as net/http does.
func (f *front) accept() {
	defer f.wg.Done()
	var delay time.Duration
	for {
		nc, err := f.ln.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) {
				delay = min(max(2*delay, 5*time.Millisecond), time.Second)
				time.Sleep(delay)
				continue
			}
			f.err = err
			close(f.done)
			return
		}
		delay = 0
		f.start(nc)
	}
}

func (f *front) start(nc net.Conn) {
	sc, ok := nc.(syscall.Conn)
	var rc syscall.RawConn
	if ok {
		rc, _ = sc.SyscallConn()
	}
	if rc == nil {
		f.handOff(nc, nil)
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &frontConn{f: f, nc: nc, rc: rc, ctx: ctx, cancel: cancel, wake: make(chan struct{}, 1)}
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		cancel()
		nc.Close()
		return
	}
	f.conns[c] = struct{}{}
	f.wg.Add(1)
	f.mu.Unlock()
	f.connState(nc, http.StateNew)
	reg, err := f.p.add(rc, c.ready)
	if err != nil {
		f.forget(c)
		f.wg.Done()
		f.connState(nc, http.StateHijacked)
		f.handOff(nc, nil)
		return
	}
	c.reg = reg
	go c.serve()
}

func (f *front) connState(nc net.Conn, s http.ConnState) {
	if f.opts.ConnState != nil {
		f.opts.ConnState(nc, s)
	}
}

func (f *front) forget(c *frontConn) {
	f.mu.Lock()
	delete(f.conns, c)
	f.mu.Unlock()
	c.cancel()
}

// handOff gives nc to net/http, with read, the bytes already taken from it.
func (f *front) handOff(nc net.Conn, read []byte) {
	var c net.Conn = nc
	if len(read) > 0 {
		c = &prefixConn{Conn: nc, prefix: append([]byte(nil), read...)}
	}
	select {
	case f.handoff <- c:
	case <-f.done:
		nc.Close()
	}
}

// frontConn is one connection the front serves.
type frontConn struct {
	f      *front
	nc     net.Conn
	rc     syscall.RawConn
	reg    *pollReg
	ctx    context.Context
	cancel context.CancelFunc
	wake   chan struct{} // cap 1: bytes arrived (or the peer hung up)
	busy   atomic.Bool   // a handler runs: an arrival may be the client leaving
	// consumed: bytes have been taken from the connection (until then
	// the front only peeks).
	consumed bool
	timer    *time.Timer
	buf      []byte // read and not yet served
	out      []byte // the answer being written
	w        frontWriter
	body     bodyReader
}

// ready is the poller's report that bytes arrived or the peer hung up.
func (c *frontConn) ready(bool) {
	select {
	case c.wake <- struct{}{}:
	default:
	}
	if c.busy.Load() {
		c.checkGone()
	}
}

// checkGone ends the connection's context when the client has closed or
// reset it: what net/http's background read notices during a long poll.
func (c *frontConn) checkGone() {
	var b [1]byte
	gone := false
	c.rc.Control(func(fd uintptr) {
		for {
			n, _, err := unix.Recvfrom(int(fd), b[:], unix.MSG_PEEK|unix.MSG_DONTWAIT)
			if err == unix.EINTR {
				continue
			}
			gone = (n == 0 && err == nil) || (err != nil && err != unix.EAGAIN)
			return
		}
	})
	if gone {
		c.cancel()
	}
}

func (c *frontConn) serve() {
	f := c.f
	defer f.wg.Done()
	handedOff := false
	defer func() {
		if p := recover(); p != nil {
			// As net/http: a handler's panic ends its connection, not the
			// process.
			log.Printf("engineio: front: panic serving %v: %v\n%s", c.nc.RemoteAddr(), p, debug.Stack())
			handedOff = false
		}
		if c.reg != nil {
			c.reg.remove()
		}
		f.forget(c)
		if c.timer != nil {
			c.timer.Stop()
		}
		if !handedOff {
			c.nc.Close()
			f.connState(c.nc, http.StateClosed)
		}
	}()
	bp := frontBuffers.Get().(*[]byte)
	c.buf = (*bp)[:0]
	defer func() {
		if cap(c.buf) == frontBuffer {
			*bp = c.buf[:0]
			frontBuffers.Put(bp)
		}
	}()
	c.w.h = make(http.Header, 4)
	remote := c.nc.RemoteAddr().String()
	for {
		fr, err := c.readRequest()
		if errors.Is(err, errNotOurs) {
			c.reg.remove()
			c.reg = nil
			handedOff = true
			f.connState(c.nc, http.StateHijacked)
			if c.consumed {
				f.handOff(c.nc, c.buf)
			} else {
				f.handOff(c.nc, nil)
			}
			return
		}
		if err != nil {
			return
		}
		clear(c.w.h)
		c.w.status, c.w.body = 0, c.w.body[:0]
		c.body.b = c.buf[fr.headLen : fr.headLen+fr.length]
		r := newFrontRequest(c.ctx, fr, &c.body, remote)
		c.busy.Store(true)
		if len(c.wake) > 0 {
			c.checkGone() // an arrival while busy was false
		}
		f.h.ServeHTTP(&c.w, r)
		c.busy.Store(false)
		closeConn := fr.closeConn || headerHasToken(c.w.h, "Connection", "close")
		c.out = c.w.appendResponse(c.out[:0], closeConn)
		if cap(c.w.body) > frontBuffer {
			c.w.body = nil
		}
		if len(c.out) > 64<<10 {
			c.nc.SetWriteDeadline(time.Now().Add(f.opts.RequestTimeout))
		}
		_, err = c.nc.Write(c.out)
		if len(c.out) > 64<<10 {
			c.nc.SetWriteDeadline(time.Time{})
		}
		if cap(c.out) > frontBuffer {
			c.out = nil
		}
		if err != nil || closeConn || c.ctx.Err() != nil {
			return
		}
		n := copy(c.buf, c.buf[fr.headLen+fr.length:])
		c.buf = c.buf[:n]
		if cap(c.buf) > frontMaxHead+frontBuffer && n <= frontBuffer {
			c.buf = append(make([]byte, 0, frontBuffer), c.buf...)
		}
	}
}

// readRequest reads until c.buf holds a whole request and returns its
// head; errNotOurs for one to hand to net/http.
func (c *frontConn) readRequest() (*frontRequest, error) {
	var fr *frontRequest
	for {
		if fr == nil && len(c.buf) > 0 && !maybeOurs(c.buf) {
			return nil, errNotOurs // not even the start of a GET or POST: no need to wait for the rest
		}
		if fr == nil && len(c.buf) > 0 {
			var err error
			fr, err = parseFrontHead(c.buf, c.f.prefix)
			if err != nil && (bytes.Contains(c.buf, []byte("\r\n\r\n")) || len(c.buf) > frontMaxHead) {
				return nil, errNotOurs
			}
		}
		if fr != nil && len(c.buf) >= fr.headLen+fr.length {
			return fr, nil
		}
		if fr != nil && cap(c.buf) < fr.headLen+fr.length {
			c.buf = append(make([]byte, 0, fr.headLen+fr.length), c.buf...)
		}
		if len(c.buf) == cap(c.buf) {
			c.buf = append(c.buf, 0)[:len(c.buf)] // grow
		}
		if !c.consumed {
			// Nothing taken from the connection yet: look without taking,
			// so that a connection handed over (a WebSocket's, most
			// often) goes to net/http as it came, with no wrapper.
			before := len(c.buf)
			n, err := peekOnce(c.rc, c.buf[:cap(c.buf)])
			if n > before {
				c.buf = c.buf[:n]
				fr = nil
				if pfr, perr := parseFrontHead(c.buf, c.f.prefix); perr == nil {
					// Ours: take what was looked at, and go on reading.
					if m, err := readOnce(c.rc, c.buf); err != nil || m != len(c.buf) {
						return nil, errors.Join(err, errors.New("engineio: front: the bytes looked at are gone"))
					}
					c.consumed = true
					fr = pfr
				}
				continue
			}
			if err != nil && !errors.Is(err, errWouldBlock) {
				return nil, err
			}
			// Nothing new (a report of bytes already looked at): wait.
		} else {
			n, err := readOnce(c.rc, c.buf[len(c.buf):cap(c.buf)])
			if n > 0 {
				c.buf = c.buf[:len(c.buf)+n]
				continue
			}
			if !errors.Is(err, errWouldBlock) {
				return nil, err
			}
		}
		timeout := c.f.opts.IdleTimeout
		if len(c.buf) > 0 {
			timeout = c.f.opts.RequestTimeout
		}
		if err := c.wait(timeout); err != nil {
			return nil, err
		}
	}
}

var errFrontTimeout = errors.New("engineio: front: the client sent no request in time")

// wait waits for the poller to report an arrival.
func (c *frontConn) wait(d time.Duration) error {
	select {
	case <-c.wake:
		return nil
	default:
	}
	if c.timer == nil {
		c.timer = time.NewTimer(d)
	} else {
		c.timer.Reset(d)
	}
	select {
	case <-c.wake:
		c.timer.Stop()
		return nil
	case <-c.timer.C:
		return errFrontTimeout
	case <-c.ctx.Done():
		c.timer.Stop()
		return c.ctx.Err()
	}
}

// maybeOurs reports whether b can begin a GET or POST request.
func maybeOurs(b []byte) bool {
	for _, m := range []string{"GET ", "POST "} {
		n := min(len(b), len(m))
		if string(b[:n]) == m[:n] {
			return true
		}
	}
	return false
}

// frontBuffers holds the read buffers of connections the front has let
// go: most connections are WebSockets' that it hands over after one look
// at their first request.
var frontBuffers = sync.Pool{New: func() any {
	b := make([]byte, 0, frontBuffer)
	return &b
}}

// peekOnce looks at what the socket of rc holds, without taking it: the
// bytes from the start of the stream not yet read, up to len(p).
func peekOnce(rc syscall.RawConn, p []byte) (int, error) {
	var n int
	var rerr error
	err := rc.Read(func(fd uintptr) bool {
		for {
			n, _, rerr = unix.Recvfrom(int(fd), p, unix.MSG_PEEK|unix.MSG_DONTWAIT)
			if rerr != unix.EINTR {
				return true
			}
		}
	})
	return readResult("recvfrom", n, len(p), err, rerr)
}
