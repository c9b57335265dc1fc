package conformance

import (
	"os"
	"testing"

	"go.uber.org/goleak"

	"rtlab/internal/nodetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestPortAgainstNode runs the port against the fixture built on the real
// npm engine.io and socket.io packages: every case must pass there, or the
// port, not the server, is wrong.
func TestPortAgainstNode(t *testing.T) {
	p := nodetest.Start(t, "conformance-fixture.js", "0")
	port, err := p.WaitFor("listening ", 20e9)
	if err != nil {
		t.Fatal(err)
	}
	base := "http://127.0.0.1:" + port
	t.Run("engine.io", func(t *testing.T) { EngineIO(t, base) })
	t.Run("socket.io", func(t *testing.T) { SocketIO(t, base) })
}

// TestPortAgainstURL runs the port against the server at
// $RTLAB_CONFORMANCE_URL (an `rtlab serve conformance`, say), and is skipped
// without it: `make conformance-stress` runs it many times under load.
func TestPortAgainstURL(t *testing.T) {
	base := os.Getenv("RTLAB_CONFORMANCE_URL")
	if base == "" {
		t.Skip("RTLAB_CONFORMANCE_URL is not set")
	}
	t.Run("engine.io", func(t *testing.T) { EngineIO(t, base) })
	t.Run("socket.io", func(t *testing.T) { SocketIO(t, base) })
}
