package socketio

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"rtlab/engineio"
)

// Socket is one client's membership of one namespace, on the server.
// Its methods are safe for concurrent use. Handlers registered with On,
// OnAny and OnDisconnect run one at a time per connection, in the order
// the packets arrived.
type Socket struct {
	id   string
	nsp  *Namespace
	conn *conn
	acks acks

	// The handshake is built on first use (Handshake): its query map and
	// strings were a sixth of an idle connection's heap, and most sockets
	// never ask. auth and joined (Unix nanoseconds: 8 bytes where a
	// time.Time takes 24) are what it needs from the join; hs is guarded
	// by mu.
	hs     *Handshake
	auth   json.RawMessage
	joined int64

	mu       sync.RWMutex
	handlers []namedHandler // few per socket: a slice is a fifth of a map's bytes
	onDisc   []func(Reason)
	rare     *socketRare // made on first use
	reason   Reason
	done     chan struct{}

	// While the namespace's connect handlers run, what is sent to the
	// socket waits in *held, the CONNECT packet first; held is nil once
	// they have returned (most of the socket's life). Guarded by
	// conn.sendMu. See conn.connect.
	held *[]*engineio.Message

	connected bool // under mu
}

// socketRare is what few sockets use, kept out of Socket so that an idle
// socket does not carry its bytes: OnAny handlers and values stored with
// Set. Guarded by Socket.mu.
type socketRare struct {
	onAny []func(*Event)
	data  map[string]any
}

// rareLocked returns s.rare, made if need be; s.mu is held for writing.
func (s *Socket) rareLocked() *socketRare {
	if s.rare == nil {
		s.rare = &socketRare{}
	}
	return s.rare
}

func newSocket(n *Namespace, c *conn, auth json.RawMessage) *Socket {
	return &Socket{
		id:        newID(),
		nsp:       n,
		conn:      c,
		auth:      auth,
		joined:    time.Now().UnixNano(),
		connected: true,
	}
}

// newID returns a random socket id, 20 characters of base64url like
// socket.io's.
func newID() string {
	var b [15]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// ID returns the socket's id, which the client also learns. It is not the
// engine.io session id.
func (s *Socket) ID() string { return s.id }

// Namespace returns the namespace the socket belongs to.
func (s *Socket) Namespace() *Namespace { return s.nsp }

// Handshake returns the details of the connection.
func (s *Socket) Handshake() *Handshake {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hs == nil {
		s.hs = s.conn.handshake(s.auth, time.Unix(0, s.joined))
		s.auth = nil
	}
	return s.hs
}

// EngineID returns the id of the engine.io connection under the socket.
func (s *Socket) EngineID() string { return s.conn.ec.ID() }

// Transport returns the current transport, "polling" or "websocket".
func (s *Socket) Transport() string { return s.conn.ec.Transport() }

// Set stores a value on the socket, for middleware to pass to handlers
// (socket.data in socket.io).
func (s *Socket) Set(key string, v any) {
	s.mu.Lock()
	r := s.rareLocked()
	if r.data == nil {
		r.data = make(map[string]any)
	}
	r.data[key] = v
	s.mu.Unlock()
}

// Get returns a value stored with Set, or nil.
func (s *Socket) Get(key string) any {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.rare == nil {
		return nil
	}
	return s.rare.data[key]
}

// On sets the handler of an event, replacing any previous one.
func (s *Socket) On(event string, h func(e *Event)) {
	s.mu.Lock()
	for i := range s.handlers {
		if s.handlers[i].name == event {
			s.handlers[i].h = h
			s.mu.Unlock()
			return
		}
	}
	s.handlers = append(s.handlers, namedHandler{event, h})
	s.mu.Unlock()
}

// OnAny adds a handler called for every event, before the event's own.
func (s *Socket) OnAny(h func(e *Event)) {
	s.mu.Lock()
	r := s.rareLocked()
	r.onAny = append(r.onAny, h)
	s.mu.Unlock()
}

// OnDisconnect adds a handler called once when the socket leaves, with
// the reason. Its rooms are already left by then.
func (s *Socket) OnDisconnect(h func(reason Reason)) {
	s.mu.Lock()
	s.onDisc = append(s.onDisc, h)
	s.mu.Unlock()
}

// Connected reports whether the socket is still in its namespace.
func (s *Socket) Connected() bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.connected
}

// Done is closed when the socket has left its namespace.
func (s *Socket) Done() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done == nil {
		if !s.connected {
			return closedChan
		}
		s.done = make(chan struct{}) // on first use: most sockets never need it
	}
	return s.done
}

// closedChan is the Done channel of a socket that left before anyone asked.
var closedChan = func() chan struct{} { ch := make(chan struct{}); close(ch); return ch }()

// Emit sends an event to this socket's client. []byte arguments are sent
// as binary attachments.
func (s *Socket) Emit(event string, args ...any) error {
	if IsReservedEvent(event) {
		return fmt.Errorf("socketio: %q is a reserved event name", event)
	}
	if !s.Connected() {
		return ErrClosed
	}
	p, err := NewEventPacket(s.nsp.name, event, args...)
	if err != nil {
		return err
	}
	return s.sendPacket(p)
}

