package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"

	"rtlab/engineio"
	"rtlab/internal/exercise"
	"rtlab/internal/httpserve"
	"rtlab/internal/selfsigned"
	"rtlab/reference"
)

// serveCommand is `rtlab serve`; main lists it in newCommands.
func serveCommand() *command {
	return &command{name: "serve", summary: "run the reference server of an exercise", usage: serveUsage, run: runServe}
}

// serveUsage is what `rtlab serve --help` prints.
const serveUsage = `usage: rtlab serve EXERCISE [flags]

Runs the reference server of an exercise (q1 … q38) or a named fixture
("conformance": the server the official Engine.IO and Socket.IO protocol
test suites expect; "loadtest": the fixture of rtlab load) until Ctrl-C.

Flags:
  --addr HOST:PORT   where to listen (default localhost:3000, i.e. 127.0.0.1 and ::1;
                     env PORT sets the port)
  --variant NAME     run a deliberately broken variant (see rtlab list)
  --tls              serve https:// and wss:// with a certificate made at start-up
  --cert-out FILE    with --tls, write the certificate (PEM) to FILE for clients to trust
  --jwt-secret S     HS256 secret for the JWT exercises (default rtlab-dev-secret; env JWT_SECRET)
  --window DUR       Q34's rate-limit window (default 60s; env RATE_LIMIT_WINDOW_MS)
  --ping-interval D  how often Socket.IO servers ping (default 25s, as socket.io;
                     the conformance fixture 300ms)
  --ping-timeout D   how long a client has to answer a ping (default 20s;
                     conformance 200ms)
  --debug-addr A     also serve, on A (a loopback address only, such as 127.0.0.1:0;
                     the port is printed), GET /debug/runtime: this process's
                     goroutines, open HTTP connections and RSS as JSON (?free=1: RSS
                     after a GC that returns free memory to the OS); and
                     /debug/pprof/. For soak tests

Examples:
  rtlab serve q24
  rtlab serve q17 --addr :3000
  rtlab serve conformance
  rtlab serve q4 --tls --cert-out /tmp/q4.pem
  rtlab serve q17 --variant no-initial-count
  rtlab serve q18 --ping-interval 2s --ping-timeout 1s --debug-addr 127.0.0.1:0
`

func runServe(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet("serve")
	addr := fs.String("addr", defaultAddr(), "")
	variant := fs.String("variant", "", "")
	useTLS := fs.Bool("tls", false, "")
	certOut := fs.String("cert-out", "", "")
	secret := fs.String("jwt-secret", os.Getenv("JWT_SECRET"), "")
	window := fs.Duration("window", envWindow(), "")
	pingInterval := fs.Duration("ping-interval", 25*time.Second, "")
	pingTimeout := fs.Duration("ping-timeout", 20*time.Second, "")
	debugAddr := fs.String("debug-addr", "", "")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *pingInterval <= 0 || *pingTimeout <= 0 {
		return usagef("--ping-interval and --ping-timeout must be positive durations, such as 25s")
	}
	heartbeat := givenHeartbeat(fs, *pingInterval, *pingTimeout)
	if len(pos) != 1 {
		return usagef("name one exercise to serve")
	}
	ex, ok := reference.Lookup(pos[0])
	if !ok {
		return usagef("no reference server for %q (rtlab list shows them)", pos[0])
	}
	if err := checkAddr(*addr); err != nil {
		return err
	}
	var debugLn net.Listener
	if *debugAddr != "" {
		if debugLn, err = listenDebug(*debugAddr); err != nil {
			return err
		}
		defer debugLn.Close()
	}
	srv, err := ex.New(&reference.Options{JWTSecret: *secret, RateLimitWindow: *window, Log: e.stdout, Variant: *variant,
		PingInterval: heartbeat[0], PingTimeout: heartbeat[1]})
	if err != nil {
		if *variant != "" {
			return usagef("--variant: %v", err) // the one way New fails on a name given by the user
		}
		return err
	}
	defer srv.Close()

	lns, err := listenLoopback(*addr)
	if err != nil {
		return err
	}
	hs := httpserve.New(srv, nil)
	if debugLn != nil {
		hs.ConnState = countConns
	}
	scheme, err := serveTLS(hs, *useTLS, *certOut)
	if err != nil {
		return err
	}
	if !*useTLS {
		// Socket.IO's polls and POSTs are served by engineio's front,
		// the rest by hs.
		fo := &engineio.FrontOptions{ConnState: hs.ConnState}
		for i, ln := range lns {
			lns[i] = engineio.NewFront(ln, "/socket.io/", srv, fo)
		}
	}
	done := startServing(hs, lns, *useTLS)
	fmt.Fprintf(e.stderr, "rtlab: %s (%s) on %s://%s — Ctrl-C to stop\n", ex.ID, exercise.Title(ex.ID), scheme, displayAddr(*addr, lns[0].Addr()))
	if debugLn != nil {
		ds := httpserve.New(debugHandler(), nil)
		go ds.Serve(debugLn)
		defer ds.Close()
		fmt.Fprintf(e.stderr, "rtlab: debug listener on http://%s/debug/runtime\n", debugLn.Addr())
	}
	return waitServing(ctx, srv, hs, done)
}

