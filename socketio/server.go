package socketio

import (
	"net/http"
	"strings"
	"sync"
	"time"

	"rtlab/engineio"
)

// ServerOptions configures a Server. A nil *ServerOptions gives the
// defaults of the npm socket.io server.
type ServerOptions struct {
	// Engine configures the Engine.IO layer (heartbeat, transports, CORS,
	// payload size). Nil means engineio's defaults. Its OnConnection, if
	// set, is called before Socket.IO takes the connection over.
	Engine *engineio.ServerOptions
	// Path is where the server answers. Default "/socket.io/".
	Path string
	// ConnectTimeout closes a connection that has joined no namespace
	// within this time. Default 45s, as socket.io's connectTimeout.
	ConnectTimeout time.Duration
}

// handlerWait bounds how long Close waits for running handlers to return.
// A handler that closes its own connection or server makes that wait
// time out instead of deadlocking.
const handlerWait = 5 * time.Second

// Server is a Socket.IO server, an http.Handler. Mount it at its Path
// (mux.Handle("/socket.io/", srv)) or use it as the whole handler.
type Server struct {
	path           string
	connectTimeout time.Duration
	eio            *engineio.Server
	userOnConn     func(*engineio.Conn)

	mu     sync.RWMutex
	nsps   map[string]*Namespace
	conns  map[*conn]struct{}
	closed bool
}

// NewServer returns a server with the main namespace "/" ready; opts may
// be nil.
func NewServer(opts *ServerOptions) *Server {
	var o ServerOptions
	if opts != nil {
		o = *opts
	}
	s := &Server{
		path:           o.Path,
		connectTimeout: o.ConnectTimeout,
		nsps:           make(map[string]*Namespace),
		conns:          make(map[*conn]struct{}),
	}
	if s.path == "" {
		s.path = "/socket.io/"
	}
	if !strings.HasSuffix(s.path, "/") {
		s.path += "/"
	}
	if s.connectTimeout <= 0 {
		s.connectTimeout = 45 * time.Second
	}
	var eo engineio.ServerOptions
	if o.Engine != nil {
		eo = *o.Engine
	}
	s.userOnConn = eo.OnConnection
	eo.OnConnection = s.onConnection
	s.eio = engineio.NewServer(&eo)
	s.Of("/")
	return s
}

// Engine returns the underlying Engine.IO server (for its Count, say).
func (s *Server) Engine() *engineio.Server { return s.eio }

// ServeHTTP answers the Engine.IO requests under the server's Path and
// 404s anything else.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	if p != strings.TrimSuffix(s.path, "/") && !strings.HasPrefix(p, s.path) {
		http.NotFound(w, r)
		return
	}
	s.eio.ServeHTTP(w, r)
}

// Of returns the namespace called name, creating it on first use. A name
// without a leading slash gets one.
func (s *Server) Of(name string) *Namespace {
	if !strings.HasPrefix(name, "/") {
		name = "/" + name
	}
	s.mu.RLock()
	n := s.nsps[name]
	s.mu.RUnlock()
	if n != nil {
		return n
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if n = s.nsps[name]; n == nil {
		n = newNamespace(s, name)
		s.nsps[name] = n
	}
	return n
}

// namespace returns an existing namespace, or nil.
func (s *Server) namespace(name string) *Namespace {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.nsps[name]
}

// Close disconnects every socket with reason "server shutting down",
// closes every connection and waits for the goroutines the server started,
// handlers included.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	conns := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.shutdown(ReasonServerShutdown)
	}
	err := s.eio.Close()
	for _, c := range conns {
		c.queue.wait(handlerWait)
	}
	return err
}

func (s *Server) onConnection(ec *engineio.Conn) {
	if s.userOnConn != nil {
		s.userOnConn(ec)
	}
	c := newConn(s, ec)
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		ec.SetHandler(nil)
		ec.Close()
		return
	}
	s.conns[c] = struct{}{}
	s.mu.Unlock()
	ec.SetHandler(c)
}

func (s *Server) forget(c *conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}
