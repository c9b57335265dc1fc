package soak

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"time"
)

// Server is a reference server running as a separate process, `rtlab
// serve EXERCISE` with its debug listener on.
type Server struct {
	Target
	cmd    *exec.Cmd
	stderr *tailBuffer
	done   chan struct{}
}

// ServerOptions configures StartServer.
type ServerOptions struct {
	// PingInterval and PingTimeout are passed as --ping-interval and
	// --ping-timeout when set; zero leaves the server's default (25s, 20s).
	PingInterval, PingTimeout time.Duration
}

var (
	serveURL = regexp.MustCompile(`\bon (http://\S+) `)
	debugURL = regexp.MustCompile(`debug listener on (http://\S+/debug/runtime)`)
)

// StartServer runs `rtlab serve exercise` (rtlab is the path of the
// binary) on a free loopback port with a debug listener, and returns once
// it says where it listens. fixture names its events for Run.
func StartServer(ctx context.Context, rtlab, exercise, fixture string, o *ServerOptions) (*Server, error) {
	args := []string{"serve", exercise, "--addr", "127.0.0.1:0", "--debug-addr", "127.0.0.1:0"}
	if o != nil && o.PingInterval > 0 {
		args = append(args, "--ping-interval", o.PingInterval.String())
	}
	if o != nil && o.PingTimeout > 0 {
		args = append(args, "--ping-timeout", o.PingTimeout.String())
	}
	cmd := exec.Command(rtlab, args...)
	s := &Server{Target: Target{Name: exercise, Fixture: fixture}, cmd: cmd,
		stderr: &tailBuffer{max: 4096}, done: make(chan struct{})}
	pipe, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	found := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(pipe)
		var url, dbg string
		for sc.Scan() {
			l := sc.Text()
			s.stderr.Write([]byte(l + "\n"))
			if url != "" && dbg != "" {
				continue
			}
			if m := serveURL.FindStringSubmatch(l); m != nil && url == "" {
				url = m[1]
			}
			if m := debugURL.FindStringSubmatch(l); m != nil && dbg == "" {
				dbg = m[1]
			}
			if url != "" && dbg != "" {
				s.URL, s.Stats = url, statsFrom(dbg+"?free=1")
				close(found)
			}
		}
	}()
	go func() { cmd.Wait(); close(s.done) }()
	tm := time.NewTimer(30 * time.Second)
	defer tm.Stop()
	select {
	case <-found:
		return s, nil
	case <-s.done:
		err = fmt.Errorf("rtlab serve %s exited: %s", exercise, s.stderr)
	case <-tm.C:
		err = fmt.Errorf("rtlab serve %s did not say where it listens within 30s: %s", exercise, s.stderr)
	case <-ctx.Done():
		err = ctx.Err()
	}
	s.Close()
	return nil, err
}

// statsFrom reads a debug listener's /debug/runtime.
func statsFrom(url string) func(context.Context) (Stats, error) {
	hc := &http.Client{Timeout: 5 * time.Second}
	return func(ctx context.Context) (Stats, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return Stats{}, err
		}
		res, err := hc.Do(req)
		if err != nil {
			return Stats{}, err
		}
		defer res.Body.Close()
		var st Stats
		if res.StatusCode != http.StatusOK {
			return st, fmt.Errorf("%s: %s", url, res.Status)
		}
		return st, json.NewDecoder(res.Body).Decode(&st)
	}
}

// Close stops the server (an interrupt, as Ctrl-C, then a kill after 5s)
// and waits for it.
func (s *Server) Close() error {
	select {
	case <-s.done:
		return nil
	default:
	}
	s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
	}
	return nil
}

// Stderr is the last of what the server printed.
func (s *Server) Stderr() string { return strings.TrimSpace(s.stderr.String()) }
