// Package rawws reads and writes RFC 6455 WebSocket frames by hand.
//
// The rest of rtlab speaks WebSocket through github.com/coder/websocket,
// which rightly hides frames. The course's first exercises are about the
// frames themselves (the handshake of Q2, the close codes of Q5), so their
// reference server and their probes need to see and make every bit: an
// unmasked client frame, invalid UTF-8, a message one byte over the limit.
// This package is that view, with no policy: callers decide what a frame
// means.
package rawws

import (
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Opcodes of RFC 6455 §5.2.
const (
	OpContinuation byte = 0x0
	OpText         byte = 0x1
	OpBinary       byte = 0x2
	OpClose        byte = 0x8
	OpPing         byte = 0x9
	OpPong         byte = 0xA
)

// Close codes of RFC 6455 §7.4.1 that the course uses.
const (
	CloseNormal          = 1000
	CloseGoingAway       = 1001
	CloseProtocolError   = 1002
	CloseNoStatus        = 1005 // never sent: "no code in the close frame"
	CloseAbnormal        = 1006 // never sent: "the connection dropped without a close frame"
	CloseInvalidPayload  = 1007
	CloseMessageTooBig   = 1009
	CloseInternalError   = 1011
	acceptGUID           = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
	maxControlPayloadLen = 125
)

// Frame is one WebSocket frame.
type Frame struct {
	Fin    bool
	RSV    byte // the three reserved bits, as bits 2..0
	Opcode byte
	Masked bool
	Key    [4]byte // the masking key, when Masked
	// Payload is unmasked: AppendFrame masks it on the way out and
	// ReadFrame unmasks it on the way in.
	Payload []byte
}

// IsControl reports whether the frame is a close, ping or pong.
func (f Frame) IsControl() bool { return f.Opcode&0x8 != 0 }

// AcceptKey is the Sec-WebSocket-Accept value for a Sec-WebSocket-Key:
// base64(SHA-1(key + GUID)).
func AcceptKey(key string) string {
	sum := sha1.Sum([]byte(key + acceptGUID))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// AppendFrame appends the wire form of f to dst.
func AppendFrame(dst []byte, f Frame) []byte {
	b0 := f.Opcode & 0x0F
	if f.Fin {
		b0 |= 0x80
	}
	b0 |= (f.RSV & 0x7) << 4
	dst = append(dst, b0)
	var b1 byte
	if f.Masked {
		b1 = 0x80
	}
	n := len(f.Payload)
	switch {
	case n < 126:
		dst = append(dst, b1|byte(n))
	case n <= 0xFFFF:
		dst = append(dst, b1|126)
		dst = binary.BigEndian.AppendUint16(dst, uint16(n))
	default:
		dst = append(dst, b1|127)
		dst = binary.BigEndian.AppendUint64(dst, uint64(n))
	}
	if !f.Masked {
		return append(dst, f.Payload...)
	}
	dst = append(dst, f.Key[:]...)
	start := len(dst)
	dst = append(dst, f.Payload...)
	mask(dst[start:], f.Key)
	return dst
}

func mask(b []byte, key [4]byte) {
	for i := range b {
		b[i] ^= key[i&3]
	}
}

// ErrTooBig is returned by ReadFrame for a frame whose payload is longer
// than the limit given; the frame's payload is not read.
var ErrTooBig = errors.New("rawws: frame payload over the limit")

// ProtocolError is a frame that breaks RFC 6455 in a way that ReadFrame can
// tell on its own: a control frame that is fragmented or too long, a 64-bit
// length with the top bit set, a non-minimal length.
type ProtocolError struct{ Reason string }

func (e *ProtocolError) Error() string { return "rawws: protocol error: " + e.Reason }

// ReadFrame reads one frame from r. A payload longer than limit (when
// limit > 0) returns the header and ErrTooBig without reading the payload.
func ReadFrame(r io.Reader, limit int64) (Frame, error) {
	var hdr [2]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return Frame{}, err
	}
	f := Frame{
		Fin:    hdr[0]&0x80 != 0,
		RSV:    (hdr[0] >> 4) & 0x7,
		Opcode: hdr[0] & 0x0F,
		Masked: hdr[1]&0x80 != 0,
	}
	n := int64(hdr[1] & 0x7F)
	switch n {
	case 126:
		var ext [2]byte
		if _, err := io.ReadFull(r, ext[:]); err != nil {
			return f, unexpected(err)
		}
		n = int64(binary.BigEndian.Uint16(ext[:]))
		if n < 126 {
			return f, &ProtocolError{"16-bit length used for a payload under 126 bytes"}
		}
	case 127:
		var ext [8]byte
		if _, err := io.ReadFull(r, ext[:]); err != nil {
			return f, unexpected(err)
		}
		u := binary.BigEndian.Uint64(ext[:])
		if u>>63 != 0 {
			return f, &ProtocolError{"64-bit length with its most significant bit set"}
		}
		n = int64(u)
		if n <= 0xFFFF {
			return f, &ProtocolError{"64-bit length used for a payload under 65536 bytes"}
		}
	}
	if f.IsControl() {
		if !f.Fin {
			return f, &ProtocolError{fmt.Sprintf("fragmented control frame (opcode %#x)", f.Opcode)}
		}
		if n > maxControlPayloadLen {
			return f, &ProtocolError{fmt.Sprintf("control frame payload of %d bytes (at most 125)", n)}
		}
	}
	if f.Masked {
		if _, err := io.ReadFull(r, f.Key[:]); err != nil {
			return f, unexpected(err)
		}
	}
	if limit > 0 && n > limit {
		return f, ErrTooBig
	}
	f.Payload = make([]byte, n)
	if _, err := io.ReadFull(r, f.Payload); err != nil {
		return f, unexpected(err)
	}
	if f.Masked {
		mask(f.Payload, f.Key)
	}
	return f, nil
}

func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// ClosePayload builds a close frame's payload: the code, big-endian, then
// the reason.
func ClosePayload(code int, reason string) []byte {
	b := binary.BigEndian.AppendUint16(nil, uint16(code))
	return append(b, reason...)
}

// ParseClose reads a close frame's payload. An empty payload is 1005 (no
// status); a one-byte payload is a protocol error.
func ParseClose(p []byte) (code int, reason string, err error) {
	switch len(p) {
	case 0:
		return CloseNoStatus, "", nil
	case 1:
		return 0, "", &ProtocolError{"close payload of one byte"}
	}
	return int(binary.BigEndian.Uint16(p)), string(p[2:]), nil
}
