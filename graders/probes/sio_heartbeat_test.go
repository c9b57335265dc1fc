package probes

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"rtlab/graders"
	"rtlab/internal/rawws/rawwstest"
	"rtlab/reference"
)

// lazyPinger is a hostile Engine.IO server over WebSocket: it advertises a
// 200 ms + 200 ms heartbeat and sends its first PING after pingAfter, or
// never when pingAfter is 0.
func lazyPinger(t *testing.T, pingAfter time.Duration) *url.URL {
	u, _ := url.Parse(rawwstest.NewServer(t, func(c *rawwstest.Conn) {
		c.WriteText(`0{"sid":"lazy","upgrades":[],"pingInterval":200,"pingTimeout":200,"maxPayload":1000000}`)
		if pingAfter > 0 {
			tm := time.AfterFunc(pingAfter, func() { c.WriteText("2") })
			defer tm.Stop()
		}
		for {
			if _, err := c.ReadFrame(); err != nil {
				return
			}
		}
	}))
	return u
}

// TestHeartbeatProbeFailsALazyServer: a server that never pings, or pings
// a second after advertising 200 ms + 200 ms, fails, and the failure
// names the mistake; a reference server with a short heartbeat passes.
func TestHeartbeatProbeFailsALazyServer(t *testing.T) {
	for _, tc := range []struct {
		name      string
		pingAfter time.Duration
		want      string
	}{
		{"never pings", 0, "the server sent no PING within pingInterval 200 ms + pingTimeout 200 ms (400ms)"},
		{"pings late", time.Second, "the server sent no PING within pingInterval 200 ms + pingTimeout 200 ms (400ms)"},
		{"pings in time", 150 * time.Millisecond, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			err := sioHeartbeatProbe(ctx, &graders.ProbeEnv{URL: lazyPinger(t, tc.pingAfter), HTTP: http.DefaultClient}, map[string]any{})
			if tc.want == "" {
				if err != nil {
					t.Fatalf("a server that pings in time failed: %v", err)
				}
				return
			}
			var f *graders.Failure
			if !errors.As(err, &f) || !strings.Contains(f.Error(), tc.want) {
				t.Fatalf("got %v, want a failure saying %q", err, tc.want)
			}
			if !strings.Contains(f.Error(), `ping timeout`) {
				t.Errorf("the failure does not say what clients do: %v", f)
			}
		})
	}
	t.Run("reference", func(t *testing.T) {
		hs := startReference(t, "q18", &reference.Options{PingInterval: 200 * time.Millisecond, PingTimeout: 200 * time.Millisecond})
		u, _ := url.Parse(hs.URL)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := sioHeartbeatProbe(ctx, &graders.ProbeEnv{URL: u, HTTP: &http.Client{}}, map[string]any{}); err != nil {
			t.Fatalf("the q18 reference fails: %v", err)
		}
	})
	t.Run("timeout too short", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		err := sioHeartbeatProbe(ctx, &graders.ProbeEnv{URL: lazyPinger(t, 0), HTTP: http.DefaultClient}, map[string]any{})
		var se *graders.ScenarioError
		if !errors.As(err, &se) {
			t.Fatalf("got %v, want a scenario error about the check's timeout", err)
		}
	})
}
