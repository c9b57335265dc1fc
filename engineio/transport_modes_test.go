package engineio

import (
	"testing"
	"time"
)

// transportMode is one way a client reaches its final transport. The
// client tests against our server and against the npm one walk the same
// three, so that a mode added to one is not forgotten in the other.
type transportMode struct {
	name      string
	transport string // what the client opens with
	upgrade   bool   // whether it then probes for WebSocket
	final     string // the transport the session ends up on
}

var transportModes = []transportMode{
	{"websocket", "websocket", false, "websocket"},
	{"polling", "polling", false, "polling"},
	{"upgrade", "polling", true, "websocket"},
}

// requireAliveAfter waits d (several ping intervals in the callers) and
// fails the test at once if done was closed meanwhile: heartbeats alone
// must keep a quiet session open.
func requireAliveAfter(t *testing.T, done <-chan struct{}, d time.Duration) {
	t.Helper()
	time.Sleep(d)
	select {
	case <-done:
		t.Fatal("session ended during heartbeats")
	default:
	}
}
