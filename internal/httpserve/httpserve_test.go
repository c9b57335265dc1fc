package httpserve

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	if os.Getenv(fdChildEnv) != "" {
		os.Exit(fdChild())
	}
	goleak.VerifyTestMain(m)
}

// serve runs New(h, o) on a loopback port until the test ends.
func serve(t *testing.T, h http.Handler, o *Options) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := New(h, o)
	done := make(chan struct{})
	go func() { defer close(done); hs.Serve(ln) }()
	t.Cleanup(func() { hs.Close(); <-done })
	return ln.Addr().String()
}

var hello = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hello") })

// keepAlive sends one GET on a new connection and reads its answer,
// leaving the connection open and idle.
func keepAlive(addr string) (net.Conn, *bufio.Reader, error) {
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, nil, err
	}
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(nc)
	if _, err := io.WriteString(nc, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		nc.Close()
		return nil, nil, err
	}
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		nc.Close()
		return nil, nil, err
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return nc, br, nil
}

// waitClosed reads nc until the server closes it; an error if it is still
// open after d.
func waitClosed(nc net.Conn, br *bufio.Reader, d time.Duration) error {
	nc.SetReadDeadline(time.Now().Add(d))
	_, err := br.ReadByte()
	switch {
	case err == nil:
		return errors.New("the server sent bytes on an idle connection")
	case errors.Is(err, io.EOF):
		return nil
	case errors.Is(err, os.ErrDeadlineExceeded):
		return fmt.Errorf("idle connection still open after %v", d)
	}
	return nil // a reset is a close too
}

func getOK(t *testing.T, url string) {
	t.Helper()
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	res, err := c.Get(url)
	if err != nil {
		t.Fatalf("a good client after the idle connections: %v", err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || string(b) != "hello" {
		t.Fatalf("a good client after the idle connections: %d %q", res.StatusCode, b)
	}
}

// TestIdleKeepAliveClosed opens a few hundred keep-alive connections that
// go idle after one request: the server closes every one of them after
// IdleTimeout, and a good client is served after.
func TestIdleKeepAliveClosed(t *testing.T) {
	const n = 200
	addr := serve(t, hello, &Options{IdleTimeout: 200 * time.Millisecond})
	conns := make([]net.Conn, 0, n)
	readers := make([]*bufio.Reader, 0, n)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range n {
		nc, br, err := keepAlive(addr)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, nc)
		readers = append(readers, br)
	}
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := waitClosed(conns[i], readers[i], 10*time.Second); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err, ok := <-errs; ok {
		t.Fatalf("%v (and %d more)", err, len(errs))
	}
	getOK(t, "http://"+addr+"/")
}

// TestBareConnectionClosed: a connection that never sends a request is
// closed after ReadHeaderTimeout.
func TestBareConnectionClosed(t *testing.T) {
	addr := serve(t, hello, &Options{ReadHeaderTimeout: 200 * time.Millisecond})
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	if err := waitClosed(nc, bufio.NewReader(nc), 10*time.Second); err != nil {
		t.Fatal(err)
	}
	getOK(t, "http://"+addr+"/")
}

// TestPendingRequestIsNotIdle: a request the handler holds for longer
// than the idle timeout (a long-polling GET) is answered.
func TestPendingRequestIsNotIdle(t *testing.T) {
	const idle = 100 * time.Millisecond
	addr := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(5 * idle):
			io.WriteString(w, "hello")
		case <-r.Context().Done():
		}
	}), &Options{IdleTimeout: idle, ReadHeaderTimeout: idle})
	getOK(t, "http://"+addr+"/")
}

// TestHijackedIsNotIdle: a hijacked connection (a WebSocket) left quiet
// for longer than both timeouts stays open.
func TestHijackedIsNotIdle(t *testing.T) {
	const idle = 100 * time.Millisecond
	var wg sync.WaitGroup
	defer wg.Wait()
	addr := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		nc, brw, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: Upgrade\r\n\r\n")
		brw.Flush()
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer nc.Close()
			nc.SetDeadline(time.Now().Add(10 * time.Second))
			io.Copy(nc, brw) // echo until the client closes
		}()
	}), &Options{IdleTimeout: idle, ReadHeaderTimeout: idle})
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(nc, "GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: x\r\n\r\n")
	br := bufio.NewReader(nc)
	res, err := http.ReadResponse(br, nil)
	if err != nil || res.StatusCode != 101 {
		t.Fatalf("upgrade: %v %v", res, err)
	}
	time.Sleep(5 * idle) // the point of the test: quiet for longer than the timeouts
	io.WriteString(nc, "ping")
	got := make([]byte, 4)
	if _, err := io.ReadFull(br, got); err != nil || string(got) != "ping" {
		t.Fatalf("hijacked connection after %v of quiet: %q, %v", 5*idle, got, err)
	}
}
