package reference

import (
	"testing"

	"rtlab/internal/conformance"
)

// TestConformance runs rtlab's port of the official Engine.IO v4 and
// Socket.IO v5 suites against our fixture (the same port passes against the
// npm fixture in internal/conformance).
func TestConformance(t *testing.T) {
	base := start(t, "conformance", "")
	t.Run("engine.io", func(t *testing.T) { conformance.EngineIO(t, base) })
	t.Run("socket.io", func(t *testing.T) { conformance.SocketIO(t, base) })
}
