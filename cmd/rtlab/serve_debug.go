package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"runtime"
	"runtime/debug"
	"sync/atomic"

	"rtlab/loadtest"
)

// RuntimeStats is what `rtlab serve --debug-addr` answers at
// /debug/runtime: enough for a soak, run from another process, to see a
// server leak goroutines or memory over minutes. RSSKB is 0 where the
// platform does not say (it is read from /proc), with RSSError saying why.
//
// HTTPConns counts the HTTP connections open on the server, net/http's
// and engineio's front's (hijacked WebSockets not included), each with a
// goroutine that serves it: a client
// may keep one more idle keep-alive connection for a while, which is no
// leak, and a soak subtracts them.
type RuntimeStats struct {
	Goroutines int    `json:"goroutines"`
	HTTPConns  int64  `json:"http_conns"`
	RSSKB      int64  `json:"rss_kb"`
	RSSError   string `json:"rss_error,omitempty"`
}

// httpConns is what countConns counted.
var httpConns atomic.Int64

// countConns is the http.Server's ConnState hook when the debug listener
// is on.
func countConns(_ net.Conn, s http.ConnState) {
	switch s {
	case http.StateNew:
		httpConns.Add(1)
	case http.StateHijacked, http.StateClosed:
		httpConns.Add(-1)
	}
}

// debugHandler serves GET /debug/runtime. With ?free=1 it first collects
// garbage and hands free memory back to the OS, so that the RSS is what
// the process holds on to: a heap still growing to its GC target is then
// not mistaken for a leak.
func debugHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /debug/runtime", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("free") == "1" {
			debug.FreeOSMemory()
		}
		st := RuntimeStats{Goroutines: runtime.NumGoroutine(), HTTPConns: httpConns.Load()}
		rss, err := loadtest.ReadRSS(os.Getpid())
		if err != nil {
			st.RSSError = err.Error()
		}
		st.RSSKB = rss
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(st)
	})
	// The goroutines themselves, to see what a leak is made of, and a CPU
	// profile of the server under load (go tool pprof URL/debug/pprof/profile).
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	return mux
}

// listenDebug listens on addr, which must be a loopback address: the
// debug listener says how the process is doing, to this machine only.
func listenDebug(addr string) (net.Listener, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, usagef("--debug-addr %q: %v", addr, err)
	}
	ip := net.ParseIP(host)
	if host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, usagef("--debug-addr %q: want a loopback address, such as 127.0.0.1:0", addr)
	}
	if host == "localhost" {
		addr = net.JoinHostPort("127.0.0.1", addr[len(host)+1:])
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("debug listener on %s: %w", addr, err)
	}
	return ln, nil
}
