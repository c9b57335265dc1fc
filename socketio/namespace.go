package socketio

import (
	"sync"
)

// Namespace is a communication channel multiplexed over the connections,
// like io.of("/admin") in socket.io. Each client joins it with its own
// Socket; rooms live inside a namespace.
type Namespace struct {
	srv  *Server
	name string

	mu        sync.RWMutex
	mws       []func(*Socket) error
	onConnect []func(*Socket)
	sockets   map[string]*Socket

	rooms adapter
}

func newNamespace(s *Server, name string) *Namespace {
	n := &Namespace{srv: s, name: name, sockets: make(map[string]*Socket)}
	n.rooms.init()
	return n
}

// Name returns the namespace's name, such as "/" or "/admin".
func (n *Namespace) Name() string { return n.name }

// Use adds a middleware run, in order, for every socket before it joins.
// An error refuses the connection with a CONNECT_ERROR: a *ConnectError
// sets its message and data, any other error gives err.Error() as the
// message. Middleware runs on the connection's handler goroutine and may
// block (for a database, say) without stalling other connections.
func (n *Namespace) Use(mw func(s *Socket) error) {
	n.mu.Lock()
	n.mws = append(n.mws, mw)
	n.mu.Unlock()
}

// OnConnect adds a handler called when a socket has joined. Register the
// socket's event handlers there. As in socket.io, what the handlers do is
// done before the client can act on its CONNECT: the CONNECT, and whatever
// is sent to the socket meanwhile, waits until the handlers have returned
// (or until one waits for an ack from this socket or disconnects it).
func (n *Namespace) OnConnect(h func(s *Socket)) {
	n.mu.Lock()
	n.onConnect = append(n.onConnect, h)
	n.mu.Unlock()
}

// OnRoomEvent adds a handler for the room bookkeeping of this namespace:
// create-room, join-room, leave-room and delete-room, as socket.io's
// adapter emits them. It is called synchronously by Join, Leave and
// disconnects, in order.
func (n *Namespace) OnRoomEvent(h func(RoomEvent)) {
	n.rooms.onEvent(h)
}

func (n *Namespace) runMiddleware(s *Socket) error {
	n.mu.RLock()
	mws := n.mws
	n.mu.RUnlock()
	for _, mw := range mws {
		if err := mw(s); err != nil {
			return err
		}
	}
	return nil
}

func (n *Namespace) add(s *Socket) {
	n.mu.Lock()
	n.sockets[s.id] = s
	n.mu.Unlock()
	n.rooms.join(s, s.id) // every socket is in the room named after it
}

func (n *Namespace) remove(s *Socket) {
	n.mu.Lock()
	delete(n.sockets, s.id)
	n.mu.Unlock()
	n.rooms.leaveAll(s)
}

func (n *Namespace) connected(s *Socket) {
	n.mu.RLock()
	hs := n.onConnect
	n.mu.RUnlock()
	for _, h := range hs {
		h(s)
	}
}

// Sockets returns the sockets connected to the namespace.
func (n *Namespace) Sockets() []*Socket {
	n.mu.RLock()
	defer n.mu.RUnlock()
	out := make([]*Socket, 0, len(n.sockets))
	for _, s := range n.sockets {
		out = append(out, s)
	}
	return out
}

// Socket returns the connected socket with the given id, or nil.
func (n *Namespace) Socket(id string) *Socket {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return n.sockets[id]
}

// Rooms returns the names of the rooms that have members, the rooms named
// after each socket included (as in socket.io's adapter).
func (n *Namespace) Rooms() []string { return n.rooms.names() }

// RoomSize returns the number of sockets in room.
func (n *Namespace) RoomSize(room string) int { return n.rooms.size(room) }

// To returns a broadcast to the sockets in any of rooms.
func (n *Namespace) To(rooms ...string) *Broadcast { return (&Broadcast{nsp: n}).To(rooms...) }

// Except returns a broadcast to every socket except those in rooms.
func (n *Namespace) Except(rooms ...string) *Broadcast { return (&Broadcast{nsp: n}).Except(rooms...) }

// Emit sends an event to every socket of the namespace.
func (n *Namespace) Emit(event string, args ...any) error {
	return (&Broadcast{nsp: n}).Emit(event, args...)
}
