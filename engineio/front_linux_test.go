//go:build linux

package engineio

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// viaHandler answers every request with who served it (the front or
// net/http), its method, path, query and body; /socket.io/hold waits
// until the request's context ends and reports that on held.
type viaHandler struct{ held chan string }

func (h viaHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	via := "net/http"
	if _, ok := w.(*frontWriter); ok {
		via = "front"
	}
	if r.URL.Path == "/socket.io/hold" {
		h.held <- "holding"
		select {
		case <-r.Context().Done():
			h.held <- "ended"
		case <-time.After(10 * time.Second):
			h.held <- "still held after 10s"
		}
		return
	}
	if r.URL.Path == "/conn-type" {
		// What a WebSocket upgrade would take over.
		nc, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		defer nc.Close()
		typ := fmt.Sprintf("%T", nc)
		fmt.Fprintf(brw, "HTTP/1.1 200 OK\r\nX-Via: %s\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", via, len(typ), typ)
		brw.Flush()
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w.Header().Set("X-Via", via)
	fmt.Fprintf(w, "%s %s %s %d", r.Method, r.URL.Path, r.URL.RawQuery, len(body))
}

func startFront(t *testing.T, opts *FrontOptions) (addr string, held chan string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	held = make(chan string, 4)
	h := viaHandler{held: held}
	fl := NewFront(ln, "/socket.io/", h, opts)
	if _, ok := fl.(*front); !ok {
		t.Skip("no front on this machine (the poller did not start)")
	}
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan struct{})
	go func() { defer close(served); hs.Serve(fl) }()
	t.Cleanup(func() {
		hs.Close()
		<-served
	})
	return ln.Addr().String(), held
}

func dialFront(t *testing.T, addr string) (net.Conn, *bufio.Reader) {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	return nc, bufio.NewReader(nc)
}

// roundTrip writes raw and reads one response: "<X-Via> <status> <body>".
func roundTrip(t *testing.T, nc net.Conn, br *bufio.Reader, raw, method string) string {
	t.Helper()
	if _, err := io.WriteString(nc, raw); err != nil {
		t.Fatal(err)
	}
	return readAnswer(t, br, method)
}

func readAnswer(t *testing.T, br *bufio.Reader, method string) string {
	t.Helper()
	res, err := http.ReadResponse(br, &http.Request{Method: method})
	for err == nil && res.StatusCode == http.StatusContinue {
		res, err = http.ReadResponse(br, &http.Request{Method: method})
	}
	if err != nil {
		t.Fatalf("no answer: %v", err)
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		t.Fatalf("answer's body: %v", err)
	}
	if method != "HEAD" && res.ContentLength >= 0 && int(res.ContentLength) != len(body) {
		t.Fatalf("Content-Length %d, body of %d bytes", res.ContentLength, len(body))
	}
	return fmt.Sprintf("%s %d %s", res.Header.Get("X-Via"), res.StatusCode, body)
}

func TestFrontServesItsPrefixAndHandsTheRestOver(t *testing.T) {
	addr, _ := startFront(t, nil)
	nc, br := dialFront(t, addr)
	get := func(target string) string {
		return "GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n"
	}
	if got, want := roundTrip(t, nc, br, get("/socket.io/?EIO=4&transport=polling"), "GET"), "front 200 GET /socket.io/ EIO=4&transport=polling 0"; got != want {
		t.Fatalf("a poll: %q, want %q", got, want)
	}
	post := "POST /socket.io/?sid=a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
	if got, want := roundTrip(t, nc, br, post, "POST"), "front 200 POST /socket.io/ sid=a 5"; got != want {
		t.Fatalf("a POST: %q, want %q", got, want)
	}
	// Two requests in one write: both answered, in order.
	if _, err := io.WriteString(nc, get("/socket.io/?n=1")+get("/socket.io/?n=2")); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"front 200 GET /socket.io/ n=1 0", "front 200 GET /socket.io/ n=2 0"} {
		if got := readAnswer(t, br, "GET"); got != want {
			t.Fatalf("pipelined: %q, want %q", got, want)
		}
	}
	// Another path: the connection goes to net/http, and stays there.
	if got, want := roundTrip(t, nc, br, get("/index.html"), "GET"), "net/http 200 GET /index.html  0"; got != want {
		t.Fatalf("another path: %q, want %q", got, want)
	}
	if got, want := roundTrip(t, nc, br, get("/socket.io/?n=3"), "GET"), "net/http 200 GET /socket.io/ n=3 0"; got != want {
		t.Fatalf("after the hand-over: %q, want %q", got, want)
	}
}

