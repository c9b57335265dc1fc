package graders

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// TestManagedRunDeadlineBeforeListen: when the run's deadline passes before
// a --cmd server listens, the error tells the server's story (the address,
// how long, its last output), not "context deadline exceeded".
func TestManagedRunDeadlineBeforeListen(t *testing.T) {
	t.Parallel()
	addr, _ := FreeAddr()
	for _, tc := range []struct {
		command, output string
	}{
		{"echo starting up; sleep 30", "stdout: starting up"},
		{"sleep 30", "it printed nothing"},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		_, err := StartProcess(ctx, tc.command, &ProcessOptions{Addr: addr, Grace: 200 * time.Millisecond})
		cancel()
		var se *StartError
		if !errors.As(err, &se) {
			t.Fatalf("%s: %v, want a *StartError", tc.command, err)
		}
		msg := err.Error()
		for _, want := range []string{"did not listen on " + addr + " within", "the run's deadline", tc.output} {
			if !strings.Contains(msg, want) {
				t.Errorf("%s: %q does not say %q", tc.command, msg, want)
			}
		}
		if strings.HasPrefix(msg, "context deadline exceeded") {
			t.Errorf("%s: %q", tc.command, msg)
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s: %v does not wrap the deadline", tc.command, err)
		}
	}
}
