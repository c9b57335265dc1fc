package socketio

// Broadcast is an emission to many sockets of a namespace, built with To
// and Except, like io.to("room").except("other") in socket.io. A Broadcast
// is a value: To and Except return a new one and leave the receiver as it
// was, so a partial broadcast can be reused.
type Broadcast struct {
	nsp      *Namespace
	rooms    []string
	except   []string
	exceptID string // socket.to and socket.broadcast leave the sender out
}

// To returns a broadcast also reaching the sockets in rooms. With no room
// at all, a broadcast reaches every socket of the namespace.
func (b *Broadcast) To(rooms ...string) *Broadcast {
	c := *b
	c.rooms = append(append([]string(nil), b.rooms...), rooms...)
	return &c
}

// In is the same as To.
func (b *Broadcast) In(rooms ...string) *Broadcast { return b.To(rooms...) }

// Except returns a broadcast that leaves out the sockets in rooms.
func (b *Broadcast) Except(rooms ...string) *Broadcast {
	c := *b
	c.except = append(append([]string(nil), b.except...), rooms...)
	return &c
}

// Sockets returns the sockets the broadcast would reach now.
func (b *Broadcast) Sockets() []*Socket {
	var all []*Socket
	if len(b.rooms) == 0 {
		all = b.nsp.Sockets()
	}
	return b.nsp.rooms.targets(all, b.rooms, b.except, b.exceptID)
}

// Emit sends the event to every socket the broadcast reaches. The packet
// is encoded once, and each of its engine.io messages is built once and
// shared by every connection. Sockets whose connection is closing are
// skipped; the error is only about encoding.
func (b *Broadcast) Emit(event string, args ...any) error {
	p, err := NewEventPacket(b.nsp.name, event, args...)
	if err != nil {
		return err
	}
	msgs, err := messagesOf(p)
	if err != nil {
		return err
	}
	for _, s := range b.Sockets() {
		_ = s.send(msgs)
	}
	return nil
}

// Join makes every socket the broadcast reaches join rooms (socketsJoin).
func (b *Broadcast) Join(rooms ...string) {
	for _, s := range b.Sockets() {
		s.Join(rooms...)
	}
}

// Leave makes every socket the broadcast reaches leave room.
func (b *Broadcast) Leave(room string) {
	for _, s := range b.Sockets() {
		s.Leave(room)
	}
}

// Disconnect disconnects every socket the broadcast reaches.
func (b *Broadcast) Disconnect(close bool) {
	for _, s := range b.Sockets() {
		s.Disconnect(close)
	}
}
