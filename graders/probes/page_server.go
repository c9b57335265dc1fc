package probes

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"
)

// ServePage serves the folder of a student's page on a loopback port, with
// the page itself at "/" (rtlab grade --page FILE). The returned URL is the
// base to grade; close stops the server.
func ServePage(file string) (base string, closeFn func() error, err error) {
	st, err := os.Stat(file)
	if err != nil {
		return "", nil, err
	}
	if st.IsDir() {
		return "", nil, fmt.Errorf("--page %s is a folder: give the HTML file", file)
	}
	dir, name := filepath.Split(file)
	if dir == "" {
		dir = "."
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	files := http.FileServer(http.Dir(dir))
	hs := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/" {
			http.ServeFile(w, r, filepath.Join(dir, name))
			return
		}
		files.ServeHTTP(w, r)
	})}
	done := make(chan struct{})
	go func() { defer close(done); hs.Serve(ln) }()
	return (&url.URL{Scheme: "http", Host: ln.Addr().String()}).String(), func() error {
		err := hs.Close()
		<-done
		return err
	}, nil
}
