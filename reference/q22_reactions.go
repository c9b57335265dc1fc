package reference

import (
	"rtlab/socketio"
)

func init() {
	registerVariants("q22", []string{"echo-to-sender", "no-type-check", "no-from"}, newQ22)
}

var reactionTypes = map[string]bool{"thumbs-up": true, "heart": true, "clap": true}

// newQ22 relays a reaction to everyone but its sender, with the sender's
// socket id, and ignores reaction types it does not know (a client could
// send anything; the page only has three buttons).
func newQ22(o Options) (Server, error) {
	io := newIO(o)
	nsp := io.Of("/")
	o.Hooks.sockets().watch(nsp)
	nsp.OnConnect(func(s *socketio.Socket) {
		s.On("reaction", func(e *socketio.Event) {
			var r struct {
				Type string `json:"type"`
			}
			if !objectArg(e, &r) || (!reactionTypes[r.Type] && o.Variant != "no-type-check") {
				ackError(e, "Unknown reaction: use thumbs-up, heart or clap.")
				return
			}
			out := map[string]string{"type": r.Type, "from": s.ID()}
			if o.Variant == "no-from" {
				delete(out, "from")
			}
			if o.Variant == "echo-to-sender" {
				nsp.Emit("reaction", out)
			} else {
				s.Broadcast().Emit("reaction", out)
			}
			ackOK(e, nil)
		})
	})
	s := newServer()
	s.mountIO(io)
	s.Handle("/", publicDir("q22"))
	return s, nil
}
