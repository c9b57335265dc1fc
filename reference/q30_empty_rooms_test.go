package reference_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"rtlab/internal/syncbuf"
	"rtlab/reference"
	"rtlab/socketio"
)

// TestQ30LogsRoomLifecycle checks what the Q30 answer relies on: the
// reference logs the adapter's create-room when a named room gets its
// first member and delete-room when its last member leaves, and never the
// socket-id rooms.
func TestQ30LogsRoomLifecycle(t *testing.T) {
	log := &syncbuf.Buffer{}
	ts, err := reference.Start("q30", &reference.Options{Log: log})
	if err != nil {
		t.Fatal(err)
	}
	defer ts.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := socketio.Dial(ctx, ts.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, err := c.Socket(ctx, "/", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range []string{"join", "leave"} {
		if _, err := s.EmitWithAck(ctx, ev, map[string]string{"room": "lobby"}); err != nil {
			t.Fatal(err)
		}
	}
	want := "create-room lobby\ndelete-room lobby\n"
	if got := log.String(); got != want {
		t.Errorf("log = %q, want %q", got, want)
	}
	if strings.Contains(log.String(), s.ID()) {
		t.Errorf("the log shows the socket-id room %s", s.ID())
	}
}
