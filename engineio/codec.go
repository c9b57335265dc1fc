package engineio

import (
	"bytes"
	"encoding/base64"
	"strconv"
)

// PacketType is the kind of an Engine.IO packet, written as one ASCII digit
// in front of the text form of a packet.
type PacketType byte

// The packet types of protocol 4. The message type is MessagePacket, not
// Message, because Message is the broadcast type of NewMessage.
const (
	Open PacketType = iota
	Close
	Ping
	Pong
	MessagePacket
	Upgrade
	Noop
)

var packetTypeNames = [...]string{"open", "close", "ping", "pong", "message", "upgrade", "noop"}

// String returns the protocol's name for t ("open", "close", ...), or
// "PacketType(N)" for a value outside the protocol.
func (t PacketType) String() string {
	if int(t) < len(packetTypeNames) {
		return packetTypeNames[t]
	}
	return "PacketType(" + strconv.Itoa(int(t)) + ")"
}

// Packet is one decoded Engine.IO packet. Binary is only meaningful for
// Message packets: their Data is then raw bytes rather than UTF-8 text.
type Packet struct {
	Type   PacketType
	Data   []byte
	Binary bool
}

// Handshake is the JSON body of the open packet the server sends first.
// Durations are in milliseconds, as on the wire.
type Handshake struct {
	SID          string   `json:"sid"`
	Upgrades     []string `json:"upgrades"`
	PingInterval int      `json:"pingInterval"`
	PingTimeout  int      `json:"pingTimeout"`
	MaxPayload   int      `json:"maxPayload"`
}

// recordSeparator joins the packets of a polling payload.
const recordSeparator = 0x1e

// AppendPacket appends the WebSocket form of p to dst: the type digit then
// the data ("4hello"), or, for a binary packet, the raw data alone, since a
// binary WebSocket frame can only carry a message.
func AppendPacket(dst []byte, p Packet) []byte {
	if p.Binary {
		return append(dst, p.Data...)
	}
	dst = append(dst, '0'+byte(p.Type))
	return append(dst, p.Data...)
}

// ParsePacket decodes one WebSocket frame; binary says whether it was a
// binary frame. The returned Data aliases frame.
func ParsePacket(frame []byte, binary bool) (Packet, error) {
	if binary {
		return Packet{Type: MessagePacket, Data: frame, Binary: true}, nil
	}
	return parseText(frame, 0)
}

// parseText decodes the text form of a packet; off is its offset in the
// enclosing payload, for error messages.
func parseText(b []byte, off int) (Packet, error) {
	if len(b) == 0 {
		return Packet{}, &ParseError{Offset: off, Reason: "empty packet"}
	}
	c := b[0]
	if c < '0' || c > '0'+byte(Noop) {
		return Packet{}, &ParseError{Offset: off, Reason: "unknown packet type " + strconv.QuoteRune(rune(c)) + " (want a digit 0-6)"}
	}
	p := Packet{Type: PacketType(c - '0')}
	if len(b) > 1 {
		p.Data = b[1:]
	}
	return p, nil
}

// AppendPayload appends the HTTP long-polling form of pkts to dst: the
// packets' text forms joined by the record separator 0x1e, binary packets
// written as "b" followed by their standard base64 encoding.
func AppendPayload(dst []byte, pkts []Packet) []byte {
	for i, p := range pkts {
		if i > 0 {
			dst = append(dst, recordSeparator)
		}
		if p.Binary {
			dst = append(dst, 'b')
			dst = base64.StdEncoding.AppendEncode(dst, p.Data)
			continue
		}
		dst = AppendPacket(dst, p)
	}
	return dst
}

// ParsePayload decodes an HTTP long-polling body. Text packets' Data alias
// body; binary packets get freshly decoded buffers.
func ParsePayload(body []byte) ([]Packet, error) {
	if len(body) == 0 {
		return nil, &ParseError{Reason: "empty payload"}
	}
	pkts := make([]Packet, 0, bytes.Count(body, []byte{recordSeparator})+1)
	off := 0
	for {
		seg := body[off:]
		end := bytes.IndexByte(seg, recordSeparator)
		if end >= 0 {
			seg = seg[:end]
		}
		p, err := parseSegment(seg, off)
		if err != nil {
			return nil, err
		}
		pkts = append(pkts, p)
		if end < 0 {
			return pkts, nil
		}
		off += end + 1
	}
}

func parseSegment(seg []byte, off int) (Packet, error) {
	if len(seg) > 0 && seg[0] == 'b' {
		data, err := base64.StdEncoding.AppendDecode(nil, seg[1:])
		if err != nil {
			return Packet{}, &ParseError{Offset: off, Reason: "binary packet is not valid base64: " + err.Error()}
		}
		if len(data) == 0 {
			data = nil
		}
		return Packet{Type: MessagePacket, Data: data, Binary: true}, nil
	}
	return parseText(seg, off)
}
