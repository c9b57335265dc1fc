package httpserve

import (
	"bufio"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"rtlab/internal/syncbuf"
)

// fdChildEnv, set, makes the test binary the server of
// TestRecoversFromFDExhaustion instead of running tests.
const fdChildEnv = "RTLAB_HTTPSERVE_FD_CHILD"

// fdLimit is the child's open-file limit: small enough that the test's
// connections exhaust it, large enough for the runtime's own descriptors.
const fdLimit = 48

// fdChild serves hello with a 300 ms idle timeout under fdLimit open files,
// prints its address, and exits when its stdin closes. net/http's accept
// errors go to stderr, where the parent looks for them.
func fdChild() int {
	lim := syscall.Rlimit{Cur: fdLimit, Max: fdLimit}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		fmt.Fprintln(os.Stderr, "setrlimit:", err)
		return 1
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	hs := New(hello, &Options{IdleTimeout: 300 * time.Millisecond, ErrorLog: log.New(os.Stderr, "", 0)})
	go hs.Serve(ln)
	fmt.Println(ln.Addr())
	io.Copy(io.Discard, os.Stdin)
	hs.Close()
	return 0
}

// TestRecoversFromFDExhaustion runs a server with a tiny open-file limit in
// a child process and sends it three times as many keep-alive clients as it
// has descriptors: it runs out ("too many open files"), and because idle
// connections are closed it recovers: every client is answered in the
// end, and a good client right after.
func TestRecoversFromFDExhaustion(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), fdChildEnv+"=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr syncbuf.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		stdin.Close()
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	}()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("child: %v; stderr: %s", err, stderr.String())
	}
	addr := strings.TrimSpace(line)

	const n = 3 * fdLimit
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			nc, br, err := keepAlive(addr) // waits for the child to accept and answer
			if err != nil {
				errs <- err
				return
			}
			defer nc.Close()
			if err := waitClosed(nc, br, 10*time.Second); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err, ok := <-errs; ok {
		t.Fatalf("%v (and %d more); child stderr:\n%s", err, len(errs), stderr.String())
	}
	if !strings.Contains(stderr.String(), "too many open files") {
		t.Fatalf("the child never ran out of descriptors, so this test proved nothing; stderr:\n%s", stderr.String())
	}
	getOK(t, "http://"+addr+"/")
}
