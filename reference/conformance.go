package reference

import (
	"encoding/json"
	"time"

	"rtlab/engineio"
	"rtlab/socketio"
)

func init() {
	Register(&Exercise{
		ID:    "conformance",
		Title: "the fixture of the official Engine.IO v4 and Socket.IO v5 test suites",
		New:   newConformance,
	})
}

// newConformance is the server that the official protocol test suites
// expect on one port (the end of the Engine.IO v4 and Socket.IO v5 protocol
// documents): an Engine.IO echo at /engine.io/ and a Socket.IO server at
// /socket.io/ that emits "auth" on connect, answers "message" with
// "message-back" and acks "message-with-ack", on "/" and "/custom". The
// heartbeat is fast (300 ms / 200 ms) so the suites' timeout cases run in
// under a second, unless Options set another.
func newConformance(opts *Options) (Server, error) {
	o := opts.withDefaults()
	if err := checkVariant("conformance", o.Variant, nil); err != nil {
		return nil, err
	}
	engineOpts := func() *engineio.ServerOptions {
		eo := o.engine()
		if eo.PingInterval == 0 {
			eo.PingInterval = 300 * time.Millisecond
		}
		if eo.PingTimeout == 0 {
			eo.PingTimeout = 200 * time.Millisecond
		}
		eo.MaxPayload = 1_000_000
		eo.CORS = &engineio.CORSOptions{Origins: []string{"*"}}
		return eo
	}
	echoOpts := engineOpts()
	echoOpts.OnConnection = func(c *engineio.Conn) { c.SetHandler(echoHandler{c}) }
	eio := engineio.NewServer(echoOpts)

	sio := socketio.NewServer(&socketio.ServerOptions{Engine: engineOpts(), ConnectTimeout: time.Second})
	for _, nsp := range []string{"/", "/custom"} {
		sio.Of(nsp).OnConnect(func(s *socketio.Socket) {
			s.Emit("auth", s.Handshake().Auth)
			s.On("message", func(e *socketio.Event) { s.Emit("message-back", eventArgs(e)...) })
			s.On("message-with-ack", func(e *socketio.Event) {
				if e.HasAck() {
					e.Ack(eventArgs(e)...)
				}
			})
		})
	}

	s := newServer()
	s.Handle("/engine.io/", eio)
	s.Handle("/socket.io/", sio)
	s.onClose(eio.Close)
	s.onClose(sio.Close)
	return s, nil
}

// echoHandler sends every Engine.IO message back as it came.
type echoHandler struct{ c *engineio.Conn }

func (h echoHandler) OnMessage(data []byte, binary bool) { h.c.SendMessage(data, binary) }
func (h echoHandler) OnClose(string, error)              {}

// eventArgs returns an event's arguments ready to send again: JSON as it
// came, binary attachments as bytes.
func eventArgs(e *socketio.Event) []any {
	out := make([]any, len(e.Args))
	for i, a := range e.Args {
		if b, ok := e.Bytes(i); ok {
			out[i] = b
		} else {
			out[i] = json.RawMessage(a)
		}
	}
	return out
}
