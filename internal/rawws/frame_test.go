package rawws

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestAcceptKeyRFCExample(t *testing.T) {
	// RFC 6455 §1.3's worked example.
	require.Equal(t, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", AcceptKey("dGhlIHNhbXBsZSBub25jZQ=="))
}

func TestAppendFrameExactBytes(t *testing.T) {
	// An unmasked server text frame of P < 126 bytes costs P + 2.
	b := AppendFrame(nil, Frame{Fin: true, Opcode: OpText, Payload: []byte("Hello")})
	require.Equal(t, []byte{0x81, 0x05, 'H', 'e', 'l', 'l', 'o'}, b)
	// RFC 6455 §5.7: a masked "Hello".
	b = AppendFrame(nil, Frame{Fin: true, Opcode: OpText, Masked: true, Key: [4]byte{0x37, 0xfa, 0x21, 0x3d}, Payload: []byte("Hello")})
	require.Equal(t, []byte{0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58}, b)
	require.Len(t, AppendFrame(nil, Frame{Opcode: OpBinary, Payload: make([]byte, 126)}), 126+4)
	require.Len(t, AppendFrame(nil, Frame{Opcode: OpBinary, Payload: make([]byte, 70000)}), 70000+10)
}

func TestRoundTrip(t *testing.T) {
	for _, n := range []int{0, 1, 125, 126, 65535, 65536, 1 << 20} {
		for _, masked := range []bool{false, true} {
			in := Frame{Fin: true, Opcode: OpBinary, Masked: masked, Key: [4]byte{1, 2, 3, 4}, Payload: bytes.Repeat([]byte{0xAB}, n)}
			out, err := ReadFrame(bytes.NewReader(AppendFrame(nil, in)), 0)
			require.NoError(t, err)
			require.Equal(t, in.Payload, out.Payload)
			require.Equal(t, masked, out.Masked)
		}
	}
}

func TestReadFrameRejects(t *testing.T) {
	_, err := ReadFrame(bytes.NewReader(AppendFrame(nil, Frame{Fin: true, Opcode: OpText, Payload: make([]byte, 11)})), 10)
	require.ErrorIs(t, err, ErrTooBig)
	var pe *ProtocolError
	_, err = ReadFrame(bytes.NewReader([]byte{0x09, 0x00}), 0) // fragmented ping
	require.True(t, errors.As(err, &pe), "%v", err)
	_, err = ReadFrame(bytes.NewReader([]byte{0x89, 126, 0, 200}), 0) // ping of 200 bytes
	require.True(t, errors.As(err, &pe), "%v", err)
	_, err = ReadFrame(bytes.NewReader([]byte{0x81, 126, 0, 5}), 0) // non-minimal length
	require.True(t, errors.As(err, &pe), "%v", err)
	_, err = ReadFrame(bytes.NewReader([]byte{0x81, 0x05, 'a'}), 0)
	require.ErrorIs(t, err, io.ErrUnexpectedEOF)
}

func TestClosePayload(t *testing.T) {
	code, reason, err := ParseClose(ClosePayload(1009, "too big"))
	require.NoError(t, err)
	require.Equal(t, 1009, code)
	require.Equal(t, "too big", reason)
	code, _, err = ParseClose(nil)
	require.NoError(t, err)
	require.Equal(t, CloseNoStatus, code)
	_, _, err = ParseClose([]byte{3})
	require.Error(t, err)
}

func FuzzReadFrame(f *testing.F) {
	f.Add(AppendFrame(nil, Frame{Fin: true, Opcode: OpText, Payload: []byte("hi")}))
	f.Add(AppendFrame(nil, Frame{Fin: true, Opcode: OpClose, Masked: true, Payload: ClosePayload(1000, "")}))
	f.Add([]byte{0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		fr, err := ReadFrame(bytes.NewReader(data), 1<<16)
		if err != nil {
			return
		}
		// What was read writes back to a prefix of the input.
		again := AppendFrame(nil, fr)
		if !bytes.Equal(again, data[:len(again)]) {
			t.Fatalf("re-encoded %x, input %x", again, data)
		}
	})
}