// givenHeartbeat is the heartbeat (ping interval, ping timeout) the flags
// set: only flags given reach the server; left out, each exercise keeps
// its own (the conformance fixture's is 300ms / 200ms), and a zero here
// says so.
func givenHeartbeat(fs *flag.FlagSet, pingInterval, pingTimeout time.Duration) [2]time.Duration {
	var heartbeat [2]time.Duration
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "ping-interval":
			heartbeat[0] = pingInterval
		case "ping-timeout":
			heartbeat[1] = pingTimeout
		}
	})
	return heartbeat
}

// serveTLS gives hs a fresh self-signed certificate when useTLS, written
// as PEM to certOut when given, and returns the scheme hs serves.
func serveTLS(hs *http.Server, useTLS bool, certOut string) (scheme string, err error) {
	if !useTLS {
		return "http", nil
	}
	cert, err := selfsigned.New()
	if err != nil {
		return "", err
	}
	hs.TLSConfig = cert.ServerConfig()
	if certOut != "" {
		if err := os.WriteFile(certOut, cert.PEM, 0o644); err != nil {
			return "", err
		}
	}
	return "https", nil
}

// startServing serves hs on every listener of lns; the channel receives
// each Serve's error.
func startServing(hs *http.Server, lns []net.Listener, useTLS bool) <-chan error {
	done := make(chan error, len(lns))
	for _, ln := range lns {
		go func() {
			if useTLS {
				done <- hs.ServeTLS(ln, "", "")
			} else {
				done <- hs.Serve(ln)
			}
		}()
	}
	return done
}

// waitServing waits for a listener to fail or for ctx to end (Ctrl-C),
// then closes the reference server and shuts hs down, giving open
// requests 5 s.
func waitServing(ctx context.Context, srv io.Closer, hs *http.Server, done <-chan error) error {
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	srv.Close()
	if err := hs.Shutdown(shutdownCtx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil
}

// defaultAddr is 127.0.0.1:3000, or the port in env PORT as a student's
// server would read it.
func defaultAddr() string {
	if p := os.Getenv("PORT"); p != "" {
		return "localhost:" + p
	}
	return "localhost:3000"
}

// envWindow reads RATE_LIMIT_WINDOW_MS as the grader's managed mode sets it.
func envWindow() time.Duration {
	if ms, err := strconv.Atoi(os.Getenv("RATE_LIMIT_WINDOW_MS")); err == nil && ms > 0 {
		return time.Duration(ms) * time.Millisecond
	}
	return 0
}

// checkAddr rejects an --addr that no listen could take: no port, or a
// port that is not a number from 0 to 65535. A mistake in a flag is a usage
// error (exit 2), found before the server starts; a port already in use is
// found by the listen.
func checkAddr(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return usagef("--addr %q: want HOST:PORT, such as localhost:3000", addr)
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return usagef("--addr %q: the port must be a number from 0 to 65535", addr)
	}
	return nil
}

// listenLoopback listens on addr. For "localhost:PORT" it listens on both
// 127.0.0.1 and ::1, because clients disagree on which one localhost means
// (Node.js 20 tries ::1 first); ::1 is skipped where the machine has no IPv6.
func listenLoopback(addr string) ([]net.Listener, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, usagef("--addr %q: %v", addr, err)
	}
	if host != "localhost" {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return nil, fmt.Errorf("listen on %s: %w", addr, err)
		}
		return []net.Listener{ln}, nil
	}
	ln4, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", port))
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	lns := []net.Listener{ln4}
	if port == "0" {
		port = strconv.Itoa(ln4.Addr().(*net.TCPAddr).Port)
	}
	if ln6, err := net.Listen("tcp", net.JoinHostPort("::1", port)); err == nil {
		lns = append(lns, ln6)
	}
	return lns, nil
}

func displayAddr(asked string, got net.Addr) string {
	host, _, _ := net.SplitHostPort(asked)
	_, port, _ := net.SplitHostPort(got.String())
	if host == "" {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}
