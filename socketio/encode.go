package socketio

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
)

// Encode returns the text form of p and the attachments that must follow
// it as binary engine.io messages, in order.
//
// An EVENT or ACK packet with attachments is sent as BINARY_EVENT or
// BINARY_ACK, as socket.io-parser does when it finds binary data; a binary
// type with no attachments is an error, since the peer would reject it.
func Encode(p *Packet) (text []byte, attachments [][]byte, err error) {
	if err := check(p); err != nil {
		return nil, nil, err
	}
	return p.appendText(nil), p.Attachments, nil
}

// AppendText appends the text form of p to dst, like Encode.
func AppendText(dst []byte, p *Packet) ([]byte, error) {
	if err := check(p); err != nil {
		return dst, err
	}
	return p.appendText(dst), nil
}

func check(p *Packet) error {
	if !p.Type.Valid() {
		return &EncodeError{Reason: "invalid packet type " + strconv.Itoa(int(p.Type))}
	}
	if p.Namespace != "" && p.Namespace != "/" {
		if p.Namespace[0] != '/' {
			return &EncodeError{Reason: "namespace " + strconv.Quote(p.Namespace) + " does not start with /"}
		}
		if strings.IndexByte(p.Namespace, ',') >= 0 {
			return &EncodeError{Reason: "namespace " + strconv.Quote(p.Namespace) + " contains a comma"}
		}
	}
	if p.Type.IsBinary() && len(p.Attachments) == 0 {
		return &EncodeError{Reason: p.Type.String() + " without attachments"}
	}
	if len(p.Attachments) > 0 && p.Type != PacketEvent && p.Type != PacketAck && !p.Type.IsBinary() {
		return &EncodeError{Reason: p.Type.String() + " cannot carry attachments"}
	}
	return nil
}

func (p *Packet) appendText(b []byte) []byte {
	t := p.Type
	n := len(p.Attachments)
	if n > 0 {
		switch t {
		case PacketEvent:
			t = PacketBinaryEvent
		case PacketAck:
			t = PacketBinaryAck
		}
	}
	b = append(b, '0'+byte(t))
	if t.IsBinary() {
		b = strconv.AppendInt(b, int64(n), 10)
		b = append(b, '-')
	}
	if p.Namespace != "" && p.Namespace != "/" {
		b = append(b, p.Namespace...)
		b = append(b, ',')
	}
	if p.ID != nil {
		b = strconv.AppendUint(b, *p.ID, 10)
	}
	return append(b, p.Data...)
}

// encodeArgs builds the JSON array of an EVENT (name first) or, without
// the name, of an ACK. A []byte argument is replaced by a
// placeholder and returned among the attachments; json.RawMessage arguments
// are copied as they are; anything else goes through json.Marshal.
func encodeArgs(name string, withName bool, args []any) (json.RawMessage, [][]byte, error) {
	b, atts, err := appendArgs(nil, name, withName, args)
	if err != nil {
		return nil, nil, err
	}
	return b, atts, nil
}

// appendArgs is encodeArgs appending to dst.
func appendArgs(dst []byte, name string, withName bool, args []any) ([]byte, [][]byte, error) {
	buf := bytes.NewBuffer(dst)
	buf.WriteByte('[')
	if withName {
		nb, err := json.Marshal(name)
		if err != nil {
			return nil, nil, err
		}
		buf.Write(nb)
	}
	var atts [][]byte
	for i, a := range args {
		if i > 0 || withName {
			buf.WriteByte(',')
		}
		switch v := a.(type) {
		case []byte:
			buf.WriteString(`{"_placeholder":true,"num":`)
			buf.WriteString(strconv.Itoa(len(atts)))
			buf.WriteByte('}')
			atts = append(atts, v)
		case json.RawMessage:
			if len(v) == 0 {
				buf.WriteString("null")
			} else {
				buf.Write(v)
			}
		case nil:
			buf.WriteString("null")
		case string:
			sb, _ := json.Marshal(v)
			buf.Write(sb)
		default:
			vb, err := json.Marshal(v)
			if err != nil {
				return nil, nil, err
			}
			buf.Write(vb)
		}
	}
	buf.WriteByte(']')
	return buf.Bytes(), atts, nil
}

// NewEventPacket returns the packet that emits event with args in namespace
// nsp; []byte arguments become attachments (see package doc).
func NewEventPacket(nsp, event string, args ...any) (*Packet, error) {
	data, atts, err := encodeArgs(event, true, args)
	if err != nil {
		return nil, err
	}
	t := PacketEvent
	if len(atts) > 0 {
		t = PacketBinaryEvent
	}
	return &Packet{Type: t, Namespace: nsp, Data: data, Attachments: atts}, nil
}

// NewAckPacket returns the ACK packet that answers ack id with args.
func NewAckPacket(nsp string, id uint64, args ...any) (*Packet, error) {
	data, atts, err := encodeArgs("", false, args)
	if err != nil {
		return nil, err
	}
	t := PacketAck
	if len(atts) > 0 {
		t = PacketBinaryAck
	}
	return &Packet{Type: t, Namespace: nsp, ID: uint64p(id), Data: data, Attachments: atts}, nil
}
