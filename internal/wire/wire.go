// Package wire counts the bytes that cross a connection, above TCP and below
// every protocol: what a net.Conn reads and writes. The bench compares these
// counts with its model; the protocol clients expose them as the bytes a
// client really sent and received, headers and framing included.
package wire

import (
	"context"
	"net"
	"sync/atomic"
)

// Counter accumulates byte counts. The zero value is ready; it is safe for
// concurrent use and may be shared by many connections.
type Counter struct {
	read    atomic.Int64
	written atomic.Int64
	conns   atomic.Int64
}

// Read reports the bytes read so far.
func (c *Counter) Read() int64 { return c.read.Load() }

// Written reports the bytes written so far.
func (c *Counter) Written() int64 { return c.written.Load() }

// Conns reports how many connections were counted.
func (c *Counter) Conns() int64 { return c.conns.Load() }

// Reset sets every count to zero, for a measured window after a warm-up.
func (c *Counter) Reset() {
	c.read.Store(0)
	c.written.Store(0)
	c.conns.Store(0)
}

// Conn wraps a net.Conn and adds what crosses it to a Counter.
type Conn struct {
	net.Conn
	c *Counter
}

// NewConn wraps nc; every byte read or written is added to c.
func NewConn(nc net.Conn, c *Counter) *Conn {
	c.conns.Add(1)
	return &Conn{Conn: nc, c: c}
}

func (cc *Conn) Read(p []byte) (int, error) {
	n, err := cc.Conn.Read(p)
	cc.c.read.Add(int64(n))
	return n, err
}

func (cc *Conn) Write(p []byte) (int, error) {
	n, err := cc.Conn.Write(p)
	cc.c.written.Add(int64(n))
	return n, err
}

// Unwrap returns the underlying connection (for TCP_INFO and the like).
func (cc *Conn) Unwrap() net.Conn { return cc.Conn }

// Listener wraps a net.Listener so that every accepted connection is counted.
type Listener struct {
	net.Listener
	c *Counter
}

// NewListener wraps l; accepted connections add to c.
func NewListener(l net.Listener, c *Counter) *Listener { return &Listener{Listener: l, c: c} }

// Accept waits for the next connection and wraps it in a counting Conn.
func (l *Listener) Accept() (net.Conn, error) {
	nc, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return NewConn(nc, l.c), nil
}

// DialFunc is the shape of net.Dialer.DialContext and http.Transport.DialContext.
type DialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// Dialer returns a DialFunc that dials with d (a zero net.Dialer when nil)
// and counts every connection it opens in c.
func Dialer(d DialFunc, c *Counter) DialFunc {
	if d == nil {
		d = (&net.Dialer{}).DialContext
	}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		nc, err := d(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return NewConn(nc, c), nil
	}
}
