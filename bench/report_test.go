package bench

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sampleResults is a small, plausible run for the renderers.
func sampleResults() *Results {
	o := (&Options{Users: 10, Window: 2 * time.Second}).withDefaults()
	r := newResults(&o)
	r.Started = time.Date(2026, 11, 26, 6, 0, 0, 0, time.UTC)
	for i, name := range []string{"short-polling", "websocket"} {
		tr := TransportResult{Name: name, Status: "ok", Promise: true, Users: 10, WindowSeconds: 2, Requests: int64(20 * (1 - i)), Messages: 20}
		tr.App = AppBytes{In: int64(20 * 700 * (1 - i)), Out: 20 * 10, OutPayload: 160, OutHeaders: 40}
		tr.Wire = WireBytes{Available: true, SegmentsIn: 20, SegmentsOut: 20, PureACKs: 20, In: 20*52 + tr.App.In, Out: 20*52 + tr.App.Out}
		tr.PerMinute = PerMinute{AppBytes: float64(tr.App.Total()) * 30, WireBytes: float64(tr.Wire.Total()) * 30, Requests: float64(tr.Requests) * 30}
		tr.Updates = Updates{Sent: 20, Delivered: 20}
		tr.Latency = latencyStats("delivery", []int64{1e5, 2e5, 3e5, 5e6})
		model(&tr, r.Config)
		r.Transports = append(r.Transports, tr)
	}
	nr := TransportResult{Name: "socketio-polling", Status: "not run", Reason: "socketio missing"}
	exerciseOnly(&nr, r.Config)
	r.Transports = append(r.Transports, nr)
	r.Sweep = []SweepPoint{
		{Transport: "websocket", Users: 10, WireBytesPerMin: 1e4, ExerciseModelPerMin: 6e3},
		{Transport: "websocket", Users: 100, WireBytesPerMin: 1e5, ExerciseModelPerMin: 6e4},
	}
	return r
}

func TestWriteReportAndLoadLatest(t *testing.T) {
	root := t.TempDir()
	r := sampleResults()
	dir, err := WriteReport(r, root)
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(root, "20261126-060000"), dir)
	for _, d := range []string{dir, filepath.Join(root, "latest")} {
		for _, f := range []string{ResultsFile, SummaryFile, ChartBytes + ".png", ChartBytes + ".svg", ChartLatency + ".png", ChartLatency + ".svg", ChartSweep + ".png", ChartSweep + ".svg"} {
			st, err := os.Stat(filepath.Join(d, f))
			require.NoError(t, err, f)
			assert.Greater(t, st.Size(), int64(100), f)
		}
	}
	got, err := LoadLatest(root)
	require.NoError(t, err)
	assert.Equal(t, r.Transports[0].PerMinute, got.Transports[0].PerMinute)
	assert.Equal(t, "not run", got.Transport("socketio-polling").Status)
	rows := got.Q7Rows()
	require.Len(t, rows, 2)
	assert.Equal(t, "Short polling", rows[0].Technique)
	assert.Equal(t, 60.0, rows[0].RequestsPerUserMinute)
	assert.Equal(t, 10.0, rows[1].AppBytesPerUpdate)

	// A second run replaces latest.
	r.Started = r.Started.Add(time.Minute)
	r.Transports = r.Transports[:1]
	_, err = WriteReport(r, root)
	require.NoError(t, err)
	got, err = LoadLatest(root)
	require.NoError(t, err)
	assert.Len(t, got.Transports, 1)

	_, err = LoadLatest(t.TempDir())
	assert.ErrorContains(t, err, "make bench")
}

func TestMarkdownAndText(t *testing.T) {
	r := sampleResults()
	var md, txt bytes.Buffer
	require.NoError(t, WriteMarkdown(&md, r))
	require.NoError(t, WriteText(&txt, r))
	for _, want := range []string{"## Q12", "| short-polling | 480,000 |", "## Q7: measured rows", "socketio-polling**: not run — socketio missing", "| socketio-polling | 480,000 | not run |", "## Sweep"} {
		assert.Contains(t, md.String(), want)
	}
	assert.Contains(t, txt.String(), "48,000,000")
	assert.Contains(t, txt.String(), "not run")
}

func TestLatencyStats(t *testing.T) {
	ns := make([]int64, 100)
	for i := range ns {
		ns[i] = int64(100-i) * 1e6 // 100 ms down to 1 ms
	}
	l := latencyStats("delivery", ns)
	assert.Equal(t, 50.0, l.P50)
	assert.Equal(t, 95.0, l.P95)
	assert.Equal(t, 99.0, l.P99)
	assert.Equal(t, 100.0, l.Max)
	assert.Equal(t, 50.5, l.Mean)
	assert.Len(t, l.Quantiles, 101)
	assert.Equal(t, 1.0, l.Quantiles[0])
}
