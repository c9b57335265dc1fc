// Package nginx runs a real nginx with a student's configuration (Q8) on
// loopback ports, with its own temporary prefix, in front of a backend the
// grader chooses: the configuration is graded by what nginx does with it,
// not by reading it, except for what cannot be waited for in a test (a
// proxy_read_timeout above nginx's 60 s default).
//
// A configuration is what goes inside nginx's http { } block (a conf.d
// file); a whole nginx.conf is accepted too, and only its http block is
// used. It proxies to the server at 127.0.0.1:3000 (or localhost:3000) and
// listens on any port: Start rewrites the first listen to a free loopback
// port, drops the others, and points 127.0.0.1:3000 at the backend.
package nginx

import (
	_ "embed"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"

	"crypto/rand"
	"encoding/hex"

	"rtlab/internal/procgroup"
)

// Q8Conf is the reference configuration of Q8.
//
//go:embed q8.conf
var Q8Conf []byte

// NotFoundError says nginx is not installed.
type NotFoundError struct{}

func (NotFoundError) Error() string {
	return "nginx not found: apt-get install nginx (or set RTLAB_NGINX to its binary)"
}

// ConfigError is nginx refusing the configuration (nginx -t), or a
// configuration the grader cannot place in front of its backend.
type ConfigError struct {
	Msg string
}

func (e *ConfigError) Error() string { return "nginx configuration: " + e.Msg }

// Find returns the nginx binary: RTLAB_NGINX, else nginx on PATH or in
// /usr/sbin (not always on a user's PATH).
func Find() (string, error) {
	if p := os.Getenv("RTLAB_NGINX"); p != "" {
		if path, err := exec.LookPath(p); err == nil {
			return path, nil
		}
		return "", NotFoundError{}
	}
	if p, err := exec.LookPath("nginx"); err == nil {
		return p, nil
	}
	if _, err := os.Stat("/usr/sbin/nginx"); err == nil {
		return "/usr/sbin/nginx", nil
	}
	return "", NotFoundError{}
}

// MarkerPath is a location Start adds to the server block: it answers the
// instance's id, so that a person (or a probe) that knows only the URL can
// tell rtlab's nginx from another; the Q8 reference without nginx answers
// there why it has none.
const MarkerPath = "/__rtlab/nginx"

// Instance is a running nginx.
type Instance struct {
	// ID names the instance; nginx answers it at MarkerPath.
	ID string
	// Addr is where nginx listens (127.0.0.1:PORT).
	Addr string
	// Conf is the configuration as given; Rendered the nginx.conf run.
	Conf     string
	Rendered string

	prefix string
	cmd    *exec.Cmd
	done   chan struct{}
	stop   sync.Once
}

var (
	httpBlock  = regexp.MustCompile(`(?m)^\s*http\s*\{`)
	listenLine = regexp.MustCompile(`\blisten\s+[^;]*;`)
	backendRef = regexp.MustCompile(`(127\.0\.0\.1|localhost|\[::1\]):3000\b`)
	comment    = regexp.MustCompile(`(?m)#.*$`)
)

// body returns what goes inside the http block: the http block's content
// of a whole nginx.conf, or the file itself.
func body(conf string) (string, error) {
	text := comment.ReplaceAllString(conf, "")
	loc := httpBlock.FindStringIndex(text)
	if loc == nil {
		return text, nil
	}
	depth := 0
	for i := loc[1] - 1; i < len(text); i++ {
		switch text[i] {
		case '{':
			depth++
		case '}':
			depth--
			if depth == 0 {
				return text[loc[1]:i], nil
			}
		}
	}
	return "", &ConfigError{"the http { block is not closed"}
}

