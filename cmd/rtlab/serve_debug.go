package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"

	"rtlab/loadtest"
)

// RuntimeStats is what `rtlab serve --debug-addr` answers at
// /debug/runtime: enough for a soak, run from another process, to see a
// server leak goroutines or memory over minutes. RSSKB is 0 where the
// platform does not say (it is read from /proc), with RSSError saying why.
type RuntimeStats struct {
	Goroutines int    `json:"goroutines"`
	RSSKB      int64  `json:"rss_kb"`
	RSSError   string `json:"rss_error,omitempty"`
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
		st := RuntimeStats{Goroutines: runtime.NumGoroutine()}
		rss, err := loadtest.ReadRSS(os.Getpid())
		if err != nil {
			st.RSSError = err.Error()
		}
		st.RSSKB = rss
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(st)
	})
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
