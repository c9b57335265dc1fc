package graders

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	if os.Getenv("RTLAB_GRADERS_HELPER") == "server" {
		os.Exit(helperServer())
	}
	goleak.VerifyTestMain(m)
}

// helperServer is the test binary acting as a student's server for the
// managed-mode tests: it listens on $PORT, prints socket ids, and exits on
// SIGTERM.
func helperServer() int {
	ln, err := net.Listen("tcp", "127.0.0.1:"+os.Getenv("PORT"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	m := &miniServer{log: os.Stdout}
	h, closeFn := m.handler()
	go http.Serve(ln, h)
	fmt.Println("listening on", ln.Addr(), "secret", os.Getenv("JWT_SECRET"))
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM)
	<-sig
	closeFn()
	fmt.Println("bye")
	return 0
}
