// Package httpserve builds the http.Server that every rtlab server facing a
// peer runs on (rtlab serve, the reference servers rtlab grade and rtlab
// explain start, the Q8 backend behind nginx), so that the limits a server
// needs against an untrusted peer are set in one place.
//
// The zero http.Server has no idle timeout: a keep-alive connection that
// sent one request and then nothing holds a file descriptor for as long as
// the peer wishes. A peer that opens 21,000 of them exhausted the server's
// descriptors (net/http then logs "accept4: too many open files" and backs
// off) and good clients timed out. Node's http server closes such a
// connection after 5 s (server.keepAliveTimeout); New does the same.
//
// What the timeouts must not touch: a pending long-polling GET is a request
// in progress, not an idle connection, so there is no ReadTimeout or
// WriteTimeout (either would cut a poll the server holds for up to the ping
// interval: net/http cancels the request's context when ReadTimeout
// passes); a hijacked WebSocket belongs to its handler, and net/http clears
// the deadlines it set before handing it over.
package httpserve

import (
	"log"
	"net/http"
	"time"
)

// Options configures New; nil means the defaults.
type Options struct {
	// IdleTimeout closes a keep-alive connection that has not begun a new
	// request for this long. Default 5s, Node's keepAliveTimeout.
	IdleTimeout time.Duration
	// ReadHeaderTimeout bounds reading a request's headers, from its first
	// byte (or, on a new connection, from the accept). A connection that
	// never sends a request is closed after it. Default 10s.
	ReadHeaderTimeout time.Duration
	// MaxHeaderBytes bounds the size of request headers. Default 64 KiB:
	// no Engine.IO or Socket.IO client sends more than a few hundred bytes,
	// and net/http's 1 MiB is a lot to hold per hostile connection.
	MaxHeaderBytes int
	// ErrorLog receives net/http's own errors (a failed accept, a TLS
	// handshake error). Default nil: the standard logger, as net/http.
	ErrorLog *log.Logger
}

// Defaults of Options.
const (
	DefaultIdleTimeout       = 5 * time.Second
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultMaxHeaderBytes    = 64 << 10
)

// New returns an http.Server for h with the limits of o. Accept errors,
// running out of file descriptors among them, are net/http's to handle: it
// backs off (5 ms doubling to 1 s) and retries, and the idle timeout frees
// descriptors, so a server that ran out serves again once the idle peers
// have been closed.
func New(h http.Handler, o *Options) *http.Server {
	var opts Options
	if o != nil {
		opts = *o
	}
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = DefaultIdleTimeout
	}
	if opts.ReadHeaderTimeout <= 0 {
		opts.ReadHeaderTimeout = DefaultReadHeaderTimeout
	}
	if opts.MaxHeaderBytes <= 0 {
		opts.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	return &http.Server{
		Handler:           h,
		IdleTimeout:       opts.IdleTimeout,
		ReadHeaderTimeout: opts.ReadHeaderTimeout,
		MaxHeaderBytes:    opts.MaxHeaderBytes,
		ErrorLog:          opts.ErrorLog,
	}
}