// send writes the messages of one packet to the socket's client, or holds
// them behind the CONNECT while the connect handlers run.
func (s *Socket) send(msgs []*engineio.Message) error {
	c := s.conn
	c.sendMu.Lock()
	defer c.sendMu.Unlock()
	if s.held != nil {
		*s.held = append(*s.held, msgs...)
		return nil
	}
	return c.sendLocked(msgs)
}

// sendPacket is send for a packet not yet encoded; a packet of one message
// goes out with engineio's SendNow (see conn.sendPacket).
func (s *Socket) sendPacket(p *Packet) error {
	c := s.conn
	c.sendMu.Lock()
	holding := s.held != nil
	c.sendMu.Unlock()
	if !holding {
		return c.sendPacket(p)
	}
	msgs, err := messagesOf(p)
	if err != nil {
		return err
	}
	return s.send(msgs)
}

// sendAck answers ack id with args. An ack without binary arguments (the
// usual one) is encoded into a reused buffer and written from it
// (engineio's SendNowText): no packet, message or frame is allocated
// unless the connection is busy.
func (s *Socket) sendAck(id uint64, args []any) error {
	for _, a := range args {
		if _, ok := a.([]byte); ok {
			ap, err := NewAckPacket(s.nsp.name, id, args...)
			if err != nil {
				return err
			}
			return s.sendPacket(ap)
		}
	}
	bp := ackBufPool.Get().(*[]byte)
	b := append((*bp)[:0], '0'+byte(PacketAck))
	if n := s.nsp.name; n != "" && n != "/" {
		b = append(b, n...)
		b = append(b, ',')
	}
	b = strconv.AppendUint(b, id, 10)
	b, _, err := appendArgs(b, "", false, args)
	if err == nil {
		err = s.sendText(b)
	}
	if cap(b) <= 64<<10 {
		*bp = b[:0]
		ackBufPool.Put(bp)
	}
	return err
}

var ackBufPool = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// sendText sends one text packet already encoded in b, which it does not
// keep: held (engineio.NewMessage copies a text message's data) or
// written at once with SendNowText.
func (s *Socket) sendText(b []byte) error {
	c := s.conn
	c.sendMu.Lock()
	defer c.sendMu.Unlock()
	if s.held != nil {
		*s.held = append(*s.held, engineio.NewMessage(b, false))
		return nil
	}
	if c.ec.SendNowText(b) != nil {
		return ErrClosed
	}
	return nil
}

// hold starts holding what is sent to the socket, first is the CONNECT.
func (s *Socket) hold(first []*engineio.Message) {
	held := append([]*engineio.Message(nil), first...)
	s.conn.sendMu.Lock()
	s.held = &held
	s.conn.sendMu.Unlock()
}

// release sends what was held, in order, and ends the hold. It is called
// when the connect handlers return, and earlier when they wait for the
// client (an ack) or disconnect the socket: the client must then have the
// CONNECT. Calling it again does nothing.
func (s *Socket) release() {
	c := s.conn
	c.sendMu.Lock()
	defer c.sendMu.Unlock()
	if s.held == nil {
		return
	}
	held := *s.held
	s.held = nil
	if len(held) == 0 {
		return
	}
	// The CONNECT (one message) goes out on its own, written at once when
	// the connection is idle, and the rest after it: as with socket.io,
	// whose engine writes what queues up during a write in the next one,
	// a client sees the CONNECT first even if it handles one read at a
	// time.
	if c.ec.SendNow(held[0]) != nil {
		return
	}
	_ = c.sendLocked(held[1:])
}

// dropHeld ends the hold without sending anything.
func (s *Socket) dropHeld() {
	s.conn.sendMu.Lock()
	s.held = nil
	s.conn.sendMu.Unlock()
}

// EmitWithAck sends an event asking for an acknowledgement and waits for
// it until ctx ends or the socket disconnects. It returns the ack's
// arguments; use EmitWithAckEvent to get binary ones too.
func (s *Socket) EmitWithAck(ctx context.Context, event string, args ...any) ([]json.RawMessage, error) {
	e, err := s.EmitWithAckEvent(ctx, event, args...)
	if err != nil {
		return nil, err
	}
	return e.Args, nil
}

// EmitWithAckEvent is EmitWithAck returning the whole ack: arguments and
// attachments (resolve them with Bytes or Bind).
func (s *Socket) EmitWithAckEvent(ctx context.Context, event string, args ...any) (*Event, error) {
	if IsReservedEvent(event) {
		return nil, fmt.Errorf("socketio: %q is a reserved event name", event)
	}
	p, err := NewEventPacket(s.nsp.name, event, args...)
	if err != nil {
		return nil, err
	}
	// A connect handler waiting for its client's answer lets the CONNECT
	// (and whatever it held) go first, or the answer could never come; in
	// socket.io an await there likewise lets other packets in.
	return waitAck(ctx, &s.acks, p, event, func(p *Packet) error {
		s.release()
		if err := s.sendPacket(p); err != nil {
			return err
		}
		// A handler run on the connection's reader (conn.OnMessage) would
		// otherwise wait for the answer that reader is to read.
		s.conn.ec.HandOff()
		return nil
	})
}

