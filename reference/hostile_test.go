package reference

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"rtlab/internal/rawws"
)

// sioOpen opens a Socket.IO session over a raw WebSocket and joins the
// main namespace: the open packet, "40", the CONNECT answer.
func sioOpen(t *testing.T, base string) *rawws.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := rawws.Dial(ctx, base+"/socket.io/?EIO=4&transport=websocket", rawws.NewHandshake())
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	require.Equal(t, 101, c.Response.StatusCode)
	c.SetDeadline(time.Now().Add(10 * time.Second))
	f, err := c.ReadFrame()
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(string(f.Payload), "0{"), "open packet: %q", f.Payload)
	require.NoError(t, c.WriteFrame(rawws.Frame{Fin: true, Opcode: rawws.OpText, Masked: true, Payload: []byte("40")}))
	for {
		f, err := c.ReadFrame()
		require.NoError(t, err, "waiting for the CONNECT answer")
		if strings.HasPrefix(string(f.Payload), "40") {
			return c
		}
	}
}

// sioCloseCode reads until the server's close frame and returns its code
// (1005 for none); 1006 and an error when the connection ends without one.
func sioCloseCode(c *rawws.Conn) (int, error) {
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		f, err := c.ReadFrame()
		if err != nil {
			return 1006, fmt.Errorf("no close frame: %w", err)
		}
		if f.Opcode != rawws.OpClose {
			continue
		}
		if len(f.Payload) == 0 {
			return 1005, nil
		}
		code, _, err := rawws.ParseClose(f.Payload)
		return code, err
	}
}

// TestHostileTooBigCloses1009 sends an event over 1 MB to the servers the
// issue found closing with a reset: every run must read 1009, the client's
// own write of the message must not be broken by a reset, and a good
// client is served right after.
func TestHostileTooBigCloses1009(t *testing.T) {
	for _, id := range []string{"loadtest", "q18", "q24"} {
		t.Run(id, func(t *testing.T) {
			base := start(t, id, "")
			for i := range 6 {
				c := sioOpen(t, base)
				big := `42["x","` + strings.Repeat("y", []int{1_500_000, 8_000_000}[i%2]) + `"]`
				wrote := make(chan error, 1)
				go func() {
					c.SetWriteDeadline(time.Now().Add(10 * time.Second))
					wrote <- c.WriteFrame(rawws.Frame{Fin: true, Opcode: rawws.OpText, Masked: true, Payload: []byte(big)})
				}()
				code, err := sioCloseCode(c)
				werr := <-wrote
				require.NoError(t, err, "run %d", i+1)
				require.Equal(t, 1009, code, "run %d", i+1)
				require.NoError(t, werr, "run %d: the client's write was reset", i+1)
				c.Close()
			}
			sioOpen(t, base) // a good client right after
		})
	}
}
