package main

import (
	"bytes"
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"rtlab/engineio"
	"rtlab/socketio"
)

// TestLoadExitsNonZeroOnDrops: a run whose clients the server cut off
// exited 0 (issue 12: every client "closed by the server" under the
// 20-second drop, and the exit status said all was well). It now exits 1
// and says how many clients were dropped and why.
func TestLoadExitsNonZeroOnDrops(t *testing.T) {
	for _, tc := range []struct {
		name     string
		kick     bool
		wantCode int
		want     string
	}{
		{"server drops clients", true, 1, "rtlab load: the server dropped 2 clients (io server disconnect: 2) during the run"},
		{"server holds clients", false, 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			io := socketio.NewServer(&socketio.ServerOptions{Engine: &engineio.ServerOptions{PingInterval: 100 * time.Millisecond}})
			io.Of("/").OnConnect(func(s *socketio.Socket) {
				if tc.kick {
					time.AfterFunc(200*time.Millisecond, func() { s.Disconnect(true) })
				}
			})
			hs := httptest.NewServer(io)
			defer hs.Close()
			defer io.Close()
			var stdout, stderr bytes.Buffer
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			code := run(ctx, &env{stdout: &stdout, stderr: &stderr}, []string{"load", hs.URL,
				"--mode", "idle", "--clients", "2", "--duration", "1s", "--no-progress", "--out", t.TempDir()})
			if code != tc.wantCode {
				t.Fatalf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.wantCode, &stdout, &stderr)
			}
			if tc.want != "" && !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("stderr does not say %q:\n%s", tc.want, &stderr)
			}
			if tc.want == "" && stderr.Len() > 0 {
				t.Errorf("stderr of a clean run:\n%s", &stderr)
			}
		})
	}
}
