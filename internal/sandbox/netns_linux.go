package sandbox

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"runtime"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// dialIn connects to addr inside the network namespace ns. The socket is
// made on an OS thread moved into ns (setns) and locked to this goroutine;
// the thread is never unlocked, so the runtime ends it with the goroutine
// instead of handing it, still in the box's namespace, to other code.
func dialIn(ctx context.Context, ns *os.File, addr string) (net.Conn, error) {
	type result struct {
		c   net.Conn
		err error
	}
	ch := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		if err := unix.Setns(int(ns.Fd()), unix.CLONE_NEWNET); err != nil {
			ch <- result{nil, &os.SyscallError{Syscall: "setns", Err: err}}
			return
		}
		c, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
		ch <- result{c, err}
	}()
	r := <-ch
	return r.c, r.err
}

// bridge is the grader's side of a server in a box: a loopback listener in
// the grader's namespace whose every connection is dialled again inside
// the box and copied both ways, half-closes included, so that a client
// that closes abruptly is seen to do so by the server.
type bridge struct {
	ln     net.Listener
	ns     *os.File
	target string
	wg     sync.WaitGroup
	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
}

func (b *bridge) serve() {
	defer b.wg.Done()
	for {
		c, err := b.ln.Accept()
		if err != nil {
			return
		}
		b.wg.Add(1)
		go b.pipe(c)
	}
}

func (b *bridge) track(c net.Conn) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return false
	}
	b.conns[c] = struct{}{}
	return true
}

func (b *bridge) untrack(c net.Conn) {
	b.mu.Lock()
	delete(b.conns, c)
	b.mu.Unlock()
}

func (b *bridge) pipe(client net.Conn) {
	defer b.wg.Done()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	server, err := dialIn(ctx, b.ns, b.target)
	cancel()
	if err != nil {
		// Refused inside: refuse outside too (a reset, not a clean close).
		if tc, ok := client.(*net.TCPConn); ok {
			tc.SetLinger(0)
		}
		client.Close()
		return
	}
	if !b.track(client) || !b.track(server) {
		client.Close()
		server.Close()
		return
	}
	defer b.untrack(client)
	defer b.untrack(server)
	done := make(chan struct{}, 2)
	copyHalf := func(dst, src net.Conn) {
		_, err := io.Copy(dst, src)
		if err != nil && !errors.Is(err, net.ErrClosed) {
			// A reset on one side: reset the other too.
			if tc, ok := dst.(*net.TCPConn); ok {
				tc.SetLinger(0)
			}
			dst.Close()
			src.Close()
		} else if tc, ok := dst.(*net.TCPConn); ok {
			tc.CloseWrite()
		}
		done <- struct{}{}
	}
	go copyHalf(server, client)
	go copyHalf(client, server)
	<-done
	<-done
	client.Close()
	server.Close()
}

// close stops accepting, ends every open connection and waits for the
// copying goroutines.
func (b *bridge) close() {
	b.ln.Close()
	b.mu.Lock()
	b.closed = true
	for c := range b.conns {
		c.Close()
	}
	b.mu.Unlock()
	b.wg.Wait()
}
