package socketio

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// DefaultMaxAttachments is the number of attachments a Decoder accepts per
// packet when MaxAttachments is zero; socket.io-parser's default.
const DefaultMaxAttachments = 10

// reservedEvents are the event names a peer must not send: socket.io uses
// them for its own lifecycle events, and socket.io-parser rejects them.
var reservedEvents = map[string]bool{
	"connect":        true,
	"connect_error":  true,
	"disconnect":     true,
	"disconnecting":  true,
	"newListener":    true,
	"removeListener": true,
}

// IsReservedEvent reports whether name is one of the event names Socket.IO
// keeps for itself ("connect", "disconnect", ...). Peers must not emit them.
func IsReservedEvent(name string) bool { return reservedEvents[name] }

// Decoder turns engine.io messages into Socket.IO packets. It is stateful
// because a binary packet arrives as one text message followed by its
// attachments as binary messages. It is as strict as socket.io-parser:
// anything that parser would refuse is an error wrapping ErrMalformed. A
// Decoder is not safe for concurrent use; after an error, Reset it or
// (as a server does) drop the connection.
type Decoder struct {
	// MaxAttachments caps the attachments of one packet. Zero means
	// DefaultMaxAttachments (10).
	MaxAttachments int

	pending *Packet
	want    int
}

// Pending reports whether the decoder waits for attachments.
func (d *Decoder) Pending() bool { return d.pending != nil }

// Reset drops a partly received binary packet.
func (d *Decoder) Reset() { d.pending, d.want = nil, 0 }

// Add feeds one engine.io message. It returns the packet that message
// completes, or nil and no error when a binary packet still waits for
// attachments. The data is copied: the caller may reuse its buffer.
func (d *Decoder) Add(data []byte, binary bool) (*Packet, error) {
	return d.add(data, binary, false)
}

// addOwned is Add for data the caller hands over (engineio's OnMessage
// data is the handler's to keep): the packet's Data refers to it instead
// of a copy.
func (d *Decoder) addOwned(data []byte, binary bool) (*Packet, error) {
	return d.add(data, binary, true)
}

func (d *Decoder) add(data []byte, binary, owned bool) (*Packet, error) {
	if binary {
		if d.pending == nil {
			return nil, decodeErr(data, "binary message while not reconstructing a packet")
		}
		p := d.pending
		if !owned {
			data = bytes.Clone(data)
		}
		p.Attachments = append(p.Attachments, data)
		if len(p.Attachments) < d.want {
			return nil, nil
		}
		d.Reset()
		return p, nil
	}
	if d.pending != nil {
		d.Reset()
		return nil, decodeErr(data, "text message while waiting for %d attachment(s)", d.want)
	}
	max := d.MaxAttachments
	if max <= 0 {
		max = DefaultMaxAttachments
	}
	p, n, err := decodeText(data, max, owned)
	if err != nil {
		return nil, err
	}
	if n > 0 {
		p.Attachments = make([][]byte, 0, n)
		d.pending, d.want = p, n
		return nil, nil
	}
	return p, nil
}

// DecodeText decodes one text message on its own. For a binary type it
// returns the packet without its attachments and how many must follow.
func DecodeText(data []byte) (p *Packet, attachments int, err error) {
	return decodeText(data, DefaultMaxAttachments, false)
}

