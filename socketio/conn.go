package socketio

import (
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"

	"rtlab/engineio"
)

// conn is the server side of one Engine.IO connection: it decodes packets,
// owns the sockets of each namespace joined over it, and serialises
// handler calls on its queue.
type conn struct {
	srv *Server
	ec  *engineio.Conn

	dec   Decoder     // used by OnMessage only, which engineio calls sequentially
	queue serialQueue // middleware, connect, event and disconnect handlers

	sendMu sync.Mutex // keeps a binary packet's messages together

	mu       sync.Mutex
	sockets  []*Socket   // one per namespace joined; a slice, as there are few
	timer    *time.Timer // ConnectTimeout
	closed   bool
	everJoin bool
}

func newConn(s *Server, ec *engineio.Conn) *conn {
	c := &conn{srv: s, ec: ec}
	c.timer = time.AfterFunc(s.connectTimeout, func() {
		c.mu.Lock()
		joined := c.everJoin
		c.mu.Unlock()
		if !joined {
			ec.Close()
		}
	})
	return c
}

// send writes the messages of one packet, in order, without another
// packet's messages in between.
func (c *conn) send(msgs []*engineio.Message) error {
	c.sendMu.Lock()
	defer c.sendMu.Unlock()
	return c.sendLocked(msgs)
}

// sendLocked is send with c.sendMu held.
func (c *conn) sendLocked(msgs []*engineio.Message) error {
	for _, m := range msgs {
		if err := c.ec.Send(m); err != nil {
			return ErrClosed
		}
	}
	return nil
}

// sendPacket encodes p and sends it to this one connection: a packet of
// one message (no attachments) is written at once when the connection is
// idle (engineio's SendNow), which is most of an ack's latency.
func (c *conn) sendPacket(p *Packet) error {
	msgs, err := messagesOf(p)
	if err != nil {
		return err
	}
	if len(msgs) == 1 {
		c.sendMu.Lock()
		defer c.sendMu.Unlock()
		if c.ec.SendNow(msgs[0]) != nil {
			return ErrClosed
		}
		return nil
	}
	return c.send(msgs)
}

// messagesOf encodes p as the engine.io messages that carry it.
func messagesOf(p *Packet) ([]*engineio.Message, error) {
	text, atts, err := Encode(p)
	if err != nil {
		return nil, err
	}
	msgs := make([]*engineio.Message, 0, 1+len(atts))
	msgs = append(msgs, engineio.NewMessage(text, false))
	for _, a := range atts {
		msgs = append(msgs, engineio.NewMessage(a, true))
	}
	return msgs, nil
}

// OnMessage implements engineio.Handler.
func (c *conn) OnMessage(data []byte, binary bool) {
	p, err := c.dec.addOwned(data, binary)
	if err != nil {
		// A packet that does not parse ends the whole connection, every
		// namespace with "parse error". (socket.io 4.8.1 closes the
		// connection too, but its sockets then report "forced close".)
		c.failAcks()
		c.queue.push(func() { c.shutdown(ReasonParseError) })
		return
	}
	if p == nil {
		return
	}
	switch p.Type {
	case PacketConnect:
		c.queue.push(func() { c.connect(p) })
		return
	case PacketAck, PacketBinaryAck:
		// Acks are delivered here, not on the queue, so that a handler
		// blocked in EmitWithAck gets its answer.
		if s := c.socket(p.Namespace); s != nil && p.ID != nil {
			if e, err := ackOf(p); err == nil {
				s.acks.deliver(*p.ID, e)
			}
		}
		return
	}
	if c.ec.CanHandOff() && c.queue.begin() {
		// On the WebSocket reader: an idle connection runs the handler
		// here, and its ack goes out on this goroutine too. A handler
		// that waits for its client frees the reader (see EmitWithAck).
		c.onPacket(p)
		c.queue.end()
		return
	}
	c.queue.push(func() { c.onPacket(p) })
}

// onPacket hands an EVENT or DISCONNECT to its socket, on the queue.
func (c *conn) onPacket(p *Packet) {
	s := c.socket(p.Namespace)
	if s == nil {
		return // socket.io ignores packets for a namespace not joined
	}
	s.onPacket(p)
}

// OnClose implements engineio.Handler. The sockets are closed on the
// queue, after the packets that arrived before the close (a DISCONNECT
// followed by the transport closing must read "client namespace
// disconnect"); pending acks fail at once so that no handler stays blocked.
func (c *conn) OnClose(reason string, err error) {
	c.failAcks()
	c.queue.push(func() { c.shutdownFrom(Reason(reason), false) })
}

// failAcks fails every ack the sockets of c wait for.
func (c *conn) failAcks() {
	c.mu.Lock()
	socks := slices.Clone(c.sockets)
	c.mu.Unlock()
	for _, s := range socks {
		s.acks.close()
	}
}

// socketLocked returns the socket of namespace nsp, or nil; c.mu is held.
func (c *conn) socketLocked(nsp string) *Socket {
	for _, s := range c.sockets {
		if s.nsp.name == nsp {
			return s
		}
	}
	return nil
}

