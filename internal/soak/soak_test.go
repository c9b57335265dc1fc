package soak

import (
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"rtlab/internal/nodetest"
)

// The short form runs in make test; make soak sets -soak=5m (and the
// binary it built).
var (
	soakFor      = flag.Duration("soak", 4*time.Second, "how long TestSoak holds its conversations")
	soakRtlab    = flag.String("soak.rtlab", "", "the rtlab binary to run the servers with (default: built by the test)")
	soakInterval = flag.Duration("soak.ping-interval", 250*time.Millisecond, "the servers' --ping-interval")
	soakTimeout  = flag.Duration("soak.ping-timeout", time.Second, "the servers' --ping-timeout")
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestSoak holds acked conversations and broadcasts with our client and
// the npm socket.io-client, over every transport, against `rtlab serve
// loadtest` and `rtlab serve q18` running as separate processes with a
// short heartbeat: no disconnect, no lost ack, the servers' goroutines and
// RSS within 10 % from start to end.
func TestSoak(t *testing.T) {
	bin := *soakRtlab
	if bin == "" {
		bin = buildRtlab(t)
	}
	ctx, cancel := context.WithTimeout(context.Background(), *soakFor+3*time.Minute)
	defer cancel()
	so := &ServerOptions{PingInterval: *soakInterval, PingTimeout: *soakTimeout}
	var targets []Target
	for _, ex := range []string{FixtureLoadtest, FixtureQ18} {
		s, err := StartServer(ctx, bin, ex, ex, so)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			s.Close()
			if t.Failed() {
				t.Logf("rtlab serve %s said:\n%s", ex, s.Stderr())
			}
		})
		targets = append(targets, s.Target)
	}
	o := &Options{Duration: *soakFor, Log: testLog{t}}
	if _, err := exec.LookPath("node"); err == nil {
		o.NodeDir = nodetest.Require(t)
	} else {
		t.Log("node not found: our client only (install Node.js 20 for the npm socket.io-client)")
	}
	t.Logf("soak: %v, heartbeat %v + %v", *soakFor, *soakInterval, *soakTimeout)
	rep, err := Run(ctx, targets, o)
	var b strings.Builder
	WriteText(&b, rep)
	t.Log("\n" + b.String())
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Fatal("the soak found problems (above)")
	}
}

type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// buildRtlab builds cmd/rtlab into the test's temporary directory.
func buildRtlab(t *testing.T) string {
	t.Helper()
	root := filepath.Dir(nodetest.Dir(t))
	root = filepath.Dir(root) // testdata/node → the module root
	bin := filepath.Join(t.TempDir(), "rtlab")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-o", bin, "./cmd/rtlab")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	start := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/rtlab: %v\n%s", err, out)
	}
	t.Logf("built rtlab in %v", time.Since(start).Round(time.Millisecond))
	return bin
}
