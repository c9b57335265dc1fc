package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"rtlab/internal/httpserve"
	"rtlab/internal/syncbuf"
)

// TestServeClosesIdleKeepAlive runs rtlab serve and leaves keep-alive
// connections idle after one request each: the server closes them after
// its idle timeout (they would otherwise hold a descriptor each for as
// long as the peer wishes), and a good client is served after.
func TestServeClosesIdleKeepAlive(t *testing.T) {
	if testing.Short() {
		t.Skip("waits out the 5 s idle timeout")
	}
	ctx, cancel := context.WithCancel(context.Background())
	var stderr syncbuf.Buffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, &env{stdout: io.Discard, stderr: &stderr}, []string{"serve", "loadtest", "--addr", "127.0.0.1:0"})
	}()
	defer func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("rtlab serve exited %d: %s", code, stderr.String())
		}
	}()
	addrRE := regexp.MustCompile(`http://(127\.0\.0\.1:\d+)`)
	var addr string
	for deadline := time.Now().Add(10 * time.Second); addr == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := addrRE.FindStringSubmatch(stderr.String()); m != nil {
			addr = m[1]
		}
	}
	if addr == "" {
		t.Fatalf("rtlab serve did not say where it listens: %q", stderr.String())
	}

	const n = 50
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- idleUntilClosed(addr, httpserve.DefaultIdleTimeout+10*time.Second)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	c := &http.Client{Timeout: 5 * time.Second}
	res, err := c.Get("http://" + addr + "/socket.io/?EIO=4&transport=polling")
	if err != nil {
		t.Fatalf("a good client after the idle ones: %v", err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.HasPrefix(string(b), "0{") {
		t.Fatalf("a good client after the idle ones: %d %q", res.StatusCode, b)
	}
}

// idleUntilClosed sends one request on a new connection, reads the answer
// and waits, at most d, for the server to close the connection.
func idleUntilClosed(addr string, d time.Duration) error {
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return err
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(d))
	if _, err := io.WriteString(nc, "GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		return err
	}
	br := bufio.NewReader(nc)
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	start := time.Now()
	_, err = br.ReadByte()
	switch {
	case err == nil:
		return errors.New("the server sent bytes on an idle connection")
	case errors.Is(err, os.ErrDeadlineExceeded):
		return errors.New("an idle keep-alive connection is still open after " + time.Since(start).Round(time.Second).String())
	}
	return nil
}
