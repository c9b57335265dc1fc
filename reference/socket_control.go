package reference

import (
	"sync"
	"time"

	"rtlab/socketio"
)

// SocketControl lets the grader watch and steer the default namespace of a
// Socket.IO reference server while a browser page uses it (Q17, Q19, Q21,
// Q22): which sockets came and went, and which were the page's; a kick
// (socket.disconnect() on the server); an event sent to every socket that
// no client could make the server send (Q22's reaction whose type is
// HTML). Its zero value is not usable: call NewSocketControl. It outlives
// one server: a server restarted on the same port with the same Hooks
// reports to it again (Q21). Safe for concurrent use; a nil
// *SocketControl does nothing and records nothing.
type SocketControl struct {
	mu   sync.Mutex
	nsp  *socketio.Namespace // the running server's default namespace
	seen []*SeenSocket
	got  []PageEvent
}

// PageEvent is one event a socket of the page (not the grader's) sent the
// server: what a failure quotes when a grader's client did not get what
// the page should have sent.
type PageEvent struct {
	// Socket is the sending socket's id.
	Socket string
	// Name is the event's name; Args its arguments as JSON.
	Name string
	Args []string
	// At is when the server received it.
	At time.Time
}

// SeenSocket is one socket that joined the default namespace.
type SeenSocket struct {
	// ID is the socket's id.
	ID string
	// Grader is set for the grader's own clients: their handshake carried
	// the header GraderHeader.
	Grader bool
	// UserAgent is the handshake's User-Agent.
	UserAgent string
	// Joined is when it joined; Left when it left (zero while connected).
	Joined, Left time.Time
	// Reason is why it left ("client namespace disconnect", "transport
	// close"…), "" while connected.
	Reason string
}

// GraderHeader marks the Socket.IO connections of the grader's own
// clients, so that the sockets of the page can be told from them.
const GraderHeader = "X-Rtlab-Grader"

// NewSocketControl returns a control with no server attached yet.
func NewSocketControl() *SocketControl { return &SocketControl{} }

// sockets returns h.Sockets, nil for a nil h.
func (h *Hooks) sockets() *SocketControl {
	if h == nil {
		return nil
	}
	return h.Sockets
}

// watch attaches the control to nsp, the namespace of a server just
// built: from now on it records nsp's sockets and steers nsp.
func (c *SocketControl) watch(nsp *socketio.Namespace) {
	if c == nil {
		return
	}
	c.mu.Lock()
	c.nsp = nsp
	c.mu.Unlock()
	nsp.OnConnect(func(s *socketio.Socket) {
		hs := s.Handshake()
		seen := &SeenSocket{ID: s.ID(), Joined: time.Now()}
		if hs != nil {
			seen.Grader = hs.Header.Get(GraderHeader) != ""
			seen.UserAgent = hs.Header.Get("User-Agent")
		}
		c.mu.Lock()
		c.seen = append(c.seen, seen)
		c.mu.Unlock()
		if !seen.Grader {
			s.OnAny(func(e *socketio.Event) {
				ev := PageEvent{Socket: seen.ID, Name: e.Name, At: time.Now()}
				for _, a := range e.Args {
					ev.Args = append(ev.Args, string(a))
				}
				c.mu.Lock()
				if len(c.got) < maxPageEvents {
					c.got = append(c.got, ev)
				}
				c.mu.Unlock()
			})
		}
		s.OnDisconnect(func(r socketio.Reason) {
			c.mu.Lock()
			seen.Left, seen.Reason = time.Now(), string(r)
			c.mu.Unlock()
		})
	})
}

// Seen returns every socket that joined so far, in order, as copies.
func (c *SocketControl) Seen() []SeenSocket {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]SeenSocket, len(c.seen))
	for i, s := range c.seen {
		out[i] = *s
	}
	return out
}

// maxPageEvents bounds the page events kept: a page that floods the
// server costs no more memory than this.
const maxPageEvents = 10000

// PageEvents returns the events the page's sockets sent so far, in order.
func (c *SocketControl) PageEvents() []PageEvent {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]PageEvent(nil), c.got...)
}

// Kick disconnects every socket of the page (not the grader's) as
// socket.disconnect() does on a socket.io server: the client is told
// "io server disconnect" and does not reconnect by itself. It returns how
// many it kicked.
func (c *SocketControl) Kick() int {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	nsp := c.nsp
	grader := map[string]bool{}
	for _, s := range c.seen {
		grader[s.ID] = s.Grader
	}
	c.mu.Unlock()
	if nsp == nil {
		return 0
	}
	n := 0
	for _, s := range nsp.Sockets() {
		if !grader[s.ID()] {
			s.Disconnect(false)
			n++
		}
	}
	return n
}

// Emit sends event with args to every socket of the running server, as
// io.emit does.
func (c *SocketControl) Emit(event string, args ...any) error {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	nsp := c.nsp
	c.mu.Unlock()
	if nsp == nil {
		return nil
	}
	return nsp.Emit(event, args...)
}
