package engineio

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// ServerOptions configures a Server. The zero value (or nil) gives the npm
// engine.io defaults.
type ServerOptions struct {
	// PingInterval is how often the server pings. Default 25s.
	PingInterval time.Duration
	// PingTimeout is how long the client has to answer a ping. Default 20s.
	PingTimeout time.Duration
	// MaxPayload is the largest POST body or WebSocket message accepted, in
	// bytes. Default 1_000_000.
	MaxPayload int
	// MaxQueue bounds the bytes waiting to be written to one session. A
	// client that stops reading (or polling) while the server sends to it
	// would otherwise make the server keep everything sent to it: one such
	// client of the load fixture took the server from 22 MB to 700 MB. A
	// send that would pass the bound ends the session as a slow consumer
	// (reason "transport error", error ErrSlowConsumer) and frees its
	// queue; other sessions are not affected. What a writer has already
	// taken from the queue is not counted, so a session holds at most about
	// twice this. Default 32 MiB, room for a few messages of MaxPayload;
	// negative: no bound, as the JavaScript server.
	MaxQueue int
	// UpgradeTimeout bounds a polling-to-WebSocket upgrade. Default 10s.
	UpgradeTimeout time.Duration
	// WriteTimeout bounds each blocking write to a client (a ping, queued
	// messages) and the read of a POST body: a peer stuck longer is gone.
	// Default max(PingTimeout, 5s), so that short test heartbeats do not
	// make writes fail on a busy machine. Tests set it short to check that
	// no write deadline outlives its write (issue 12's drop).
	WriteTimeout time.Duration
	// Transports accepted. Default {"polling", "websocket"}.
	Transports []string
	// DisableUpgrades stops offering (and accepting) the WebSocket upgrade
	// to polling sessions. Default false.
	DisableUpgrades bool
	// CORS, when set, adds cross-origin headers to every answer and answers
	// preflight requests. Default nil: no CORS headers.
	CORS *CORSOptions
	// AllowRequest, when set, vets each handshake; a non-nil error refuses it
	// with 403 {"code":4,"message":"Forbidden"}. Default nil: allow all.
	AllowRequest func(r *http.Request) error
	// OnConnection is called once per new session, before any of its
	// traffic is read; it must call c.SetHandler before returning.
	// Default nil: sessions are accepted and their messages dropped.
	OnConnection func(c *Conn)
}

// Server is an Engine.IO server: an http.Handler to mount at the path of
// your choice (the JavaScript default is "/engine.io/", Socket.IO's
// "/socket.io/").
type Server struct {
	opts         ServerOptions
	writeTimeout time.Duration

	mu     sync.Mutex
	conns  map[string]*Conn
	closed bool
	// ended remembers, for endedGrace, the polling sessions their client
	// closed while no GET was pending (see rememberEnded).
	ended      map[string]time.Time
	endedOrder []string
	wg         sync.WaitGroup // requests in flight, writers, OnClose calls

	pollOnce sync.Once
	pl       *poller // nil when there is none (see poller)
	readers  readerPool
}

// poller returns the server's WebSocket poller, started on first use; nil
// when the system has none.
func (s *Server) poller() *poller {
	s.pollOnce.Do(func() {
		s.mu.Lock()
		closed := s.closed
		s.mu.Unlock()
		if closed {
			return
		}
		if p, err := newPoller(s.trimReaders); err == nil {
			s.pl = p
		}
	})
	return s.pl
}

