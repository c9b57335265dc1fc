package reference

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"time"

	"rtlab/internal/httpserve"
	"rtlab/reference/nginx"
	"rtlab/socketio"
)

func init() {
	Register(&Exercise{
		ID:       "q8",
		Title:    "Nginx in front of a WebSocket server",
		New:      newQ8,
		Variants: variantNames(q8Variants),
	})
}

// q8Variants are the usual mistakes in an nginx configuration for
// WebSockets, each the reference configuration less some lines.
var q8Variants = map[string][]string{
	// The upgrade headers are hop-by-hop: without these lines nginx
	// drops them and the backend sees a plain GET.
	"no-upgrade-headers": {"proxy_set_header Upgrade $http_upgrade;", "proxy_set_header Connection $connection_upgrade;"},
	// nginx speaks HTTP/1.0 to the backend by default: no upgrade there.
	"http-1.0": {"proxy_http_version 1.1;"},
	// nginx's default proxy_read_timeout (60 s) cuts idle WebSockets.
	"default-read-timeout": {"proxy_read_timeout 3600s;"},
}

// NginxFront is Q8's setup: a real nginx, run with a configuration, in
// front of the Q8 backend (the /ws echo of Q2 and a Socket.IO server with
// an "echo" event that acks its argument). As a Server it proxies to
// nginx, so that the grader's in-process references go through nginx too;
// URL is nginx's own address, for grading a student's configuration
// directly (rtlab grade --exercise q8 --nginx-conf FILE).
type NginxFront struct {
	*server
	// URL is nginx's base URL (http://127.0.0.1:PORT).
	URL string
	// Nginx is the running instance.
	Nginx *nginx.Instance
}

func newQ8(opts *Options) (Server, error) {
	o := opts.withDefaults()
	if err := checkVariant("q8", o.Variant, variantNames(q8Variants)); err != nil {
		return nil, err
	}
	conf := nginx.Q8Conf
	for _, line := range q8Variants[o.Variant] {
		if !bytes.Contains(conf, []byte(line)) {
			return nil, fmt.Errorf("reference q8: variant %s: q8.conf no longer has %q", o.Variant, line)
		}
		conf = bytes.Replace(conf, []byte(line), nil, 1)
	}
	f, err := NewNginxFront(conf, opts)
	var nf nginx.NotFoundError
	if errors.As(err, &nf) {
		// Without nginx the exercise cannot be graded: serve the backend
		// alone, and say why at nginx's marker path, where the grader's
		// first check looks (it is then skipped with this reason).
		b, closeBackend := q8Backend(o)
		s := newServer()
		s.HandleFunc(nginx.MarkerPath, func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, NoNginxPrefix+nf.Error())
		})
		s.Handle("/", b)
		s.onClose(closeBackend)
		return s, nil
	}
	return f, err
}

// NoNginxPrefix starts the answer at nginx.MarkerPath of a Q8 reference
// running without nginx; the reason follows.
const NoNginxPrefix = "rtlab:no-nginx: "

// q8Backend is what nginx stands in front of in Q8: the /ws echo of Q2
// (HTTP/1.1 required, as RFC 6455 says) and a Socket.IO server whose
// "echo" event acks its argument.
func q8Backend(o Options) (http.Handler, func() error) {
	backend := newServer()
	echo := newWSEcho(wsFaults{})
	backend.HandleFunc("/ws", func(w http.ResponseWriter, r *http.Request) {
		// RFC 6455 §4.1: the opening handshake is HTTP/1.1 or later; nginx
		// speaks HTTP/1.0 upstream unless told proxy_http_version 1.1.
		if !r.ProtoAtLeast(1, 1) {
			http.Error(w, "a WebSocket handshake needs HTTP/1.1, this request is "+r.Proto, http.StatusUpgradeRequired)
			return
		}
		echo.ServeHTTP(w, r)
	})
	backend.onClose(echo.Close)
	sio := newIO(o)
	sio.Of("/").OnConnect(func(s *socketio.Socket) {
		s.On("echo", func(e *socketio.Event) {
			var v json.RawMessage
			if len(e.Args) > 0 {
				v = e.Args[0]
			}
			ack(e, v)
		})
	})
	backend.mountIO(sio)
	backend.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintf(w, "Q8 backend: /ws echoes, /socket.io/ acks \"echo\"; reached through %s\n", r.Header.Get("X-Forwarded-For"))
	})
	return backend, backend.Close
}

// NewNginxFront starts the Q8 backend on a loopback port and nginx with
// conf in front of it. Close stops both.
func NewNginxFront(conf []byte, opts *Options) (*NginxFront, error) {
	backend, closeBackend := q8Backend(opts.withDefaults())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		closeBackend()
		return nil, err
	}
	hs := httpserve.New(backend, nil)
	done := make(chan struct{})
	go func() { defer close(done); hs.Serve(ln) }()
	stopBackend := func() error {
		closeBackend()
		hs.Close()
		<-done
		return nil
	}
	in, err := nginx.Start(conf, ln.Addr().String())
	if err != nil {
		stopBackend()
		return nil, err
	}
	f := &NginxFront{server: newServer(), URL: "http://" + in.Addr, Nginx: in}
	target, _ := url.Parse(f.URL)
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.FlushInterval = -1 // long polling and streams pass at once
	tr := &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 8, IdleConnTimeout: 30 * time.Second}
	proxy.Transport = tr
	proxy.ErrorLog = log.New(io.Discard, "", 0) // a client gone mid-request is no news
	f.Handle("/", proxy)
	f.onClose(func() error { tr.CloseIdleConnections(); return nil })
	f.onClose(stopBackend)
	f.onClose(in.Stop)
	return f, nil
}
