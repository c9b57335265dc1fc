package socketio

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	if spec := os.Getenv(idleClientsEnv); spec != "" {
		idleClientsMain(spec) // the client process of BenchmarkIdleSessions
	}
	goleak.VerifyTestMain(m)
}
