package socketio

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"

	"rtlab/engineio"
	"rtlab/internal/rawws"
)

// What an idle WebSocket session costs this server, measured without the
// clients' memory: they run in a child process (this test binary again,
// see idleClientsMain), so the server's heap, stacks and goroutines are
// all that changes in this one.
//
//	go test -run '^$' -bench IdleSessions -benchtime 1x ./socketio/ -args -idle.n 5000
//	go test -run '^$' -bench IdleSessions -benchtime 1x ./socketio/ -args -idle.profile /tmp/idle.pprof
//	go tool pprof -sample_index inuse_space -top /tmp/idle.pprof
//
// With -idle.ping D the server pings every D and the clients answer; the
// sessions are measured once each has had a ping and answered it, as in
// rtlab load's 30 s hold against the default 25 s interval.
var (
	idleN       = flag.Int("idle.n", 2000, "BenchmarkIdleSessions: idle WebSocket sessions to open")
	idleProfile = flag.String("idle.profile", "", "BenchmarkIdleSessions: write a heap profile (every allocation sampled) of the held sessions to this file")
	idlePing    = flag.Duration("idle.ping", 0, "BenchmarkIdleSessions: the server's ping interval, answered by the clients (0: no ping during the measure)")
)

// idleClientsEnv, when set in the environment of this test binary, makes
// it the client side of BenchmarkIdleSessions: "ADDR N PONG", PONG 1 when
// the clients answer pings.
const idleClientsEnv = "RTLAB_IDLE_CLIENTS"

// BenchmarkIdleSessions opens -idle.n idle WebSocket sessions, each joined
// to "/" with the two handlers of the load-test fixture (rtlab serve
// loadtest), and reports per session: the live heap after a collection
// (heapB/session), the heap spans in use (fragmentation included,
// inuseB/session), goroutine stacks (stackB/session), goroutines, the
// memory the runtime holds from the OS less what it returned
// (sysB/session), the process's RSS growth, and the sizes of the
// per-session structs. The sessions are measured once, whatever b.N: run
// it with -benchtime 1x.
func BenchmarkIdleSessions(b *testing.B) {
	n := *idleN
	if *idleProfile != "" {
		runtime.MemProfileRate = 1
		defer func() { runtime.MemProfileRate = 512 * 1024 }()
	}
	// Without -idle.ping, no heartbeat during the measure: the client
	// process holds the sockets and reads nothing. The timer exists all
	// the same.
	eo := &engineio.ServerOptions{PingInterval: time.Hour, PingTimeout: time.Hour}
	pong := "0"
	if *idlePing > 0 {
		eo.PingInterval, eo.PingTimeout, pong = *idlePing, *idlePing, "1"
	}
	srv := echoServer(&ServerOptions{Engine: eo})
	// The fixture's second handler, so that each socket holds two.
	srv.Of("/").OnConnect(func(s *Socket) {
		s.On("bcast", func(e *Event) { e.Ack("no") })
	})
	hs := httptest.NewServer(srv)
	defer hs.Close()
	defer srv.Close()

	before := readIdleMem()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), idleClientsEnv+"="+hs.Listener.Addr().String()+" "+strconv.Itoa(n)+" "+pong)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		stdin.Close() // the clients close their sockets and exit
		cmd.Wait()
	}()
	line, err := bufio.NewReader(out).ReadString('\n')
	if strings.TrimSpace(line) != "ready" {
		b.Fatalf("client process: %q %v\n%s", line, err, stderr.String())
	}
	for srv.Engine().Count() < n {
		time.Sleep(time.Millisecond)
	}
	if *idlePing > 0 {
		// Every session has been pinged by then and answered, and the
		// goroutines that read the pongs have ended; the next pings are
		// not due yet if the sessions opened within D/2.
		time.Sleep(*idlePing + *idlePing/5)
		for end := time.Now().Add(*idlePing / 4); runtime.NumGoroutine() > int(before.goroutines)+10 && time.Now().Before(end); {
			time.Sleep(10 * time.Millisecond)
		}
		if c := srv.Engine().Count(); c != n {
			b.Fatalf("%d of %d sessions left after the ping", c, n)
		}
	}
	after := readIdleMem()
	if *idleProfile != "" {
		if err := writeHeapProfile(*idleProfile); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
	}
	// After the loop: b.Loop resets the timer, which drops metrics.
	per := func(a, z uint64) float64 { return (float64(z) - float64(a)) / float64(n) }
	b.ReportMetric(per(before.heap, after.heap), "heapB/session")
	b.ReportMetric(per(before.inuse, after.inuse), "inuseB/session")
	b.ReportMetric(per(before.stack, after.stack), "stackB/session")
	b.ReportMetric(per(before.goroutines, after.goroutines), "goroutines/session")
	b.ReportMetric(per(before.sys, after.sys), "sysB/session")
	b.ReportMetric(per(before.rss, after.rss), "rssB/session")
	b.ReportMetric(float64(unsafe.Sizeof(engineio.Conn{})), "B/engineio.Conn")
	b.ReportMetric(float64(unsafe.Sizeof(conn{})), "B/socketio.conn")
	b.ReportMetric(float64(unsafe.Sizeof(Socket{})), "B/socketio.Socket")
}

