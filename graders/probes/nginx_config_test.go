package probes

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"rtlab/graders"

	"rtlab/reference"
	"rtlab/reference/nginx"
)

func requireNginx(t *testing.T) {
	t.Helper()
	if _, err := nginx.Find(); err != nil {
		var nf nginx.NotFoundError
		if errors.As(err, &nf) {
			t.Skip(err)
		}
		t.Fatal(err)
	}
}

// TestNginxVariantsFailTheirOwnCheck runs real nginx with the reference
// configuration and each broken one: the reference passes, and each
// variant fails the check that names its mistake.
func TestNginxVariantsFailTheirOwnCheck(t *testing.T) {
	t.Parallel()
	requireNginx(t)
	cases := []struct{ variant, check, says string }{
		{"", "", ""},
		{"no-upgrade-headers", "ws-upgrade", "426"},
		{"http-1.0", "ws-upgrade", "426"},
		{"default-read-timeout", "read-timeout", "60s"},
	}
	for _, c := range cases {
		t.Run("variant="+c.variant, func(t *testing.T) {
			t.Parallel()
			r := gradeWS(t, "q8", c.variant)
			if len(r.Checks) < 5 || r.Err != nil {
				t.Fatalf("%d checks, err %v", len(r.Checks), r.Err)
			}
			for _, res := range r.Checks {
				if res.ID == c.check || res.ID == "socketio-websocket" && c.check == "ws-upgrade" {
					continue // the Socket.IO WebSocket needs the same upgrade
				}
				if res.Status != graders.Pass {
					dump(t, r)
					t.Fatalf("%s: %s, want pass", res.ID, res.Status)
				}
			}
			if c.check == "" {
				return
			}
			res := checkByID(r, c.check)
			if res.Status != graders.Fail || !strings.Contains(res.Message(), c.says) {
				dump(t, r)
				t.Fatalf("%s = %s, want a failure that says %q", c.check, res.Status, c.says)
			}
			t.Logf("%s:\n%s", c.variant, res.Message())
		})
	}
}

// TestNginxStudentConfigDirectly grades nginx itself (as --nginx-conf
// does, no proxy in between) with a whole nginx.conf written the way a
// student might, and then with its Upgrade and Connection lines removed,
// which must fail.
func TestNginxStudentConfigDirectly(t *testing.T) {
	t.Parallel()
	requireNginx(t)
	conf := `user www-data;
worker_processes auto;
events { worker_connections 768; }
http {
  server {
    listen 8080;
    listen [::]:8080;
    location / {
      proxy_pass http://localhost:3000;
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection "upgrade";
      proxy_read_timeout 1h;   # sockets idle for long
    }
  }
}
`
	for _, broken := range []bool{false, true} {
		c := conf
		if broken {
			c = strings.NewReplacer("proxy_set_header Upgrade $http_upgrade;", "", `proxy_set_header Connection "upgrade";`, "").Replace(conf)
		}
		f, err := reference.NewNginxFront([]byte(c), nil)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		r := graders.Run(ctx, mustLoad(t, "q8"), &graders.Options{Probes: allProbes, URL: f.URL, Nginx: nginxOf(f)})
		cancel()
		f.Close()
		if st := statuses(r)["ws-upgrade"]; (st == graders.Pass) == broken {
			dump(t, r)
			t.Fatalf("broken=%v: ws-upgrade %s", broken, st)
		}
		if !broken && !r.Passed() {
			dump(t, r)
			t.Fatal("the student's whole nginx.conf fails")
		}
	}
}

func TestNginxReadTimeoutNeedsRtlabsNginx(t *testing.T) {
	t.Parallel()
	ts := httptest.NewServer(nil)
	defer ts.Close()
	sc := mustParse(t, `
exercise: q99
title: t
checks:
  - id: rt
    name: read timeout
    steps:
      - probe: {name: nginx-read-timeout}
`)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r := graders.Run(ctx, sc, &graders.Options{Probes: allProbes, URL: ts.URL})
	if msg := r.Checks[0].Message(); r.Checks[0].Status != graders.Fail || !strings.Contains(msg, "--nginx-conf") {
		t.Fatalf("%s: %s", r.Checks[0].Status, msg)
	}
}

func TestParseNginxTime(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"60": time.Minute, "60s": time.Minute, "1h": time.Hour, "3600s": time.Hour,
		"1m30s": 90 * time.Second, "500ms": 500 * time.Millisecond, "1d": 24 * time.Hour,
	} {
		if got, err := parseNginxTime(in); err != nil || got != want {
			t.Errorf("parseNginxTime(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := parseNginxTime("soon"); err == nil {
		t.Error("parseNginxTime(soon) did not fail")
	}
}

func TestReadTimeoutsIgnoresComments(t *testing.T) {
	ts, err := readTimeouts("# proxy_read_timeout 10s;\nlocation / {\n  proxy_read_timeout 2h; # long\n}\n")
	if err != nil || len(ts) != 1 || ts[0] != 2*time.Hour {
		t.Fatalf("%v, %v", ts, err)
	}
	ts, _ = readTimeouts(string(nginx.Q8Conf))
	if len(ts) != 1 || ts[0] <= time.Minute {
		t.Fatalf("q8.conf read timeouts %v", ts)
	}
}

// The marker the probe reads is where the Q8 reference and nginx write it.
func TestMarkerIsReferences(t *testing.T) {
	if markerPath != nginx.MarkerPath || noNginx != reference.NoNginxPrefix {
		t.Fatalf("probe reads %q %q; reference writes %q %q", markerPath, noNginx, nginx.MarkerPath, reference.NoNginxPrefix)
	}
}
