package engineio

import (
	"context"
	"crypto/tls"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"rtlab/internal/wire"
)

// Direction says which way a traced packet went.
type Direction int

// Directions of a Trace, seen from the client.
const (
	Out Direction = iota // client to server
	In                   // server to client
)

func (d Direction) String() string {
	if d == Out {
		return "out"
	}
	return "in"
}

// Trace is one packet as the client sent or received it: the raw bytes
// (one WebSocket frame, or one packet's segment of a polling payload) and
// their decoding. Raw sent with SendRaw is traced undecoded.
type Trace struct {
	Time      time.Time
	Dir       Direction
	Transport string
	Raw       []byte
	Binary    bool
	Packet    Packet
}

// DialOptions configures Dial. nil means every default.
type DialOptions struct {
	// Path of the Engine.IO endpoint. Default "/engine.io/".
	Path string
	// Transport to open the session on: "websocket" (the default) or
	// "polling".
	Transport string
	// Upgrade, with polling, upgrades to WebSocket right after the
	// handshake when the server offers it. Default false.
	Upgrade bool
	// Header is added to every HTTP request and the WebSocket handshake.
	Header http.Header
	// Query is added to every request's query string; EIO=4, transport and
	// sid are set by Dial.
	Query url.Values
	// TLSConfig for https:// and wss:// URLs. Default: Go's defaults.
	TLSConfig *tls.Config
	// Counter receives the bytes of every TCP connection of the session.
	// Default: a new Counter (see ClientConn.Counter).
	Counter *wire.Counter
	// Observer, when set, sees every packet in and out, in order, one call
	// at a time. It must not block.
	Observer func(Trace)
	// HandshakeTimeout bounds the handshake and the upgrade. Default 10s.
	HandshakeTimeout time.Duration
}

// requestTimeout bounds every POST and the wait for a close handshake.
const requestTimeout = 10 * time.Second

// ClientConn is a client session. Its Handler runs on one goroutine per
// connection, the one that reads; every goroutine of the session ends
// after Close, Drop or a failure.
type ClientConn struct {
	opts    DialOptions
	h       Handler
	base    *url.URL // http(s) endpoint, query without transport/sid
	hs      Handshake
	counter *wire.Counter
	tr      *http.Transport
	hc      *http.Client

	ctx    context.Context // cancelled at shutdown: ends polling requests
	cancel context.CancelFunc

	sendMu sync.Mutex // one POST or one frame write at a time, in order

	mu        sync.Mutex
	transport string
	ws        *websocket.Conn
	reason    string
	err       error
	pingTimer *time.Timer

	ignorePings atomic.Bool
	runG        atomic.Uint64 // id of the goroutine that runs the Handler
	obsMu       sync.Mutex
	pending     []rawPacket // packets that came with the polling handshake
	done        chan struct{}

	// Upgrade handshake between the probe goroutine and the poll loop.
	pauseReq atomic.Bool   // probe answered: stop polling after this GET
	paused   chan struct{} // poll loop → probe: no GET in flight
	upgraded chan struct{} // probe → poll loop: switched (or gave up)
	probeWG  sync.WaitGroup
}

// ID returns the session id.
func (c *ClientConn) ID() string { return c.hs.SID }

// Handshake returns the server's open packet.
func (c *ClientConn) Handshake() Handshake { return c.hs }

// Counter returns the byte counter of the session's TCP connections.
func (c *ClientConn) Counter() *wire.Counter { return c.counter }

// Transport returns "polling" or "websocket"; it changes after an upgrade.
func (c *ClientConn) Transport() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.transport
}

// Done is closed once the session has ended and OnClose has returned.
func (c *ClientConn) Done() <-chan struct{} { return c.done }

// SetIgnorePings makes the client stop (or resume) answering pings, so that
// the server's ping timeout can be tested.
func (c *ClientConn) SetIgnorePings(ignore bool) { c.ignorePings.Store(ignore) }