func TestFrontLeavesUnusualRequestsToNetHTTP(t *testing.T) {
	addr, _ := startFront(t, nil)
	for _, tc := range []struct{ name, raw, method, want string }{
		{"HEAD", "HEAD /socket.io/ HTTP/1.1\r\nHost: x\r\n\r\n", "HEAD", "net/http 200 "},
		{"HTTP/1.0", "GET /socket.io/ HTTP/1.0\r\nHost: x\r\n\r\n", "GET", "net/http 200 GET /socket.io/  0"},
		{"chunked body", "POST /socket.io/ HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", "POST", "net/http 200 POST /socket.io/  3"},
		{"Expect", "POST /socket.io/ HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nab", "POST", "net/http 200 POST /socket.io/  2"},
		{"escaped path", "GET /socket.io/%61 HTTP/1.1\r\nHost: x\r\n\r\n", "GET", "net/http 200 GET /socket.io/a  0"},
		{"no Host", "GET /socket.io/ HTTP/1.1\r\n\r\n", "GET", " 400 "},
		{"not HTTP", "SSH-2.0-OpenSSH_9.2\r\n", "GET", " 400 "}, // net/http answers at once; the front must not wait for a head
		{"folded header", "GET /socket.io/ HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n 2\r\n\r\n", "GET", "net/http 200 GET /socket.io/  0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			nc, br := dialFront(t, addr)
			got := roundTrip(t, nc, br, tc.raw, tc.method)
			if !strings.HasPrefix(got, tc.want) {
				t.Fatalf("%q, want it to begin with %q", got, tc.want)
			}
		})
	}
}

