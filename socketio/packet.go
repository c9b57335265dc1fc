package socketio

import (
	"encoding/json"
	"strconv"
)

// PacketType is the first character of every Socket.IO packet.
type PacketType byte

// The seven packet types of protocol revision 5.
const (
	PacketConnect      PacketType = 0 // CONNECT: join a namespace (client) or accept it (server)
	PacketDisconnect   PacketType = 1 // DISCONNECT: leave a namespace
	PacketEvent        PacketType = 2 // EVENT: an event with JSON arguments
	PacketAck          PacketType = 3 // ACK: the reply to an event that asked for one
	PacketConnectError PacketType = 4 // CONNECT_ERROR: namespace refused
	PacketBinaryEvent  PacketType = 5 // BINARY_EVENT: an event with binary attachments
	PacketBinaryAck    PacketType = 6 // BINARY_ACK: an ack with binary attachments
)

var packetTypeNames = [...]string{"CONNECT", "DISCONNECT", "EVENT", "ACK", "CONNECT_ERROR", "BINARY_EVENT", "BINARY_ACK"}

// String returns the name the protocol document uses, such as "BINARY_EVENT".
func (t PacketType) String() string {
	if int(t) < len(packetTypeNames) {
		return packetTypeNames[t]
	}
	return "PacketType(" + strconv.Itoa(int(t)) + ")"
}

// Valid reports whether t is one of the seven packet types.
func (t PacketType) Valid() bool { return t <= PacketBinaryAck }

// IsBinary reports whether packets of type t carry attachments.
func (t PacketType) IsBinary() bool { return t == PacketBinaryEvent || t == PacketBinaryAck }

// Packet is one Socket.IO packet, decoded or about to be encoded.
//
// Data holds the JSON payload exactly as it travels, placeholders included;
// Attachments holds the binary attachments in placeholder order.
type Packet struct {
	Type PacketType
	// Namespace is the namespace the packet belongs to. "" and "/" both
	// mean the main namespace; the decoder always sets "/" for it.
	Namespace string
	// ID is the acknowledgement id, nil when the packet has none.
	ID *uint64
	// Data is the JSON payload, nil when the packet has none.
	Data json.RawMessage
	// Attachments are the binary attachments of a BINARY_EVENT or
	// BINARY_ACK packet.
	Attachments [][]byte

	id uint64 // where a decoded packet's ID points: no allocation of its own
}

// HasID reports whether the packet carries an acknowledgement id.
func (p *Packet) HasID() bool { return p.ID != nil }

// String returns the text form of the packet, followed by the number of
// attachments when there are any; meant for logs and test failures.
func (p *Packet) String() string {
	b := p.appendText(nil)
	if n := len(p.Attachments); n > 0 {
		b = append(b, " +"...)
		b = strconv.AppendInt(b, int64(n), 10)
		b = append(b, " attachment(s)"...)
	}
	return string(b)
}

// uint64p returns a pointer to a copy of v, for Packet.ID.
func uint64p(v uint64) *uint64 { return &v }
