package reference

import (
	"rtlab/socketio"
)

func init() {
	registerVariants("q20", []string{"broadcast-includes-sender", "emit-to-all"}, newQ20)
}

type modeMsg struct {
	Mode string `json:"mode"`
}

// newQ20 shows the three ways to send: to the sender only (socket.emit), to
// everyone (io.emit), to everyone but the sender (socket.broadcast.emit).
func newQ20(o Options) (Server, error) {
	srv, io := ioServer(o)
	nsp := io.Of("/")
	nsp.OnConnect(func(s *socketio.Socket) {
		s.On("emit-demo", func(e *socketio.Event) {
			var m modeMsg
			if !objectArg(e, &m) {
				ackError(e, "Send {\"mode\": \"emit\" | \"io\" | \"broadcast\"}.")
				return
			}
			msg := modeMsg{m.Mode}
			switch {
			case m.Mode == "emit" && o.Variant == "emit-to-all":
				nsp.Emit("demo", msg)
			case m.Mode == "emit":
				s.Emit("demo", msg)
			case m.Mode == "io":
				nsp.Emit("demo", msg)
			case m.Mode == "broadcast" && o.Variant == "broadcast-includes-sender":
				nsp.Emit("demo", msg)
			case m.Mode == "broadcast":
				s.Broadcast().Emit("demo", msg)
			default:
				ackError(e, "Unknown mode "+m.Mode+": use emit, io or broadcast.")
				return
			}
			ackOK(e, nil)
		})
	})
	return srv, nil
}
