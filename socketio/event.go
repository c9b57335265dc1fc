package socketio

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"
)

// Event is an event received by a socket, on the server or the client.
type Event struct {
	// Name is the event name (a numeric name arrives as its digits).
	Name string
	// Args are the arguments after the name, as JSON. A binary argument is
	// a {"_placeholder":true,"num":i} object; use Bytes or Bind.
	Args []json.RawMessage
	// Attachments are the binary attachments, in placeholder order.
	Attachments [][]byte
	// Ack answers the event; it is nil when the sender asked for no ack.
	// Only the first call sends anything; later calls return an error.
	// []byte arguments become attachments, as with Emit.
	Ack func(args ...any) error

	// The server's ack (Socket.onPacket): the socket and id it answers,
	// and whether it was sent. No closure per event.
	ackSock *Socket
	ackID   uint64
	acked   atomic.Bool
}

// serverAck is Event.Ack for an event a server socket received.
func (e *Event) serverAck(args ...any) error {
	if e.acked.Swap(true) {
		return errAckTwice
	}
	return e.ackSock.sendAck(e.ackID, args)
}

// HasAck reports whether the sender waits for an acknowledgement.
func (e *Event) HasAck() bool { return e.Ack != nil }

// Bytes returns argument i when it is a binary attachment.
func (e *Event) Bytes(i int) ([]byte, bool) {
	if i < 0 || i >= len(e.Args) {
		return nil, false
	}
	return resolvePlaceholder(e.Args[i], e.Attachments)
}

// Bind decodes argument i into v. When v is a *[]byte and the argument is
// a binary attachment, v receives the attachment.
func (e *Event) Bind(i int, v any) error {
	if i < 0 || i >= len(e.Args) {
		return fmt.Errorf("socketio: event %q has %d argument(s), no argument %d", e.Name, len(e.Args), i)
	}
	if bp, ok := v.(*[]byte); ok {
		if b, ok := e.Bytes(i); ok {
			*bp = b
			return nil
		}
	}
	if err := json.Unmarshal(e.Args[i], v); err != nil {
		return fmt.Errorf("socketio: event %q argument %d: %w", e.Name, i, err)
	}
	return nil
}

// placeholder is the JSON object standing for a binary attachment.
type placeholder struct {
	Placeholder bool `json:"_placeholder"`
	Num         *int `json:"num"`
}

func resolvePlaceholder(arg json.RawMessage, atts [][]byte) ([]byte, bool) {
	if len(atts) == 0 || firstByte(arg) != '{' {
		return nil, false
	}
	var ph placeholder
	if json.Unmarshal(arg, &ph) != nil || !ph.Placeholder || ph.Num == nil || *ph.Num < 0 || *ph.Num >= len(atts) {
		return nil, false
	}
	return atts[*ph.Num], true
}

// eventOf splits an EVENT or BINARY_EVENT packet (already validated by the
// decoder) into its name and arguments.
func eventOf(p *Packet) (*Event, error) {
	// The event and its first arguments in one allocation.
	box := &struct {
		e    Event
		args [4]json.RawMessage
	}{}
	all, ok := splitArrayInto(box.args[:0], p.Data)
	if !ok {
		all = nil
		if err := json.Unmarshal(p.Data, &all); err != nil {
			return nil, errors.New("socketio: event payload is not a non-empty array")
		}
	}
	if len(all) == 0 {
		return nil, errors.New("socketio: event payload is not a non-empty array")
	}
	e := &box.e
	e.Args, e.Attachments = all[1:], p.Attachments
	if firstByte(all[0]) == '"' {
		name, err := unquoteName(all[0])
		if err != nil {
			return nil, err
		}
		e.Name = name
	} else {
		e.Name = string(all[0])
		if _, err := strconv.ParseFloat(e.Name, 64); err != nil {
			return nil, errors.New("socketio: event name is neither a string nor a number")
		}
	}
	return e, nil
}

// ackOf returns the arguments of an ACK packet.
func ackOf(p *Packet) (*Event, error) {
	args, ok := splitArray(p.Data)
	if !ok {
		args = nil
		if err := json.Unmarshal(p.Data, &args); err != nil {
			return nil, err
		}
	}
	return &Event{Args: args, Attachments: p.Attachments}, nil
}