// waitAck sends p with a fresh ack id from a and waits for the answer.
func waitAck(ctx context.Context, a *acks, p *Packet, event string, send func(*Packet) error) (*Event, error) {
	id, ch, ok := a.add()
	if !ok {
		return nil, ErrClosed
	}
	p.ID = &id
	if err := send(p); err != nil {
		a.cancel(id)
		return nil, err
	}
	select {
	case e, ok := <-ch:
		if !ok {
			return nil, fmt.Errorf("socketio: no ack for %q: %w", event, ErrClosed)
		}
		e.Name = event
		return e, nil
	case <-ctx.Done():
		a.cancel(id)
		return nil, fmt.Errorf("socketio: no ack for %q: %w", event, ctx.Err())
	}
}

// Join adds the socket to rooms.
func (s *Socket) Join(rooms ...string) {
	if s.Connected() {
		s.nsp.rooms.join(s, rooms...)
	}
}

// Leave removes the socket from room.
func (s *Socket) Leave(room string) { s.nsp.rooms.leave(s, room) }

// Rooms returns the rooms the socket is in, its own id room included.
func (s *Socket) Rooms() []string { return s.nsp.rooms.roomsOf(s.id) }

// To returns a broadcast to rooms that leaves this socket out, like
// socket.to(room) in socket.io.
func (s *Socket) To(rooms ...string) *Broadcast {
	return (&Broadcast{nsp: s.nsp, exceptID: s.id}).To(rooms...)
}

// Except returns a broadcast to every other socket of the namespace
// except those in rooms.
func (s *Socket) Except(rooms ...string) *Broadcast {
	return (&Broadcast{nsp: s.nsp, exceptID: s.id}).Except(rooms...)
}

// Broadcast returns a broadcast to every other socket of the namespace,
// like socket.broadcast in socket.io.
func (s *Socket) Broadcast() *Broadcast { return &Broadcast{nsp: s.nsp, exceptID: s.id} }

// Disconnect makes the socket leave its namespace with reason "server
// namespace disconnect"; the client is told with a DISCONNECT packet. With
// close set, the whole connection is closed, every namespace of it
// included.
func (s *Socket) Disconnect(close bool) {
	if close {
		s.conn.mu.Lock()
		socks := slices.Clone(s.conn.sockets)
		s.conn.mu.Unlock()
		for _, o := range socks {
			o.Disconnect(false)
		}
		s.conn.shutdown(ReasonServerNamespaceDisconnect)
		return
	}
	if !s.Connected() {
		return
	}
	s.release() // the client gets its CONNECT before the DISCONNECT
	_ = s.sendPacket(&Packet{Type: PacketDisconnect, Namespace: s.nsp.name})
	s.conn.remove(s)
	s.closed(ReasonServerNamespaceDisconnect)
}

// onPacket handles an EVENT or DISCONNECT for this socket, on the
// connection's queue.
func (s *Socket) onPacket(p *Packet) {
	switch p.Type {
	case PacketEvent, PacketBinaryEvent:
		e, err := eventOf(p)
		if err != nil {
			return
		}
		if p.ID != nil {
			e.ackSock, e.ackID = s, *p.ID
			e.Ack = e.serverAck
		}
		s.mu.RLock()
		h := s.handler(e.Name)
		var anys []func(*Event)
		if s.rare != nil {
			anys = s.rare.onAny
		}
		s.mu.RUnlock()
		for _, a := range anys {
			a(e)
		}
		if h != nil {
			h(e)
		}
	case PacketDisconnect:
		s.conn.remove(s)
		s.closed(ReasonClientNamespaceDisconnect)
	}
}

// namedHandler is the handler of one event name.
type namedHandler struct {
	name string
	h    func(*Event)
}

// handler returns the handler of event, or nil; s.mu is held.
func (s *Socket) handler(event string) func(*Event) {
	for i := range s.handlers {
		if s.handlers[i].name == event {
			return s.handlers[i].h
		}
	}
	return nil
}

// closed ends the socket: rooms left, pending acks failed, disconnect
// handlers queued. Only the first call does anything.
func (s *Socket) closed(reason Reason) {
	s.mu.Lock()
	if !s.connected {
		s.mu.Unlock()
		return
	}
	s.connected = false
	s.reason = reason
	hs := s.onDisc
	done := s.done
	s.mu.Unlock()
	s.nsp.remove(s)
	s.acks.close()
	if done != nil {
		close(done)
	}
	s.conn.queue.push(func() {
		for _, h := range hs {
			h(reason)
		}
	})
}

// DisconnectReason returns why the socket left, "" while connected.
func (s *Socket) DisconnectReason() Reason {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.reason
}
