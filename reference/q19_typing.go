package reference

import (
	"rtlab/socketio"
)

func init() {
	registerVariants("q19", []string{"echo-to-sender", "no-stop-on-disconnect"}, newQ19)
}

type username struct {
	Username string `json:"username"`
}

// newQ19 relays typing and stop-typing to everyone but the typist, and
// remembers who is typing on each socket, so that a tab closed mid-sentence
// does not leave "Alice is typing…" on everyone's screen forever.
func newQ19(o Options) (Server, error) {
	io := newIO(o)
	nsp := io.Of("/")
	o.Hooks.sockets().watch(nsp)
	nsp.OnConnect(func(s *socketio.Socket) {
		relay := func(event string, u username) {
			if o.Variant == "echo-to-sender" {
				nsp.Emit(event, u)
			} else {
				s.Broadcast().Emit(event, u)
			}
		}
		// typing is read and written only by this socket's handlers,
		// which run one at a time.
		typing := ""
		s.On("typing", func(e *socketio.Event) {
			var u username
			if !objectArg(e, &u) || u.Username == "" {
				return
			}
			typing = u.Username
			relay("typing", u)
		})
		s.On("stop-typing", func(e *socketio.Event) {
			var u username
			if !objectArg(e, &u) || u.Username == "" {
				return
			}
			typing = ""
			relay("stop-typing", u)
		})
		// Not in the contract: the page's chat messages, so the typing line
		// has something to precede.
		s.On("chat-message", func(e *socketio.Event) {
			var m struct {
				Username string `json:"username"`
				Text     string `json:"text"`
			}
			if objectArg(e, &m) && m.Text != "" {
				nsp.Emit("chat-message", m)
			}
		})
		s.OnDisconnect(func(socketio.Reason) {
			if typing != "" && o.Variant != "no-stop-on-disconnect" {
				s.Broadcast().Emit("stop-typing", username{typing})
			}
		})
	})
	s := newServer()
	s.mountIO(io)
	s.Handle("/", publicDir("q19"))
	return s, nil
}
