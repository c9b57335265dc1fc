package engineio

import (
	"context"
	"testing"
	"time"

	"rtlab/internal/rawws"

	"github.com/stretchr/testify/require"
)

// replyServer is a test server whose sessions answer every message with
// SendNow, the path acks take, and whose blocking writes (pings) are
// bounded by writeTimeout: a deadline that would long have expired
// between two pings if it were left on the socket.
func replyServer(t *testing.T, opts *ServerOptions, writeTimeout time.Duration) *testServer {
	t.Helper()
	ts := newTestServer(t, opts)
	ts.Server.writeTimeout = writeTimeout
	ts.Server.opts.OnConnection = func(c *Conn) {
		rec := newRecorder()
		rec.echo = func(data []byte, binary bool) { c.SendNow(NewMessage(data, binary)) }
		c.SetHandler(rec)
		ts.conns <- c
		ts.recs <- rec
	}
	return ts
}

// TestRepliesOutliveWriteDeadlines holds a request/response conversation
// over twenty heartbeats on each transport. Replies written with SendNow
// once failed with "i/o timeout" as soon as the deadline of the last ping
// (or pong) had passed, and the session dropped: 20 s into every acked
// conversation with the default options.
func TestRepliesOutliveWriteDeadlines(t *testing.T) {
	const interval = 60 * time.Millisecond
	for _, mode := range []struct {
		name string
		opts DialOptions
	}{
		{"websocket", DialOptions{Transport: "websocket"}},
		{"polling", DialOptions{Transport: "polling"}},
		{"upgrade", DialOptions{Transport: "polling", Upgrade: true}},
	} {
		t.Run(mode.name, func(t *testing.T) {
			ts := replyServer(t, &ServerOptions{PingInterval: interval, PingTimeout: time.Second}, 20*time.Millisecond)
			got := make(chan []byte, 1)
			closed := make(chan string, 1)
			opts := mode.opts
			cc := dialTest(t, ts.URL, &opts, handlerFuncs{
				message: func(data []byte, _ bool) { got <- data },
				close:   func(reason string, _ error) { closed <- reason },
			})
			sc, rec := ts.next(t)
			start := time.Now()
			for i := 0; time.Since(start) < 21*interval || i < 20; i++ {
				require.NoError(t, cc.Send([]byte{'a' + byte(i%26)}, false))
				select {
				case data := <-got:
					require.Equal(t, []byte{'a' + byte(i%26)}, data)
				case reason := <-closed:
					t.Fatalf("reply %d, %v in: the client saw the session close (%s)", i, time.Since(start), reason)
				case <-rec.closed:
					t.Fatalf("reply %d, %v in: the server closed the session (%s, %v)", i, time.Since(start), rec.reason, rec.err)
				case <-time.After(5 * time.Second):
					t.Fatalf("reply %d, %v in: no reply within 5s", i, time.Since(start))
				}
				// Leave the socket idle for a while now and then, so that
				// deadlines set by pings pass between two replies.
				if i%4 == 3 {
					time.Sleep(interval / 2)
				}
			}
			if mode.opts.Upgrade {
				require.Equal(t, "websocket", sc.Transport())
			}
		})
	}
}

// TestReplyAfterWebSocketPing is the sharpest form of the drop: the pong
// to a WebSocket-level ping was written with a 1 s deadline, and a reply
// sent more than 1 s later failed at once.
func TestReplyAfterWebSocketPing(t *testing.T) {
	ts := replyServer(t, nil, time.Minute)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := rawws.Dial(ctx, ts.URL+"/?EIO=4&transport=websocket", rawws.NewHandshake())
	require.NoError(t, err)
	defer c.Close()
	require.Equal(t, 101, c.Response.StatusCode)
	c.SetDeadline(time.Now().Add(10 * time.Second))
	open, err := c.ReadFrame()
	require.NoError(t, err)
	require.Equal(t, byte('0'), open.Payload[0])
	ts.next(t)

	require.NoError(t, c.WriteFrame(rawws.Frame{Fin: true, Opcode: rawws.OpPing, Masked: true, Payload: []byte("hi")}))
	pong, err := c.ReadFrame()
	require.NoError(t, err)
	require.Equal(t, byte(rawws.OpPong), pong.Opcode)
	time.Sleep(1200 * time.Millisecond) // past the pong's write deadline: the point of the test

	require.NoError(t, c.WriteFrame(rawws.Frame{Fin: true, Opcode: rawws.OpText, Masked: true, Payload: []byte("4after")}))
	reply, err := c.ReadFrame()
	require.NoError(t, err)
	require.Equal(t, "4after", string(reply.Payload), "opcode %#x", reply.Opcode)
}

// handlerFuncs adapts two functions to a Handler.
type handlerFuncs struct {
	message func(data []byte, binary bool)
	close   func(reason string, err error)
}

func (h handlerFuncs) OnMessage(data []byte, binary bool) { h.message(data, binary) }
func (h handlerFuncs) OnClose(reason string, err error)   { h.close(reason, err) }