// NewServer returns a Server; opts may be nil.
func NewServer(opts *ServerOptions) *Server {
	s := &Server{conns: make(map[string]*Conn)}
	s.readers.init()
	if opts != nil {
		s.opts = *opts
	}
	o := &s.opts
	if o.PingInterval <= 0 {
		o.PingInterval = 25 * time.Second
	}
	if o.PingTimeout <= 0 {
		o.PingTimeout = 20 * time.Second
	}
	if o.MaxPayload <= 0 {
		o.MaxPayload = 1_000_000
	}
	if o.MaxQueue == 0 {
		o.MaxQueue = 32 << 20
	}
	if o.UpgradeTimeout <= 0 {
		o.UpgradeTimeout = 10 * time.Second
	}
	if len(o.Transports) == 0 {
		o.Transports = []string{"polling", "websocket"}
	}
	// A write stuck longer than this means the peer is gone; short test
	// ping timeouts must not make writes fail on a busy machine.
	s.writeTimeout = max(o.PingTimeout, 5*time.Second)
	if o.WriteTimeout > 0 {
		s.writeTimeout = o.WriteTimeout
	}
	return s
}

// Count returns the number of open sessions.
func (s *Server) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// Close closes every session with reason "server shutting down", refuses
// new ones, and waits until every goroutine the server started has ended.
// A pending poll and an open WebSocket get a last close packet. Close must
// not be called from a Handler, whose call it would wait for.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	conns := make([]*Conn, 0, len(s.conns))
	for _, c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.terminate(ReasonServerShutdown, nil, true)
	}
	s.wg.Wait()
	s.pollOnce.Do(func() {}) // no poller starts after this
	if s.pl != nil {
		s.pl.stop()
	}
	s.stopReaders()
	return nil
}

// ServeHTTP answers every Engine.IO request: handshakes, polls, posts and
// WebSocket upgrades, checked in the order the JavaScript server checks them.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		http.Error(w, "engine.io server closed", http.StatusServiceUnavailable)
		return
	}
	s.wg.Add(1)
	s.mu.Unlock()
	defer s.wg.Done()

	if s.opts.CORS != nil && s.opts.CORS.apply(w, r) {
		return
	}
	q := r.URL.RawQuery
	transport := queryValue(q, "transport")
	upgrade := isWebSocketUpgrade(r)
	if !slices.Contains(s.opts.Transports, transport) {
		s.abort(w, upgrade, CodeTransportUnknown)
		return
	}
	if hasInvalidHeaderChar(r.Header.Get("Origin")) {
		s.abort(w, upgrade, CodeBadRequest)
		return
	}
	if sid := queryValue(q, "sid"); sid != "" {
		s.mu.Lock()
		c := s.conns[sid]
		s.mu.Unlock()
		if c == nil {
			if !upgrade && r.Method == http.MethodGet && transport == "polling" && s.takeEnded(sid) {
				writePayload(w, msgNoop.segment())
				return
			}
			s.abort(w, upgrade, CodeUnknownSID)
			return
		}
		cur := c.Transport()
		if !upgrade && cur != transport {
			c.pauseAfterUpgrade()
			s.abort(w, upgrade, CodeBadRequest)
			return
		}
		if upgrade {
			if transport != "websocket" || s.opts.DisableUpgrades {
				s.abort(w, upgrade, CodeBadRequest)
				return
			}
			if cur != "polling" {
				// Already upgraded: the JS server completes this WebSocket
				// handshake and closes the socket at once (onWebSocket,
				// "transport had already been upgraded"), as the official
				// suite's "ignores WebSocket connection with same sid after
				// upgrade" expects.
				c.refuseUpgrade(w, r)
				return
			}
			c.serveUpgrade(w, r)
			return
		}
		switch r.Method {
		case http.MethodGet:
			c.servePoll(w, r)
		case http.MethodPost:
			c.servePost(w, r)
		default:
			w.WriteHeader(http.StatusInternalServerError)
		}
		return
	}
	if r.Method != http.MethodGet {
		s.abort(w, upgrade, CodeBadHandshakeMethod)
		return
	}
	if transport == "websocket" && !upgrade {
		s.abort(w, upgrade, CodeBadRequest)
		return
	}
	if s.opts.AllowRequest != nil && s.opts.AllowRequest(r) != nil {
		s.abort(w, upgrade, CodeForbidden)
		return
	}
	if queryValue(q, "EIO") != "4" {
		s.abort(w, upgrade, CodeUnsupportedProtocol)
		return
	}
	s.handshake(w, r, transport)
}

