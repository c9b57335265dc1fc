package reference

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"rtlab/engineio"
	"rtlab/internal/httpserve"
)

// Running is a reference server serving on a port of its own, as Start
// returns it.
type Running struct {
	// URL is the server's base URL: "http://127.0.0.1:PORT", or https://
	// with Options.TLS.
	URL string
	// Addr is the address it listens on ("127.0.0.1:PORT").
	Addr string
	// Server is the reference server itself, for a test that closes it
	// while its port stays open (to see the 1001 it sends).
	Server Server

	hs        *http.Server
	served    chan struct{}
	conns     sync.WaitGroup
	closeOnce sync.Once
}

// closeWait bounds how long Close waits for the server's handlers to
// return once their connections are closed.
const closeWait = 5 * time.Second

// Start builds exercise id's reference server with opts (nil: the
// defaults; Options.Addr and Options.TLS say where and how it listens)
// and serves it until Close. It is the one way the CLI and the tests run a
// reference: rtlab grade, rtlab explain and every test that needs a real
// server call it. `rtlab serve` listens on the addresses a person asked
// for (both loopbacks, a fixed port) and builds its own http.Server.
func Start(id string, opts *Options) (*Running, error) {
	ex, ok := Lookup(id)
	if !ok {
		return nil, fmt.Errorf("reference: no exercise %q", id)
	}
	o := opts.withDefaults()
	srv, err := ex.New(&o)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		srv.Close()
		return nil, fmt.Errorf("reference %s: %w", ex.ID, err)
	}
	r := &Running{Addr: ln.Addr().String(), Server: srv, served: make(chan struct{})}
	var h http.Handler = srv
	if o.Public != nil {
		h = withPublic(srv, o.Public)
	}
	if o.Wrap != nil {
		h = o.Wrap(h)
	}
	r.hs = httpserve.New(h, &httpserve.Options{ErrorLog: o.ErrorLog})
	// Track connections so Close can wait for their handlers: a test with
	// a goroutine-leak check must not see one still running.
	r.hs.ConnState = func(_ net.Conn, s http.ConnState) {
		switch s {
		case http.StateNew:
			r.conns.Add(1)
		case http.StateHijacked, http.StateClosed:
			r.conns.Done()
		}
	}
	scheme := "http"
	if o.TLS != nil {
		scheme = "https"
		ln = tls.NewListener(ln, o.TLS)
	} else {
		ln = engineio.NewFront(ln, "/socket.io/", h, nil)
	}
	r.URL = scheme + "://" + r.Addr
	go func() {
		defer close(r.served)
		r.hs.Serve(ln)
	}()
	return r, nil
}

// Close ends the server's sessions (Socket.IO clients see the server
// leave), closes its port and every connection, and waits (at most 5s)
// for the handlers to return. It may be called more than once.
func (r *Running) Close() error {
	var err error
	r.closeOnce.Do(func() {
		err = r.Server.Close()
		ctx, cancel := context.WithTimeout(context.Background(), closeWait)
		defer cancel()
		if r.hs.Shutdown(ctx) != nil {
			r.hs.Close()
		}
		<-r.served
		done := make(chan struct{})
		go func() {
			r.conns.Wait()
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(closeWait):
			err = errors.Join(err, errors.New("reference: a handler did not return within 5s of Close"))
		}
	})
	return err
}

// muxer is a server whose routes can be asked which one answers a request:
// every server built on newServer.
type muxer interface{ mux() *http.ServeMux }

func (s *server) mux() *http.ServeMux { return s.ServeMux }

// withPublic serves public for every request that srv answers only with
// its catch-all "/" (its page folder) or not at all, and srv for the rest:
// the exercise's routes win over the files of a page served beside them.
func withPublic(srv Server, public http.Handler) http.Handler {
	m, ok := srv.(muxer)
	if !ok {
		return srv
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := m.mux().Handler(r); pattern == "" || pattern == "/" || pattern == "GET /" {
			public.ServeHTTP(w, r)
			return
		}
		srv.ServeHTTP(w, r)
	})
}