func (c *conn) socket(nsp string) *Socket {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.socketLocked(nsp)
}

// shutdown disconnects every socket with reason and closes the engine.io
// connection.
func (c *conn) shutdown(reason Reason) { c.shutdownFrom(reason, true) }

func (c *conn) shutdownFrom(reason Reason, closeEngine bool) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	if c.timer != nil {
		c.timer.Stop()
	}
	socks := c.sockets
	c.sockets = nil
	c.mu.Unlock()
	for _, s := range socks {
		s.closed(reason)
	}
	if closeEngine {
		c.ec.Close()
	}
	c.srv.forget(c)
}

// connect handles a CONNECT packet: find the namespace, run its
// middleware, then accept (CONNECT with the sid) or refuse (CONNECT_ERROR).
func (c *conn) connect(p *Packet) {
	n := c.srv.namespace(p.Namespace)
	if n == nil {
		c.sendPacket(connectErrorPacket(p.Namespace, &ConnectError{Message: "Invalid namespace"}))
		return
	}
	c.mu.Lock()
	if c.closed || c.socketLocked(p.Namespace) != nil {
		c.mu.Unlock()
		return
	}
	c.mu.Unlock()
	s := newSocket(n, c, p.Data)
	if err := n.runMiddleware(s); err != nil {
		ce, ok := err.(*ConnectError)
		if !ok {
			ce = &ConnectError{Message: err.Error()}
		}
		c.sendPacket(connectErrorPacket(p.Namespace, ce))
		return
	}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.sockets = append(c.sockets, s)
	c.everJoin = true
	if c.timer != nil {
		c.timer.Stop()
		c.timer = nil // a joined connection keeps no timer
	}
	c.mu.Unlock()
	// socket.io queues the CONNECT, then runs the connection handlers to
	// completion before it reads any other packet: whatever they do (join
	// rooms, register the user) is done before any client can act on the
	// CONNECT, and what they emit follows it. Here other connections'
	// handlers run meanwhile, so the CONNECT and everything sent to the
	// socket (its handlers' emits, other clients' broadcasts) is held until
	// the handlers return. A client told it is connected is then in its
	// rooms.
	sid, _ := json.Marshal(map[string]string{"sid": s.id})
	cm, _ := messagesOf(&Packet{Type: PacketConnect, Namespace: p.Namespace, Data: sid})
	s.hold(cm)
	defer s.release() // also if a handler panics
	n.add(s)
	if !s.Connected() {
		// Closed between the two locks (Server.Close, say): undo the add;
		// the client is not told it joined.
		s.dropHeld()
		n.remove(s)
		return
	}
	n.connected(s)
}

// remove forgets the socket of a namespace (it left).
func (c *conn) remove(s *Socket) {
	c.mu.Lock()
	if i := slices.Index(c.sockets, s); i >= 0 {
		c.sockets = slices.Delete(c.sockets, i, i+1)
	}
	c.mu.Unlock()
}

// handshake builds a socket's Handshake from the connection's request, the
// CONNECT packet's auth and when it joined.
func (c *conn) handshake(auth json.RawMessage, joined time.Time) *Handshake {
	r := c.ec.Request()
	h := &Handshake{Auth: auth, Time: joined}
	if len(h.Auth) == 0 {
		h.Auth = json.RawMessage(`{}`)
	}
	if r != nil {
		h.Header = r.Header // shared with the engine.io request: read only
		h.Query = r.URL.Query()
		h.URL = r.URL.RequestURI()
		h.Secure = r.TLS != nil
		h.Address = r.RemoteAddr
		if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
			h.Address = host
		}
		h.XDomain = r.Header.Get("Origin") != ""
	}
	if h.Query == nil {
		h.Query = url.Values{}
	}
	return h
}

func connectErrorPacket(nsp string, ce *ConnectError) *Packet {
	body := map[string]any{"message": ce.Message}
	if ce.Data != nil {
		body["data"] = ce.Data
	}
	data, err := json.Marshal(body)
	if err != nil {
		data, _ = json.Marshal(map[string]string{"message": ce.Message})
	}
	return &Packet{Type: PacketConnectError, Namespace: nsp, Data: data}
}

// Handshake is what a socket knows about how its client connected, like
// socket.handshake in socket.io.
type Handshake struct {
	// Auth is the CONNECT packet's payload, {} when there was none.
	Auth json.RawMessage
	// Header are the headers of the request that opened the connection
	// (those of Conn.Request in package engineio, not a copy: read only).
	Header http.Header
	// Query is the query string of that request.
	Query url.Values
	// Address is the client's IP address.
	Address string
	// Time is when the socket joined its namespace.
	Time time.Time
	// URL is the request URI of the first request.
	URL string
	// Secure reports whether the connection is over TLS.
	Secure bool
	// XDomain reports whether the request carried an Origin header.
	XDomain bool
}