// idleMem is one reading of the process's memory, after a collection.
type idleMem struct {
	heap, inuse, stack, sys, rss, goroutines uint64
}

func readIdleMem() idleMem {
	runtime.GC()
	runtime.GC() // the first may leave what finalizers free
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return idleMem{
		heap:       ms.HeapAlloc,
		inuse:      ms.HeapInuse,
		stack:      ms.StackInuse,
		sys:        ms.Sys - ms.HeapReleased,
		rss:        selfRSS(),
		goroutines: uint64(runtime.NumGoroutine()),
	}
}

// selfRSS is this process's VmRSS in bytes, 0 where /proc has none.
func selfRSS() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// idleClientsMain is the child process of BenchmarkIdleSessions: it opens
// the sessions, says "ready" and holds them until its stdin closes.
func idleClientsMain(spec string) {
	f := strings.Fields(spec)
	if len(f) != 3 {
		fmt.Fprintln(os.Stderr, "bad", idleClientsEnv, spec)
		os.Exit(2)
	}
	addr, pong := f[0], f[2] == "1"
	n, err := strconv.Atoi(f[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "bad", idleClientsEnv, spec)
		os.Exit(2)
	}
	conns := make([]*idleConn, 0, n)
	for i := 0; i < n; i++ {
		c, err := idleClient(addr)
		if err != nil {
			fmt.Fprintf(os.Stderr, "client %d: %v\n", i, err)
			os.Exit(1)
		}
		conns = append(conns, c)
		if pong {
			go answerPings(c)
		}
	}
	fmt.Println("ready")
	io.Copy(io.Discard, os.Stdin)
	for _, c := range conns {
		c.Close()
	}
	os.Exit(0)
}

// answerPings reads c and answers each ping packet with a pong.
func answerPings(c *idleConn) {
	pong := rawws.AppendFrame(nil, rawws.Frame{Fin: true, Opcode: rawws.OpText, Masked: true, Key: [4]byte{1, 2, 3, 4}, Payload: []byte("3")})
	for {
		f, err := rawws.ReadFrame(c.br, 0)
		if err != nil {
			return
		}
		if string(f.Payload) == "2" {
			c.Write(pong)
		}
	}
}

// idleConn is a client's connection and the reader that holds what the
// server sent after the handshake.
type idleConn struct {
	net.Conn
	br *bufio.Reader
}

// idleClient opens one WebSocket session and joins "/": the upgrade, the
// open packet, CONNECT and its answer.
func idleClient(addr string) (*idleConn, error) {
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*idleConn, error) { nc.Close(); return nil, err }
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(nc, "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: %s\r\n"+
		"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n", addr)
	br := bufio.NewReaderSize(nc, 512)
	status, err := br.ReadString('\n')
	if err != nil || !strings.Contains(status, " 101 ") {
		return fail(fmt.Errorf("upgrade: %q %v", status, err))
	}
	for {
		l, err := br.ReadString('\n')
		if err != nil {
			return fail(err)
		}
		if l == "\r\n" {
			break
		}
	}
	if f, err := rawws.ReadFrame(br, 0); err != nil || !bytes.HasPrefix(f.Payload, []byte("0{")) {
		return fail(fmt.Errorf("open packet: %q %v", f.Payload, err))
	}
	connect := rawws.AppendFrame(nil, rawws.Frame{Fin: true, Opcode: rawws.OpText, Masked: true, Key: [4]byte{1, 2, 3, 4}, Payload: []byte("40")})
	if _, err := nc.Write(connect); err != nil {
		return fail(err)
	}
	if f, err := rawws.ReadFrame(br, 0); err != nil || !bytes.HasPrefix(f.Payload, []byte("40{")) {
		return fail(fmt.Errorf("connect: %q %v", f.Payload, err))
	}
	nc.SetDeadline(time.Time{})
	return &idleConn{nc, br}, nil
}
