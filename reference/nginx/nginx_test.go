package nginx

import (
	"errors"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestRenderRewritesListenAndBackend(t *testing.T) {
	out, err := render(string(Q8Conf), "/tmp/p", "127.0.0.1:5555", "127.0.0.1:7777", "abc")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"listen 127.0.0.1:5555;", "server 127.0.0.1:7777;", `return 200 "abc"`, "pid /tmp/p/nginx.pid;"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
	if strings.Contains(out, "listen 80") || strings.Contains(out, ":3000") {
		t.Errorf("the original listen or backend is left:\n%s", out)
	}
	// A whole nginx.conf: only its http block is kept.
	out, err = render("user nginx;\nevents {}\nhttp {\n server { listen 80; listen [::]:80; location / { proxy_pass http://localhost:3000; } }\n}\n", "/p", "127.0.0.1:1", "127.0.0.1:2", "id")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out, "user nginx") || strings.Count(out, "listen ") != 1 {
		t.Errorf("whole nginx.conf badly rendered:\n%s", out)
	}
	var ce *ConfigError
	if _, err := render("server { listen 80; location / { proxy_pass http://127.0.0.1:4000; } }", "/p", "a", "b", "c"); !errors.As(err, &ce) {
		t.Errorf("a config that never proxies to :3000: %v", err)
	}
	if _, err := render("server { location / { proxy_pass http://127.0.0.1:3000; } }", "/p", "a", "b", "c"); !errors.As(err, &ce) {
		t.Errorf("a config without listen: %v", err)
	}
}

func TestStartRefusesABadConfig(t *testing.T) {
	if _, err := Find(); err != nil {
		t.Skip(err)
	}
	_, err := Start([]byte("server { listen 80; location / { proxy_pass http://127.0.0.1:3000; proxy_bogus on; } }"), "127.0.0.1:9")
	var ce *ConfigError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "proxy_bogus") {
		t.Fatalf("%v", err)
	}
}