// abort writes an error answer: JSON for plain requests, as the JavaScript
// server's abortRequest; plain text 400 for WebSocket upgrades, as its
// abortUpgrade.
func (s *Server) abort(w http.ResponseWriter, upgrade bool, code int) {
	msg := codeMessages[code]
	if upgrade {
		// The JS server writes this answer raw on the socket, without the
		// CORS headers.
		clear(w.Header())
		w.Header().Set("Connection", "close")
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte(msg))
		return
	}
	status := http.StatusBadRequest
	if code == CodeForbidden {
		status = http.StatusForbidden
	}
	body, _ := json.Marshal(struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}{code, msg})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(body)
}

// handshake opens a session on the requested transport.
func (s *Server) handshake(w http.ResponseWriter, r *http.Request, transport string) {
	c := s.newConn(r, transport)
	hs := Handshake{
		SID:          c.id,
		Upgrades:     []string{},
		PingInterval: int(s.opts.PingInterval / time.Millisecond),
		PingTimeout:  int(s.opts.PingTimeout / time.Millisecond),
		MaxPayload:   s.opts.MaxPayload,
	}
	if transport == "polling" && !s.opts.DisableUpgrades && slices.Contains(s.opts.Transports, "websocket") {
		hs.Upgrades = []string{"websocket"}
	}
	data, _ := json.Marshal(hs)
	open := newPacketMessage(Packet{Type: Open, Data: data})
	if transport == "websocket" {
		c.serveWebSocketHandshake(w, r, open)
		return
	}
	c.servePollingHandshake(w, r, open)
}

// register adds c to the session table; false if the server has closed.
func (s *Server) register(c *Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.conns[c.id] = c
	return true
}

// endedGrace is how long a poll may still arrive for a session its client
// closed: see rememberEnded.
const endedGrace = 10 * time.Second

// rememberEnded notes that the client closed session sid (a close packet
// in a POST) while no GET was pending. The client may have sent a GET
// before that POST, on another connection, that is handled after it: the
// JS server, reading its sockets in order on one thread, answers such a
// GET as the pending GET it was, with a noop, and so does this server once,
// within endedGrace. Any later request gets 400 "Session ID unknown".
func (s *Server) rememberEnded(sid string) {
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended == nil {
		s.ended = make(map[string]time.Time)
	}
	for len(s.endedOrder) > 0 {
		old := s.endedOrder[0]
		if t, ok := s.ended[old]; ok && now.Sub(t) < endedGrace {
			break
		}
		delete(s.ended, old)
		s.endedOrder = s.endedOrder[1:]
	}
	s.ended[sid] = now
	s.endedOrder = append(s.endedOrder, sid)
}

// takeEnded reports whether sid is a session rememberEnded noted less than
// endedGrace ago, and forgets it.
func (s *Server) takeEnded(sid string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.ended[sid]
	delete(s.ended, sid)
	return ok && time.Since(t) < endedGrace
}

func (s *Server) unregister(c *Conn) {
	s.mu.Lock()
	if s.conns[c.id] == c {
		delete(s.conns, c.id)
	}
	s.mu.Unlock()
}

// goTracked runs f on a goroutine that Close waits for.
func (s *Server) goTracked(f func()) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		f()
	}()
}

// newSID returns 15 random bytes in URL-safe base64 (20 characters), the
// shape of the JavaScript server's base64id.
func newSID() string {
	var b [15]byte
	rand.Read(b[:])
	return base64.URLEncoding.EncodeToString(b[:])
}

func isWebSocketUpgrade(r *http.Request) bool {
	return headerHasToken(r.Header, "Connection", "upgrade") && strings.EqualFold(r.Header.Get("Upgrade"), "websocket")
}

func headerHasToken(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// hasInvalidHeaderChar reports characters Node refuses in a header value.
func hasInvalidHeaderChar(v string) bool {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if (c < ' ' && c != '\t') || c == 0x7f {
			return true
		}
	}
	return false
}
