package reference

import (
	"net/http"
	"os"
	"path/filepath"
	"sync"
)

// The browser pages load the real socket.io client from
// /socket.io/socket.io.js, as they would from a Node.js socket.io server.
// rtlab does not ship that file; it serves the copy that the npm package
// socket.io-client installs under testdata/node (make test and .ci/run
// install it), found from the working directory upwards, or the file named
// by RTLAB_SOCKETIO_CLIENT.
var (
	clientScriptOnce sync.Once
	clientScriptPath string
)

func findClientScript() string {
	clientScriptOnce.Do(func() {
		if p := os.Getenv("RTLAB_SOCKETIO_CLIENT"); p != "" {
			clientScriptPath = p
			return
		}
		wd, err := os.Getwd()
		if err != nil {
			return
		}
		for d := wd; ; d = filepath.Dir(d) {
			p := filepath.Join(d, "testdata", "node", "node_modules", "socket.io-client", "dist", "socket.io.min.js")
			if _, err := os.Stat(p); err == nil {
				clientScriptPath = p
				return
			}
			if filepath.Dir(d) == d {
				return
			}
		}
	})
	return clientScriptPath
}

// serveClientScript answers GET /socket.io/socket.io.js.
func serveClientScript(w http.ResponseWriter, r *http.Request) {
	p := findClientScript()
	if p == "" {
		http.Error(w, "socket.io.js is not installed here: run `make node` in the rtlab checkout, or set RTLAB_SOCKETIO_CLIENT to socket.io-client's dist/socket.io.min.js", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "application/javascript; charset=utf-8")
	http.ServeFile(w, r, p)
}