func decodeText(in []byte, maxAtt int, owned bool) (*Packet, int, error) {
	if len(in) == 0 {
		return nil, 0, decodeErr(in, "empty message")
	}
	t := PacketType(in[0] - '0')
	if in[0] < '0' || !t.Valid() {
		return nil, 0, decodeErr(in, "unknown packet type %q", in[0])
	}
	p := &Packet{Type: t, Namespace: "/"}
	i := 1
	natt := 0
	if t.IsBinary() {
		start := i
		for i < len(in) && in[i] >= '0' && in[i] <= '9' {
			i++
		}
		if i == start || i >= len(in) || in[i] != '-' || i-start > 6 {
			return nil, 0, decodeErr(in, "illegal attachments")
		}
		natt, _ = strconv.Atoi(string(in[start:i]))
		if natt < 1 {
			return nil, 0, decodeErr(in, "illegal attachments")
		}
		if natt > maxAtt {
			return nil, 0, decodeErr(in, "too many attachments (%d > %d)", natt, maxAtt)
		}
		i++
	}
	if i < len(in) && in[i] == '/' {
		start := i
		for i < len(in) && in[i] != ',' {
			i++
		}
		p.Namespace = string(in[start:i])
		if i < len(in) {
			i++ // the comma
		}
	}
	if i < len(in) && in[i] >= '0' && in[i] <= '9' {
		start := i
		for i < len(in) && in[i] >= '0' && in[i] <= '9' {
			i++
		}
		id, err := strconv.ParseUint(string(in[start:i]), 10, 64)
		if err != nil {
			return nil, 0, decodeErr(in, "ack id out of range")
		}
		p.id = id
		p.ID = &p.id
	}
	rest := in[i:]
	if err := checkPayload(p, rest, natt, in); err != nil {
		return nil, 0, err
	}
	if len(rest) > 0 {
		if owned {
			p.Data = rest[:len(rest):len(rest)]
		} else {
			p.Data = bytes.Clone(rest)
		}
	}
	return p, natt, nil
}

// firstByte returns the first non-space byte of a JSON text.
func firstByte(b []byte) byte {
	for _, c := range b {
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		}
		return c
	}
	return 0
}

func checkPayload(p *Packet, data []byte, natt int, in []byte) error {
	t := p.Type
	if len(data) == 0 {
		switch t {
		case PacketConnect, PacketDisconnect:
			return nil
		default:
			return decodeErr(in, "%s without payload", t)
		}
	}
	if t == PacketDisconnect {
		return decodeErr(in, "DISCONNECT with a payload")
	}
	if !validJSON(data) {
		return decodeErr(in, "payload is not valid JSON")
	}
	c := firstByte(data)
	switch t {
	case PacketConnect:
		if c != '{' {
			return decodeErr(in, "CONNECT payload is not an object")
		}
	case PacketConnectError:
		if c != '{' && c != '"' {
			return decodeErr(in, "CONNECT_ERROR payload is neither an object nor a string")
		}
	case PacketAck, PacketBinaryAck:
		if c != '[' {
			return decodeErr(in, "ACK payload is not an array")
		}
	case PacketEvent, PacketBinaryEvent:
		if c != '[' {
			return decodeErr(in, "EVENT payload is not an array")
		}
		var buf [8]json.RawMessage
		args, ok := splitArrayInto(buf[:0], data)
		if !ok {
			return decodeErr(in, "EVENT payload is not an array")
		}
		if len(args) == 0 {
			return decodeErr(in, "EVENT without an event name")
		}
		switch f := firstByte(args[0]); {
		case f == '"':
			name, err := unquoteName(args[0])
			if err != nil {
				return decodeErr(in, "event name: %v", err)
			}
			if reservedEvents[name] {
				return decodeErr(in, "reserved event name %q", name)
			}
		case f == '-' || (f >= '0' && f <= '9'):
			// socket.io-parser accepts numeric event names.
		default:
			return decodeErr(in, "event name is neither a string nor a number")
		}
	}
	if natt > 0 {
		var v any
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil {
			return decodeErr(in, "payload: %v", err)
		}
		if !placeholdersValid(v, natt) {
			return decodeErr(in, "illegal attachments: bad placeholder")
		}
	}
	return nil
}

// placeholdersValid checks every {"_placeholder":true,"num":n} object in v
// refers to an attachment that exists, as socket.io-parser's reconstruction
// does.
func placeholdersValid(v any, n int) bool {
	switch v := v.(type) {
	case []any:
		for _, e := range v {
			if !placeholdersValid(e, n) {
				return false
			}
		}
	case map[string]any:
		if v["_placeholder"] == true {
			num, ok := v["num"].(json.Number)
			if !ok {
				return false
			}
			i, err := strconv.ParseInt(string(num), 10, 64)
			return err == nil && i >= 0 && i < int64(n)
		}
		for _, e := range v {
			if !placeholdersValid(e, n) {
				return false
			}
		}
	}
	return true
}
