package bench

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func init() {
	// Test-only transports: one whose clients never connect, one that
	// drops every other update although it promises delivery, and one
	// that is unavailable.
	registerTransport(&transport{
		name:    "test-refused",
		promise: true,
		handler: func(h *hub) http.Handler { return http.NotFoundHandler() },
		client: func(ctx context.Context, h *hub, ce *clientEnv, u *user, ready func()) error {
			return errors.New("refused")
		},
	})
	registerTransport(&transport{
		name:    "test-lossy",
		promise: true,
		handler: pollHandler(true),
		client: func(ctx context.Context, h *hub, ce *clientEnv, u *user, ready func()) error {
			hc := ce.userClient()
			ready()
			since := 0
			for ctx.Err() == nil {
				next, err := poll(ctx, h, hc, u, since)
				if err != nil {
					return nil
				}
				since = next + 1 // skips one update each time
			}
			return nil
		},
	})
	registerTransport(&transport{
		name:      "test-unavailable",
		handler:   func(h *hub) http.Handler { return http.NotFoundHandler() },
		available: func() (bool, string) { return false, "not in this build" },
	})
}

// TestRunFailures: a transport that cannot connect fails with a reason
// instead of hanging; missing updates are reported; an unavailable one is
// "not run"; the run goes on after each.
func TestRunFailures(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := Run(ctx, &Options{
		Users: 5, Interval: 100 * time.Millisecond, Warmup: 200 * time.Millisecond, Window: 500 * time.Millisecond,
		Drain: 300 * time.Millisecond, Transports: []string{"test-refused", "test-lossy", "test-unavailable", "websocket"},
	})
	require.NoError(t, err)
	require.Len(t, res.Transports, 4)

	refused := res.Transports[0]
	assert.Equal(t, "failed", refused.Status)
	assert.Contains(t, refused.Reason, "no user connected: refused")

	lossy := res.Transports[1]
	assert.Equal(t, "ok", lossy.Status)
	assert.Greater(t, lossy.Updates.Missing, int64(0))
	assert.Contains(t, lossy.Reason, "went missing although test-lossy promises delivery")

	assert.Equal(t, "not run", res.Transports[2].Status)
	assert.Equal(t, "not in this build", res.Transports[2].Reason)

	var te *TransportError
	require.ErrorAs(t, res.Err(), &te)
	assert.Equal(t, "test-refused", te.Transport)
	assert.ErrorContains(t, res.Err(), "test-lossy")
	assert.NotContains(t, res.Err().Error(), "test-unavailable")

	assert.Equal(t, "ok", res.Transports[3].Status)
	assert.Zero(t, res.Transports[3].Updates.Missing)
}

func TestRunOptions(t *testing.T) {
	_, err := Run(context.Background(), &Options{Transports: []string{"carrier-pigeon"}})
	var ute *UnknownTransportError
	require.ErrorAs(t, err, &ute)
	assert.True(t, strings.Contains(err.Error(), "websocket"), err.Error())

	o := (*Options)(nil).withDefaults()
	assert.Equal(t, 1000, o.Users)
	assert.Equal(t, time.Second, o.Interval)
	assert.Equal(t, 20*time.Second, o.Window)
	assert.Equal(t, 2*time.Second, o.Warmup)
	assert.Equal(t, 8, o.Payload)
	assert.Equal(t, DefaultTransports, o.Transports)
}

// TestRunCancelled: cancelling the context ends the run promptly.
func TestRunCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(300 * time.Millisecond); cancel() }()
	start := time.Now()
	res, err := Run(ctx, &Options{Users: 5, Window: time.Minute, Transports: []string{"websocket", "sse"}})
	assert.ErrorIs(t, err, context.Canceled)
	require.NotNil(t, res)
	require.Len(t, res.Transports, 1)
	assert.Equal(t, "failed", res.Transports[0].Status)
	assert.Less(t, time.Since(start), 20*time.Second)
}
