package socketio

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"rtlab/engineio"
	"rtlab/internal/wire"
)

// ClientOptions configures Dial. A nil *ClientOptions gives the defaults.
type ClientOptions struct {
	// Path is the server's Socket.IO path. Default "/socket.io/".
	Path string
	// Transport is the first transport: "websocket" (default) or
	// "polling".
	Transport string
	// Upgrade, with Transport "polling", upgrades to WebSocket when the
	// server offers it, as socket.io-client does by default.
	Upgrade bool
	// Header is sent with every HTTP request.
	Header http.Header
	// Query is added to every request's query string.
	Query url.Values
	// TLSConfig is used for https:// and wss:// URLs. Default nil: the
	// system roots.
	TLSConfig *tls.Config
	// Recorder, when set, records every packet in both directions.
	Recorder *Recorder
	// Counter, when set, counts the bytes on the wire; Client.Counter
	// returns it. Default: a fresh counter per client.
	Counter *wire.Counter
	// AckTimeout bounds EmitWithAck when its context has no deadline.
	// Default 5s.
	AckTimeout time.Duration
	// ConnectTimeout bounds Dial and Socket when their context has no
	// deadline. Default 10s.
	ConnectTimeout time.Duration
	// HandshakeTimeout bounds the Engine.IO handshake and the upgrade.
	// Default 10s (engineio's).
	HandshakeTimeout time.Duration
}

// Client is one Engine.IO connection to a Socket.IO server, socket.io-client's
// Manager: it carries one ClientSocket per namespace joined. It is a test
// instrument as much as a client: it records traffic, counts bytes, and
// can misbehave on purpose (SetIgnorePings, SendRaw, SendPacket, Drop).
type Client struct {
	opts    ClientOptions
	counter *wire.Counter
	eio     *engineio.ClientConn

	dec    Decoder // OnMessage only
	queue  serialQueue
	sendMu sync.Mutex

	mu      sync.Mutex
	sockets map[string]*ClientSocket
	closed  bool
	reason  Reason
	err     error // what ended the connection, beyond its reason
	done    chan struct{}
}

// Dial opens an Engine.IO connection to rawURL (http, https, ws or wss;
// the path, if any, is ignored in favour of opts.Path). It joins no
// namespace: call Socket for that.
func Dial(ctx context.Context, rawURL string, opts *ClientOptions) (*Client, error) {
	c := &Client{sockets: make(map[string]*ClientSocket), done: make(chan struct{})}
	if opts != nil {
		c.opts = *opts
	}
	o := &c.opts
	if o.Path == "" {
		o.Path = "/socket.io/"
	}
	if o.Transport == "" {
		o.Transport = "websocket"
	}
	if o.AckTimeout <= 0 {
		o.AckTimeout = 5 * time.Second
	}
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = 10 * time.Second
	}
	c.counter = o.Counter
	if c.counter == nil {
		c.counter = &wire.Counter{}
	}
	ctx, cancel := c.bound(ctx, o.ConnectTimeout)
	defer cancel()
	do := &engineio.DialOptions{
		Path:      o.Path,
		Transport: o.Transport,
		Upgrade:   o.Upgrade,
		Header:    o.Header,
		Query:     o.Query,
		TLSConfig: o.TLSConfig,
		Counter:   c.counter,

		HandshakeTimeout: o.HandshakeTimeout,
	}
	if o.Recorder != nil {
		do.Observer = o.Recorder.observe
	}
	ready := make(chan struct{})
	eio, err := engineio.Dial(ctx, rawURL, do, &clientHandler{c: c, ready: ready})
	if err != nil {
		close(ready)
		return nil, err
	}
	c.eio = eio
	close(ready)
	return c, nil
}

// bound gives ctx a deadline d from now when it has none.
func (c *Client) bound(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, d)
}

// clientHandler receives the engine.io traffic. It waits for Dial to have
// set c.eio before touching anything, since engineio may deliver a message
// (or a close) as soon as the handshake is done.
type clientHandler struct {
	c     *Client
	ready chan struct{}
}

