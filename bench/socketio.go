package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"rtlab/socketio"
)

func init() {
	registerTransport(&transport{
		name:        "socketio-websocket",
		description: "Socket.IO v5 over Engine.IO v4, WebSocket transport (rtlab/socketio); `update` events, 25 s heartbeats",
		promise:     true,
		handler:     sioHandler,
		client:      sioClient("websocket"),
	})
	registerTransport(&transport{
		name:        "socketio-polling",
		description: "Socket.IO v5 over Engine.IO v4 HTTP long-polling, no upgrade (rtlab/socketio)",
		promise:     true,
		handler:     sioHandler,
		client:      sioClient("polling"),
	})
}

// sioEvent is the event name of an update over Socket.IO.
const sioEvent = "update"

// sioHandler is a Socket.IO server with npm socket.io's defaults. Each user
// identifies itself with the query parameter u, as a page would with
// io({query: {u}}); a goroutine per socket emits that user's updates as
// `update` events with the payload as a string argument.
func sioHandler(h *hub) http.Handler {
	srv := socketio.NewServer(nil)
	srv.Of("/").OnConnect(func(s *socketio.Socket) {
		q := s.Handshake().Query
		u, ok := h.userOf(q)
		if !ok {
			s.Disconnect(true)
			return
		}
		last, _ := strconv.Atoi(q.Get("since"))
		h.goBackground(func() {
			h.push(u, last, s.Done(), func(seq int) error {
				return s.Emit(sioEvent, string(encodePayload(seq, h.opts.Payload)))
			})
		})
	})
	h.onClose(func() { srv.Close() })
	return srv
}

// sioClient connects with rtlab/socketio's client, as socket.io-client
// would with {transports: [transport]}.
func sioClient(transport string) func(ctx context.Context, h *hub, ce *clientEnv, u *user, ready func()) error {
	return func(ctx context.Context, h *hub, ce *clientEnv, u *user, ready func()) error {
		hdr := http.Header{}
		setClientHeaders(hdr, h.opts.MinimalHeaders, h.base+"/dashboard")
		hdr.Del("Connection") // the WebSocket handshake sets its own
		c, err := socketio.Dial(ctx, h.base, &socketio.ClientOptions{
			Transport: transport, Header: hdr, Query: url.Values{"u": {strconv.Itoa(u.id)}},
		})
		if err != nil {
			return err
		}
		defer c.Close()
		s, err := c.Socket(ctx, "/", nil)
		if err != nil {
			return err
		}
		s.On(sioEvent, func(e *socketio.Event) {
			var p string
			if len(e.Args) == 0 || json.Unmarshal(e.Args[0], &p) != nil {
				h.errors.Add(1)
				return
			}
			h.received(u, decodePayload([]byte(p)))
		})
		ready()
		select {
		case <-ctx.Done():
			return nil
		case <-c.Done():
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("socket.io: connection closed: %v", c.Reason())
		}
	}
}
