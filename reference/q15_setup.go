package reference

import (
	"fmt"
	"net/http"

	"rtlab/engineio"
	"rtlab/socketio"
)

func init() {
	Register(&Exercise{
		ID:       "q15",
		Title:    "Socket.IO server setup",
		New:      newSetupExercise("q15", q15Variants),
		Variants: variantNames(q15Variants),
	})
	Register(&Exercise{
		ID:       "q16",
		Title:    "Express and Socket.IO on one port",
		New:      newSetupExercise("q16", q16Variants),
		Variants: variantNames(q16Variants),
	})
}

type setupFaults struct {
	corsStar    bool // cors: { origin: "*" }
	noStatus    bool // forgot the /api/status route
	noLog       bool // logs nothing on connect and disconnect
	ioDetached  bool // new Server(app): socket.io never sees a request
	noPublicDir bool // forgot express.static("public")
}

var q15Variants = map[string]setupFaults{
	"cors-star":     {corsStar: true},
	"no-status":     {noStatus: true},
	"no-log":        {noLog: true},
	"no-public-dir": {noPublicDir: true},
}

var q16Variants = map[string]setupFaults{
	"io-detached": {ioDetached: true},
}

// newSetupExercise builds Q15's server, which Q16 (the same server, once its
// bug is fixed) shares: an HTTP API, a static page and Socket.IO on one
// port, with the socket ids logged as clients come and go.
func newSetupExercise(id string, variants map[string]setupFaults) func(*Options) (Server, error) {
	return func(opts *Options) (Server, error) {
		o := opts.withDefaults()
		if err := checkVariant(id, o.Variant, variantNames(variants)); err != nil {
			return nil, err
		}
		f := variants[o.Variant]
		io := newIO(o)
		if f.corsStar {
			eo := o.engine()
			eo.CORS = &engineio.CORSOptions{Origins: []string{"*"}}
			io = socketio.NewServer(&socketio.ServerOptions{Engine: eo})
		}
		io.Of("/").OnConnect(func(s *socketio.Socket) {
			if !f.noLog {
				fmt.Fprintf(o.Log, "a user connected: %s\n", s.ID())
			}
			s.OnDisconnect(func(reason socketio.Reason) {
				if !f.noLog {
					fmt.Fprintf(o.Log, "user disconnected: %s (%s)\n", s.ID(), reason)
				}
			})
		})
		s := newServer()
		if !f.noStatus {
			s.HandleFunc("GET /api/status", func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, http.StatusOK, map[string]string{"status": "online"})
			})
		}
		if f.ioDetached {
			// The HTTP routes work; /socket.io/ falls through to a 404,
			// as when socket.io is bound to an Express app that never
			// listens.
			s.onClose(io.Close)
		} else {
			s.mountIO(io)
		}
		if !f.noPublicDir {
			s.Handle("/", publicDir("q15"))
		}
		return s, nil
	}
}