func (h *clientHandler) OnMessage(data []byte, binary bool) {
	<-h.ready
	h.c.onMessage(data, binary)
}

func (h *clientHandler) OnClose(reason string, err error) {
	select {
	case <-h.ready:
	case <-time.After(5 * time.Second): // Dial failed after the handshake
	}
	h.c.onClose(Reason(reason), err)
}

// ID returns the Engine.IO session id.
func (c *Client) ID() string { return c.eio.ID() }

// Handshake returns the Engine.IO handshake (ping interval and timeout...).
func (c *Client) Handshake() engineio.Handshake { return c.eio.Handshake() }

// Transport returns the current transport, "polling" or "websocket".
func (c *Client) Transport() string { return c.eio.Transport() }

// Counter returns the byte counts of the connection, both directions.
func (c *Client) Counter() *wire.Counter { return c.counter }

// Recorder returns the recorder of ClientOptions, or nil.
func (c *Client) Recorder() *Recorder { return c.opts.Recorder }

// Done is closed when the connection has ended.
func (c *Client) Done() <-chan struct{} { return c.done }

// Reason returns why the connection ended, "" while it is open.
func (c *Client) Reason() Reason {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.reason
}

// Err returns what ended the connection beyond its Reason: the transport's
// error, or a *PacketError when the server sent a packet that is not
// Socket.IO ("parse error"). Nil while the connection is open, and after
// a close nothing went wrong in.
func (c *Client) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// SetIgnorePings makes the client stop (or resume) answering pings, to
// make the server time it out ("ping timeout").
func (c *Client) SetIgnorePings(ignore bool) { c.eio.SetIgnorePings(ignore) }

// SendRaw sends one raw Engine.IO packet as text, type digit included:
// SendRaw("42[") sends a malformed Socket.IO event.
func (c *Client) SendRaw(text string) error {
	c.sendMu.Lock()
	defer c.sendMu.Unlock()
	return c.eio.SendRaw([]byte(text), false)
}

// SendPacket sends any Socket.IO packet, such as one a polite client
// would never send, with its attachments.
func (c *Client) SendPacket(p *Packet) error {
	text, atts, err := Encode(p)
	if err != nil {
		return err
	}
	c.sendMu.Lock()
	defer c.sendMu.Unlock()
	if err := c.eio.Send(text, false); err != nil {
		return err
	}
	for _, a := range atts {
		if err := c.eio.Send(a, true); err != nil {
			return err
		}
	}
	return nil
}

// Close leaves every namespace (DISCONNECT packets), then closes the
// connection gracefully. Sockets report "io client disconnect".
func (c *Client) Close() error {
	c.mu.Lock()
	socks := make([]*ClientSocket, 0, len(c.sockets))
	for _, s := range c.sockets {
		socks = append(socks, s)
	}
	c.mu.Unlock()
	for _, s := range socks {
		s.Disconnect()
	}
	err := c.eio.Close()
	c.wait()
	return err
}

// Drop closes the TCP connection without any close packet, an abrupt
// disconnect; the server should see "transport close".
func (c *Client) Drop() error {
	err := c.eio.Drop()
	c.wait()
	return err
}

// wait waits (boundedly) for the connection to be over and the handlers
// to have run.
func (c *Client) wait() {
	select {
	case <-c.eio.Done():
	case <-time.After(5 * time.Second):
	}
	select {
	case <-c.done:
	case <-time.After(5 * time.Second):
	}
	c.queue.wait(handlerWait)
}

func (c *Client) send(p *Packet) error {
	err := c.SendPacket(p)
	if err != nil && !errors.As(err, new(*EncodeError)) {
		return fmt.Errorf("%w: %v", ErrClosed, err)
	}
	return err
}

