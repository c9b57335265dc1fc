package engineio

import (
	"errors"
	"strconv"
)

// ErrMalformed is what every decoding error matches with errors.Is: the
// peer sent bytes that are not Engine.IO.
var ErrMalformed = errors.New("engineio: malformed packet")

// ErrClosed is returned by Send and friends once the session has closed.
var ErrClosed = errors.New("engineio: connection closed")

// ErrSlowConsumer is the error a session ends with (reason "transport
// error") when what waits to be written to it passes MaxQueue: the client
// stopped reading, or polling, while the server kept sending.
var ErrSlowConsumer = errors.New("engineio: slow consumer: the client does not read what is sent to it")

// ParseError says what is wrong with a frame or payload and where.
type ParseError struct {
	Offset int    // byte offset of the offending packet within a polling payload
	Reason string // what is wrong, for a person
}

func (e *ParseError) Error() string {
	return "engineio: malformed packet at byte " + strconv.Itoa(e.Offset) + ": " + e.Reason
}

// Is makes every *ParseError match ErrMalformed.
func (e *ParseError) Is(target error) bool { return target == ErrMalformed }

// HTTPError is an error answer of the server, as the client sees it: the
// status and the {"code","message"} body of the npm engine.io server.
type HTTPError struct {
	Status  int
	Code    int    // engine.io error code, -1 when the body had none
	Message string // engine.io error message, or the raw body
}

func (e *HTTPError) Error() string {
	return "engineio: HTTP " + strconv.Itoa(e.Status) + ": " + e.Message + " (code " + strconv.Itoa(e.Code) + ")"
}

// The error codes of the server's JSON error answers.
const (
	CodeTransportUnknown    = 0
	CodeUnknownSID          = 1
	CodeBadHandshakeMethod  = 2
	CodeBadRequest          = 3
	CodeForbidden           = 4
	CodeUnsupportedProtocol = 5
)

var codeMessages = [...]string{
	"Transport unknown",
	"Session ID unknown",
	"Bad handshake method",
	"Bad request",
	"Forbidden",
	"Unsupported protocol version",
}

// Close reasons, the exact strings socket.io reports, passed to
// Handler.OnClose.
const (
	ReasonTransportClose = "transport close"
	ReasonTransportError = "transport error"
	ReasonPingTimeout    = "ping timeout"
	ReasonParseError     = "parse error"
	ReasonForcedClose    = "forced close"
	ReasonServerShutdown = "server shutting down"
)
