package loadtest

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestBroadcastRefused: a bcast past the fixture's bounds is reported as
// refused, with the bounds, not as ticks that never came.
func TestBroadcastRefused(t *testing.T) {
	url := startFixture(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := Run(ctx, url, &Options{Mode: ModeBroadcast, Clients: 2, Messages: 200_000, Size: 100})
	if err == nil || !strings.Contains(err.Error(), "refused bcast 200000 × 100") || !strings.Contains(err.Error(), "n up to 100000") {
		t.Fatalf("Run: %v, want the refusal with the bounds", err)
	}
}