func (c *Client) onMessage(data []byte, binary bool) {
	p, err := c.dec.Add(data, binary)
	if err != nil {
		// socket.io-client closes the whole connection on a parse error.
		c.mu.Lock()
		if c.err == nil {
			c.err = &PacketError{Data: bytes.Clone(data), Err: err}
		}
		c.mu.Unlock()
		c.closeSockets(ReasonParseError)
		c.eio.Close()
		return
	}
	if p == nil {
		return
	}
	c.mu.Lock()
	s := c.sockets[p.Namespace]
	c.mu.Unlock()
	if s == nil {
		return
	}
	s.onPacket(p)
}

func (c *Client) onClose(reason Reason, err error) {
	c.mu.Lock()
	if c.err == nil {
		c.err = err
	}
	c.mu.Unlock()
	c.closeSockets(reason)
	c.mu.Lock()
	if c.reason == "" {
		c.reason = reason
	}
	c.mu.Unlock()
	close(c.done)
}

// closeSockets ends every socket with reason; only the first call counts.
func (c *Client) closeSockets(reason Reason) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	c.reason = reason
	socks := c.sockets
	c.sockets = map[string]*ClientSocket{}
	c.mu.Unlock()
	for _, s := range socks {
		s.end(reason)
	}
}

// Socket joins namespace with auth as the CONNECT payload (nil for none)
// and waits for the server's answer. A refusal is a *ConnectError whose
// Data is the json.RawMessage the server sent. One namespace can be
// joined once at a time per Client.
//
// Events the server emits as soon as it accepts the socket may reach the
// socket before Socket returns and be handled by no one: to see them, use
// NewSocket, set the handlers, then Connect.
func (c *Client) Socket(ctx context.Context, namespace string, auth any) (*ClientSocket, error) {
	s := c.NewSocket(namespace)
	if err := s.Connect(ctx, auth); err != nil {
		return nil, err
	}
	return s, nil
}

// NewSocket returns a socket for namespace that has not joined yet, so
// that handlers can be set before Connect sends the CONNECT packet.
func (c *Client) NewSocket(namespace string) *ClientSocket {
	if namespace == "" {
		namespace = "/"
	}
	if !strings.HasPrefix(namespace, "/") {
		namespace = "/" + namespace
	}
	return &ClientSocket{c: c, nsp: namespace, handlers: map[string]func(*Event){},
		connected: make(chan error, 1), done: make(chan struct{})}
}

// Connect joins the socket's namespace with auth as the CONNECT payload
// (nil for none) and waits for the answer, ConnectTimeout at most when ctx
// has no deadline. A refusal is a *ConnectError. A socket connects once:
// after a refusal or a disconnect, make a new one.
func (s *ClientSocket) Connect(ctx context.Context, auth any) error {
	c := s.c
	var data json.RawMessage
	if auth != nil {
		b, err := json.Marshal(auth)
		if err != nil {
			return err
		}
		data = b
	}
	s.mu.Lock()
	if s.state != 0 || s.sent {
		s.mu.Unlock()
		return fmt.Errorf("socketio: socket for %s already used; make a new one", s.nsp)
	}
	s.sent = true
	s.mu.Unlock()
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		s.end("")
		return ErrClosed
	}
	if c.sockets[s.nsp] != nil {
		c.mu.Unlock()
		s.end("")
		return fmt.Errorf("%w: %s", ErrJoined, s.nsp)
	}
	c.sockets[s.nsp] = s
	c.mu.Unlock()
	ctx, cancel := c.bound(ctx, c.opts.ConnectTimeout)
	defer cancel()
	if err := c.send(&Packet{Type: PacketConnect, Namespace: s.nsp, Data: data}); err != nil {
		c.forget(s)
		s.end("")
		return err
	}
	select {
	case err := <-s.connected:
		if err != nil {
			c.forget(s)
			return err
		}
		return nil
	case <-ctx.Done():
		c.forget(s)
		s.end("")
		return fmt.Errorf("socketio: no answer to CONNECT %s: %w", s.nsp, ctx.Err())
	}
}

func (c *Client) forget(s *ClientSocket) {
	c.mu.Lock()
	if c.sockets[s.nsp] == s {
		delete(c.sockets, s.nsp)
	}
	c.mu.Unlock()
}
