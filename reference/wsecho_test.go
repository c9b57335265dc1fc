package reference

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"rtlab/internal/rawws"
)

func dialWS(t *testing.T, base string, hs *rawws.Handshake) *rawws.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := rawws.Dial(ctx, base+"/ws", hs)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(5 * time.Second))
	return c
}

func closeCode(t *testing.T, c *rawws.Conn) int {
	t.Helper()
	for {
		f, err := c.ReadFrame()
		require.NoError(t, err, "waiting for a close frame")
		if f.Opcode == rawws.OpClose {
			code, _, err := rawws.ParseClose(f.Payload)
			require.NoError(t, err)
			return code
		}
	}
}

func TestWSEchoHandshake(t *testing.T) {
	base := start(t, "q2", "")
	hs := rawws.NewHandshake()
	c := dialWS(t, base, hs)
	require.Equal(t, 101, c.Response.StatusCode)
	require.Equal(t, rawws.AcceptKey(hs.Header.Get("Sec-WebSocket-Key")), c.Response.Header.Get("Sec-WebSocket-Accept"))
	require.NoError(t, c.WriteFrame(rawws.Frame{Fin: true, Opcode: rawws.OpText, Masked: true, Payload: []byte("héllo")}))
	f, err := c.ReadFrame()
	require.NoError(t, err)
	require.Equal(t, "héllo", string(f.Payload))
	require.False(t, f.Masked, "server frames are never masked")

	noKey := rawws.NewHandshake()
	noKey.Header.Del("Sec-WebSocket-Key")
	require.Equal(t, 400, dialWS(t, base, noKey).Response.StatusCode)
	v99 := rawws.NewHandshake()
	v99.Header.Set("Sec-WebSocket-Version", "99")
	c = dialWS(t, base, v99)
	require.Equal(t, 426, c.Response.StatusCode)
	require.Equal(t, "13", c.Response.Header.Get("Sec-WebSocket-Version"))
}

func TestWSEchoCloseCodes(t *testing.T) {
	base := start(t, "q5", "")
	cases := []struct {
		name  string
		frame rawws.Frame
		want  int
	}{
		{"close 1000 is answered with 1000", rawws.Frame{Fin: true, Opcode: rawws.OpClose, Masked: true, Payload: rawws.ClosePayload(1000, "bye")}, 1000},
		{"unmasked frame", rawws.Frame{Fin: true, Opcode: rawws.OpText, Payload: []byte("x")}, 1002},
		{"invalid UTF-8", rawws.Frame{Fin: true, Opcode: rawws.OpText, Masked: true, Payload: []byte{0xff, 0xfe}}, 1007},
		{"over 1 MiB", rawws.Frame{Fin: true, Opcode: rawws.OpBinary, Masked: true, Payload: make([]byte, 1<<20+1)}, 1009},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := dialWS(t, base, rawws.NewHandshake())
			require.NoError(t, c.WriteFrame(tc.frame))
			require.Equal(t, tc.want, closeCode(t, c))
		})
	}
	t.Run("a message of exactly 1 MiB in fragments is echoed", func(t *testing.T) {
		c := dialWS(t, base, rawws.NewHandshake())
		half := bytes.Repeat([]byte{7}, 1<<19)
		require.NoError(t, c.WriteFrame(rawws.Frame{Opcode: rawws.OpBinary, Masked: true, Payload: half}))
		require.NoError(t, c.WriteFrame(rawws.Frame{Fin: true, Opcode: rawws.OpContinuation, Masked: true, Payload: half}))
		f, err := c.ReadFrame()
		require.NoError(t, err)
		require.Len(t, f.Payload, 1<<20)
	})
}

func TestWSEchoShutdownSends1001(t *testing.T) {
	r, err := Start("q5", nil)
	require.NoError(t, err)
	t.Cleanup(func() { r.Close() })
	srv, hs := r.Server, r.URL
	c := dialWS(t, hs, rawws.NewHandshake())
	done := make(chan int, 1)
	go func() { done <- closeCode(t, c) }()
	time.Sleep(50 * time.Millisecond)
	srv.Close()
	require.Equal(t, 1001, <-done)
}

func TestWSEchoVariantsAreWrong(t *testing.T) {
	base := start(t, "q2", "bad-accept")
	hs := rawws.NewHandshake()
	c := dialWS(t, base, hs)
	require.NotEqual(t, rawws.AcceptKey(hs.Header.Get("Sec-WebSocket-Key")), c.Response.Header.Get("Sec-WebSocket-Accept"))

	base = start(t, "q5", "accept-unmasked")
	c = dialWS(t, base, rawws.NewHandshake())
	require.NoError(t, c.WriteFrame(rawws.Frame{Fin: true, Opcode: rawws.OpText, Payload: []byte("x")}))
	f, err := c.ReadFrame()
	require.NoError(t, err)
	require.Equal(t, rawws.OpText, f.Opcode)
}