// render turns a student's configuration into a complete nginx.conf that
// runs in prefix, listens on listen and proxies to backend.
func render(conf, prefix, listen, backend, id string) (string, error) {
	b, err := body(conf)
	if err != nil {
		return "", err
	}
	first := true
	b = listenLine.ReplaceAllStringFunc(b, func(string) string {
		if !first {
			return ""
		}
		first = false
		return fmt.Sprintf("listen %s;\n    location = %s { default_type text/plain; return 200 %q; }", listen, MarkerPath, id)
	})
	if first {
		return "", &ConfigError{"no listen directive: the server block must say where nginx listens (listen 80;)"}
	}
	if !backendRef.MatchString(b) {
		return "", &ConfigError{"it never proxies to the server on port 3000 (proxy_pass http://127.0.0.1:3000, or an upstream with server 127.0.0.1:3000)"}
	}
	b = backendRef.ReplaceAllString(b, backend)
	p := func(name string) string { return filepath.Join(prefix, name) }
	return fmt.Sprintf(`# Written by rtlab: the student's configuration inside a minimal nginx.conf.
daemon off;
master_process off;
worker_processes 1;
pid %s;
error_log %s warn;
events { worker_connections 512; }
http {
    access_log off;
    client_body_temp_path %s;
    proxy_temp_path %s;
    fastcgi_temp_path %s;
    uwsgi_temp_path %s;
    scgi_temp_path %s;
    # ---- the configuration under test ----
%s
}
`, p("nginx.pid"), p("error.log"), p("client_body"), p("proxy"), p("fastcgi"), p("uwsgi"), p("scgi"), b), nil
}

// Start runs nginx with conf in front of backend (host:port), on a free
// loopback port, and returns once it accepts connections. Stop ends it.
func Start(conf []byte, backend string) (*Instance, error) {
	bin, err := Find()
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	prefix, err := os.MkdirTemp("", "rtlab-nginx-")
	if err != nil {
		return nil, err
	}
	var idb [8]byte
	rand.Read(idb[:])
	in := &Instance{ID: hex.EncodeToString(idb[:]), Addr: addr, Conf: string(conf), prefix: prefix, done: make(chan struct{})}
	in.Rendered, err = render(string(conf), prefix, addr, backend, in.ID)
	if err != nil {
		os.RemoveAll(prefix)
		return nil, err
	}
	confPath := filepath.Join(prefix, "nginx.conf")
	if err := os.WriteFile(confPath, []byte(in.Rendered), 0o644); err != nil {
		os.RemoveAll(prefix)
		return nil, err
	}
	args := []string{"-p", prefix, "-c", confPath, "-e", filepath.Join(prefix, "error.log")}
	if out, err := exec.Command(bin, append([]string{"-t", "-q"}, args...)...).CombinedOutput(); err != nil {
		os.RemoveAll(prefix)
		return nil, &ConfigError{"nginx -t refuses it: " + strings.TrimSpace(strings.ReplaceAll(string(out), confPath, "your configuration"))}
	}
	in.cmd = exec.Command(bin, args...)
	procgroup.Isolate(in.cmd)
	if err := in.cmd.Start(); err != nil {
		os.RemoveAll(prefix)
		return nil, err
	}
	go func() { in.cmd.Wait(); close(in.done) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			break
		}
		select {
		case <-in.done:
			log, _ := os.ReadFile(filepath.Join(prefix, "error.log"))
			os.RemoveAll(prefix)
			return nil, fmt.Errorf("nginx exited at start: %s", strings.TrimSpace(string(log)))
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			in.Stop()
			return nil, errors.New("nginx did not listen on " + addr + " within 10s")
		}
	}
	return in, nil
}

// Stop ends nginx (SIGQUIT, its graceful stop, then SIGKILL after 2 s),
// waits for it and removes its prefix.
func (in *Instance) Stop() error {
	in.stop.Do(func() {
		grace := 2 * time.Second
		if procgroup.Signal(in.cmd, syscall.SIGQUIT) != nil {
			grace = 0 // no graceful stop signal here (Windows): kill at once
		}
		select {
		case <-in.done:
		case <-time.After(grace):
			procgroup.Signal(in.cmd, syscall.SIGKILL)
			<-in.done
		}
		os.RemoveAll(in.prefix)
	})
	return nil
}
