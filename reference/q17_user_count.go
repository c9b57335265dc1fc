package reference

import (
	"sync/atomic"

	"rtlab/socketio"
)

func init() {
	registerVariants("q17", []string{"no-initial-count", "no-disconnect-update", "leak-on-abrupt"}, newQ17)
}

type countMsg struct {
	Count int `json:"count"`
}

// newQ17 tells every client how many are connected, on every connect and
// disconnect. The count is the namespace's own list of sockets, which
// socket.io keeps right whatever the disconnect reason; a counter of its
// own would have to be kept right by hand (the leak-on-abrupt variant shows
// how that goes wrong).
func newQ17(o Options) (Server, error) {
	io := newIO(o)
	nsp := io.Of("/")
	o.Hooks.sockets().watch(nsp)
	var leaked atomic.Int64 // leak-on-abrupt: sockets gone without a goodbye, still counted
	count := func() countMsg { return countMsg{len(nsp.Sockets()) + int(leaked.Load())} }
	nsp.OnConnect(func(s *socketio.Socket) {
		if o.Variant == "no-initial-count" {
			s.Broadcast().Emit("user-count", count())
		} else {
			nsp.Emit("user-count", count())
		}
		s.OnDisconnect(func(reason socketio.Reason) {
			if o.Variant == "leak-on-abrupt" && reason == socketio.ReasonTransportClose {
				leaked.Add(1)
			}
			if o.Variant != "no-disconnect-update" {
				nsp.Emit("user-count", count())
			}
		})
	})
	s := newServer()
	s.mountIO(io)
	s.Handle("/", publicDir("q17"))
	return s, nil
}
