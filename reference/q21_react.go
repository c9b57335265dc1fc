package reference

import (
	"net/http"

	"rtlab/socketio"
)

func init() {
	Register(&Exercise{
		ID:       "q21",
		New:      newQ21,
		Variants: q21Variants,
	})
}

// q21Variants name broken copies of the hook (reference/react/variants):
// no-cleanup returns no cleanup from its effect, no-off closes the socket
// but leaves its listeners on it.
var q21Variants = []string{"no-cleanup", "no-off"}

// q21Server serves the React page of reference/react and a Socket.IO
// server that tells every client how many are connected (as Q17 does), so
// that the page shows the count its own connections make.
type q21Server struct {
	*server
	nsp *socketio.Namespace
}

// connections is the number of sockets connected to the default
// namespace: what the browser test expects to be exactly one per page.
func (s *q21Server) connections() int { return len(s.nsp.Sockets()) }

// newQ21 is Q21's server. The exercise is a client: what is graded is the
// hook in reference/react, run in headless Chromium by browser_test.go.
// GET /app.js bundles it, with React and socket.io-client, from the npm
// packages under testdata/node (see q21_react_bundle.go).
func newQ21(opts *Options) (Server, error) {
	o := opts.withDefaults()
	if err := checkVariant("q21", o.Variant, q21Variants); err != nil {
		return nil, err
	}
	io := newIO(o)
	nsp := io.Of("/")
	o.Hooks.sockets().watch(nsp)
	count := func() countMsg { return countMsg{len(nsp.Sockets())} }
	nsp.OnConnect(func(s *socketio.Socket) {
		nsp.Emit("user-count", count())
		s.OnDisconnect(func(socketio.Reason) { nsp.Emit("user-count", count()) })
	})
	s := &q21Server{server: newServer(), nsp: nsp}
	s.mountIO(io)
	if o.Hooks != nil {
		// Behind a page the grader serves (rtlab grade --page): the page
		// is the grader's harness around the student's component.
		return s, nil
	}
	s.HandleFunc("GET /app.js", func(w http.ResponseWriter, r *http.Request) {
		js, err := q21Bundle(r.Context(), o.Variant)
		if err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/javascript; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.Write(js)
	})
	s.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		page, _ := reactSources.ReadFile("react/index.html")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(page)
	})
	return s, nil
}