func TestFrontEndsAHeldRequestWhenTheClientLeaves(t *testing.T) {
	addr, held := startFront(t, nil)
	nc, _ := dialFront(t, addr)
	if _, err := io.WriteString(nc, "GET /socket.io/hold HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	if got := <-held; got != "holding" {
		t.Fatal(got)
	}
	nc.Close()
	select {
	case got := <-held:
		if got != "ended" {
			t.Fatalf("the held request: %s after its client left", got)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the held request never returned")
	}
}

func TestFrontClosesIdleConnections(t *testing.T) {
	addr, _ := startFront(t, &FrontOptions{IdleTimeout: 100 * time.Millisecond})
	nc, br := dialFront(t, addr)
	if got := roundTrip(t, nc, br, "GET /socket.io/ HTTP/1.1\r\nHost: x\r\n\r\n", "GET"); !strings.HasPrefix(got, "front 200") {
		t.Fatalf("%q", got)
	}
	start := time.Now()
	if _, err := br.ReadByte(); !errors.Is(err, io.EOF) {
		t.Fatalf("an idle connection: %v, want EOF", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("closed after %v", d)
	}
}

func TestFrontCloseEndsEverything(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	held := make(chan string, 2)
	fl := NewFront(ln, "/socket.io/", viaHandler{held: held}, nil)
	hs := &http.Server{Handler: viaHandler{held: held}}
	served := make(chan struct{})
	go func() { defer close(served); hs.Serve(fl) }()
	idle, ibr := dialFront(t, ln.Addr().String())
	roundTrip(t, idle, ibr, "GET /socket.io/ HTTP/1.1\r\nHost: x\r\n\r\n", "GET")
	busy, _ := dialFront(t, ln.Addr().String())
	io.WriteString(busy, "GET /socket.io/hold HTTP/1.1\r\nHost: x\r\n\r\n")
	if got := <-held; got != "holding" {
		t.Fatal(got)
	}
	hs.Close()
	<-served
	select {
	case got := <-held:
		if got != "ended" {
			t.Fatal(got)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close left a held request running")
	}
}

// A connection whose first request goes to net/http (a WebSocket's
// upgrade, most often) is handed over as it came: the front only looked
// at the request, and a handler that hijacks it gets the TCP connection
// itself, not a wrapper holding bytes read ahead.
func TestFrontHandsOverFreshConnectionsUnwrapped(t *testing.T) {
	addr, _ := startFront(t, nil)
	nc, br := dialFront(t, addr)
	if got, want := roundTrip(t, nc, br, "GET /conn-type HTTP/1.1\r\nHost: x\r\n\r\n", "GET"), "net/http 200 *net.TCPConn"; got != want {
		t.Fatalf("%q, want %q", got, want)
	}
	// After a request the front served, a hand-over carries what it read.
	nc, br = dialFront(t, addr)
	roundTrip(t, nc, br, "GET /socket.io/ HTTP/1.1\r\nHost: x\r\n\r\n", "GET")
	if got, want := roundTrip(t, nc, br, "GET /conn-type HTTP/1.1\r\nHost: x\r\n\r\n", "GET"), "net/http 200 *engineio.prefixConn"; got != want {
		t.Fatalf("%q, want %q", got, want)
	}
}

// A client that starts a request and never finishes it is let go after
// RequestTimeout, and never reaches the handler.
func TestFrontDropsATrickledRequest(t *testing.T) {
	addr, _ := startFront(t, &FrontOptions{RequestTimeout: 100 * time.Millisecond})
	for _, part := range []string{
		"GET /socket.io/?EIO=4 HTTP/1.1\r\nHost: x\r\n",                         // a head without its end
		"POST /socket.io/ HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc", // a body cut short
	} {
		nc, br := dialFront(t, addr)
		if _, err := io.WriteString(nc, part); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		// Closed with the request unread: an EOF or a reset.
		var ne net.Error
		if b, err := br.ReadByte(); err == nil || errors.As(err, &ne) && ne.Timeout() {
			t.Fatalf("%q: read %q, %v; want the connection closed", part, b, err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("%q: closed after %v", part, d)
		}
	}
}

// ConnState hears of the front's connections as net/http's own hook
// would: new, then closed, or hijacked when handed to net/http.
func TestFrontConnState(t *testing.T) {
	var mu sync.Mutex
	var heard []string
	states := make(chan struct{}, 16)
	hook := func(_ net.Conn, s http.ConnState) {
		mu.Lock()
		heard = append(heard, s.String())
		mu.Unlock()
		states <- struct{}{}
	}
	// One front keeps connections (its idle timeout is the default 5 s),
	// one lets them go at once.
	addr, _ := startFront(t, &FrontOptions{ConnState: hook})
	quick, _ := startFront(t, &FrontOptions{ConnState: hook, IdleTimeout: 100 * time.Millisecond})
	nc, br := dialFront(t, addr)
	roundTrip(t, nc, br, "GET /socket.io/ HTTP/1.1\r\nHost: x\r\n\r\n", "GET")
	roundTrip(t, nc, br, "GET /elsewhere HTTP/1.1\r\nHost: x\r\n\r\n", "GET")
	nc2, br2 := dialFront(t, quick)
	roundTrip(t, nc2, br2, "GET /socket.io/ HTTP/1.1\r\nHost: x\r\n\r\n", "GET") // then left idle: closed
	for range 4 {
		select {
		case <-states:
		case <-time.After(10 * time.Second):
			t.Fatalf("heard only %q", heard)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	got := strings.Join(heard, " ")
	// The two connections' events interleave; each one's order is fixed.
	if strings.Count(got, "new") != 2 || strings.Count(got, "hijacked") != 1 || strings.Count(got, "closed") != 1 {
		t.Fatalf("heard %q, want two new, one hijacked (handed over), one closed (idle)", got)
	}
}
