package bench

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRunSmall runs every plain transport with a few users and short
// windows and checks the accounting holds together.
func TestRunSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the transports for a few seconds")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res, err := Run(ctx, &Options{
		Users: 20, Interval: 200 * time.Millisecond, Warmup: 300 * time.Millisecond, Window: time.Second,
		Transports: append(DefaultTransports[:len(DefaultTransports):len(DefaultTransports)], "websocket-deflate"),
	})
	require.NoError(t, err)
	for _, tr := range res.Transports {
		t.Run(tr.Name, func(t *testing.T) {
			t.Logf("%s", compact(tr))
			assert.Equal(t, "ok", tr.Status, tr.Reason)
			assert.Greater(t, tr.Updates.Sent, int64(50))
			assert.Zero(t, tr.Updates.Missing, "missing updates")
			assert.Zero(t, tr.Updates.Duplicates)
			assert.Zero(t, tr.Updates.ClientErrors)
			assert.Equal(t, tr.App.OutPayload, tr.Messages*8)
			assert.Greater(t, tr.Latency.Count, 0)
			assert.True(t, tr.Wire.Available)
			assert.Greater(t, tr.Wire.Total(), tr.App.Total())
			assert.NotEmpty(t, tr.Model.Notes)
		})
	}
}

func compact(tr TransportResult) string {
	tr.Latency.Quantiles = nil
	b, _ := json.Marshal(tr)
	return string(b)
}

func TestProbeTCPIPHeader(t *testing.T) {
	n, note := probeTCPIPHeader()
	assert.Contains(t, []int{40, 52}, n)
	assert.Contains(t, note, "TCP_INFO")
}
