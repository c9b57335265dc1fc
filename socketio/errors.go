package socketio

import (
	"errors"
	"fmt"
)

// ErrMalformed is the error every decoding failure wraps: test with
// errors.Is(err, ErrMalformed). A server closes the connection with reason
// "parse error" when it sees one, as the JavaScript server does.
var ErrMalformed = errors.New("socketio: malformed packet")

// DecodeError describes why an engine.io message is not a valid Socket.IO
// packet. It wraps ErrMalformed.
type DecodeError struct {
	// Reason says what was wrong, e.g. "unknown packet type 9".
	Reason string
	// Input is the offending message, cut to 64 bytes.
	Input []byte
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("socketio: malformed packet %q: %s", e.Input, e.Reason)
}

// Unwrap returns ErrMalformed.
func (e *DecodeError) Unwrap() error { return ErrMalformed }

func decodeErr(in []byte, format string, args ...any) error {
	if len(in) > 64 {
		in = in[:64]
	}
	return &DecodeError{Reason: fmt.Sprintf(format, args...), Input: append([]byte(nil), in...)}
}

// EncodeError reports a packet that cannot be put on the wire, such as a
// namespace containing a comma.
type EncodeError struct {
	Reason string
}

func (e *EncodeError) Error() string { return "socketio: cannot encode packet: " + e.Reason }

// ConnectError is a namespace refusal: the CONNECT_ERROR packet's payload.
//
// On the server, a middleware (Namespace.Use) that returns a *ConnectError
// refuses the connection with its Message and Data; any other error refuses
// with err.Error() as the message. On the client, Client.Socket returns a
// *ConnectError when the server refuses, with Data as the raw JSON sent.
type ConnectError struct {
	Message string
	// Data is sent as the "data" field when not nil. On the client it is a
	// json.RawMessage (nil when the server sent none).
	Data any
}

func (e *ConnectError) Error() string {
	if e.Data != nil {
		return fmt.Sprintf("socketio: connect refused: %s (data %v)", e.Message, dataString(e.Data))
	}
	return "socketio: connect refused: " + e.Message
}

func dataString(v any) string {
	switch v := v.(type) {
	case []byte:
		return string(v)
	default:
		return fmt.Sprint(v)
	}
}

// ErrJoined is returned by ClientSocket.Connect for a namespace the Client
// has already joined: one socket per namespace per connection.
var ErrJoined = errors.New("socketio: namespace already joined")

// ErrClosed is returned by operations on a socket or connection that is
// closed or disconnected.
var ErrClosed = errors.New("socketio: socket closed")

var errAckTwice = errors.New("socketio: event already acknowledged")

// PacketError is what ended a Client that received something that is not
// Socket.IO (Client.Err, with the reason "parse error"): the message as it
// arrived, and why it does not decode.
type PacketError struct {
	Data []byte
	Err  error
}

func (e *PacketError) Error() string {
	return fmt.Sprintf("socketio: malformed packet %q: %v", e.Data, e.Err)
}

func (e *PacketError) Unwrap() error { return e.Err }
