package engineio

import (
	"encoding/base64"
	"sync"
)

// Handler receives one session's traffic. Calls are sequential per
// connection.
type Handler interface {
	// OnMessage is called for each message packet; data is the handler's
	// to keep.
	OnMessage(data []byte, binary bool)
	// OnClose is called exactly once, after which OnMessage is not called.
	OnClose(reason string, err error)
}

// Message is a packet encoded once, to be sent to many connections: a
// broadcast to a thousand WebSocket connections writes the same bytes a
// thousand times and encodes them once. The polling form of a binary
// message (base64) is computed the first time a polling connection needs it.
type Message struct {
	frame  []byte // WebSocket frame: "4"+data, or the raw data when binary
	binary bool

	b64once sync.Once
	b64     []byte // polling segment for binary messages: "b"+base64
}

// NewMessage encodes a message packet. A text message's data is copied
// (the caller may reuse it at once; package socketio's acks rely on it); a
// binary message's is kept and must not be modified afterwards.
func NewMessage(data []byte, binary bool) *Message {
	return newPacketMessage(Packet{Type: MessagePacket, Data: data, Binary: binary})
}

func newPacketMessage(p Packet) *Message {
	if p.Binary {
		return &Message{frame: p.Data, binary: true}
	}
	return &Message{frame: AppendPacket(make([]byte, 0, len(p.Data)+1), p)}
}

// segment returns the message's form inside a polling payload.
func (m *Message) segment() []byte {
	if !m.binary {
		return m.frame
	}
	m.b64once.Do(func() {
		b := make([]byte, 1, 1+base64.StdEncoding.EncodedLen(len(m.frame)))
		b[0] = 'b'
		m.b64 = base64.StdEncoding.AppendEncode(b, m.frame)
	})
	return m.b64
}

// Control packets, encoded once for every connection.
var (
	msgClose = newPacketMessage(Packet{Type: Close})
	msgPing  = newPacketMessage(Packet{Type: Ping})
	msgNoop  = newPacketMessage(Packet{Type: Noop})
)

// appendSegments builds a polling payload from queued messages.
func appendSegments(dst []byte, q []*Message) []byte {
	for i, m := range q {
		if i > 0 {
			dst = append(dst, recordSeparator)
		}
		dst = append(dst, m.segment()...)
	}
	return dst
}
