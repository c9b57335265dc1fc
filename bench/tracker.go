package bench

import (
	"net"
	"net/http"
	"sync"
	"sync/atomic"

	"rtlab/internal/wire"
)

// tracker counts what crosses the server side of one transport's run: the
// application bytes of every accepted connection (through internal/wire), the
// payload bytes the server wrote, requests, connections, and the kernel's TCP
// counters of each connection between the start and the end of the measured
// window.
type tracker struct {
	bytes      wire.Counter
	payloadOut atomic.Int64 // payload bytes written by the server
	messages   atomic.Int64 // updates written by the server
	requests   atomic.Int64 // HTTP requests (upgrades and streams included)
	accepted   atomic.Int64 // connections accepted

	mu       sync.Mutex
	live     map[*trackedConn]struct{}
	inWindow bool
	tcp      tcpCounts // accumulated over the window
	tcpOK    bool      // at least one connection reported TCP_INFO
}

func newTracker() *tracker { return &tracker{live: map[*trackedConn]struct{}{}} }

// snapshot is the value of the tracker's counters at one instant.
type snapshot struct {
	read, written, payloadOut, messages, requests, accepted int64
}

func (t *tracker) snapshot() snapshot {
	return snapshot{
		read: t.bytes.Read(), written: t.bytes.Written(),
		payloadOut: t.payloadOut.Load(), messages: t.messages.Load(),
		requests: t.requests.Load(), accepted: t.accepted.Load(),
	}
}

func (a snapshot) sub(b snapshot) snapshot {
	return snapshot{
		read: a.read - b.read, written: a.written - b.written,
		payloadOut: a.payloadOut - b.payloadOut, messages: a.messages - b.messages,
		requests: a.requests - b.requests, accepted: a.accepted - b.accepted,
	}
}

// startWindow takes the TCP baseline of every live connection; connections
// accepted later start from zero, so their handshake segments count.
func (t *tracker) startWindow() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.inWindow = true
	for c := range t.live {
		c.base, _ = readTCPInfo(c.tcp)
	}
}

// endWindow adds what every live connection did since its baseline and
// returns the window's TCP counts; ok is false when TCP_INFO was unavailable.
func (t *tracker) endWindow() (tcpCounts, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for c := range t.live {
		if now, ok := readTCPInfo(c.tcp); ok {
			t.tcp.add(now.sub(c.base))
			t.tcpOK = true
		}
	}
	t.inWindow = false
	return t.tcp, t.tcpOK
}

// closing is called by a connection right before it closes, while the kernel
// still has its counters.
func (t *tracker) closing(c *trackedConn) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.live[c]; !ok {
		return
	}
	delete(t.live, c)
	if t.inWindow {
		if now, ok := readTCPInfo(c.tcp); ok {
			t.tcp.add(now.sub(c.base))
			t.tcpOK = true
		}
	}
}

// countRequests wraps h so that every request adds to the request count.
func (t *tracker) countRequests(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.requests.Add(1)
		h.ServeHTTP(w, r)
	})
}

// listener wraps l so that accepted connections are counted.
func (t *tracker) listener(l net.Listener) net.Listener { return &trackedListener{l, t} }

type trackedListener struct {
	net.Listener
	t *tracker
}

func (l *trackedListener) Accept() (net.Conn, error) {
	nc, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	c := &trackedConn{Conn: wire.NewConn(nc, &l.t.bytes), tcp: nc, t: l.t}
	l.t.accepted.Add(1)
	l.t.mu.Lock()
	l.t.live[c] = struct{}{}
	l.t.mu.Unlock()
	return c, nil
}

// trackedConn is a counting connection that hands its kernel counters to the
// tracker before it closes.
type trackedConn struct {
	*wire.Conn
	tcp  net.Conn // the *net.TCPConn under the counter, for TCP_INFO
	t    *tracker
	base tcpCounts
	once sync.Once
}

func (c *trackedConn) Close() error {
	c.once.Do(func() { c.t.closing(c) })
	return c.Conn.Close()
}
