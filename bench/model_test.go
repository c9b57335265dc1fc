package bench

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestExerciseModelTextbook: the exercise's figures are the textbook answer.
func TestExerciseModelTextbook(t *testing.T) {
	for name, want := range map[string]float64{
		"short-polling": 48_000_000,
		"long-polling":  48_000_000,
		"websocket":     600_000,
	} {
		_, got, inQ12, _ := ExerciseModel(name, 1000, 1, 8)
		assert.Equal(t, want, got, name)
		assert.True(t, inQ12, name)
	}
	_, got, inQ12, _ := ExerciseModel("sse", 1000, 1, 8)
	assert.Equal(t, 960_000.0, got) // 16 B events
	assert.False(t, inQ12)
	_, got, _, _ = ExerciseModel("websocket", 100, 0.5, 8)
	assert.Equal(t, 120_000.0, got)
}

// TestModelMeasuredSizes checks the measured-size model against a hand
// computed row.
func TestModelMeasuredSizes(t *testing.T) {
	cfg := Config{Users: 1000, IntervalSeconds: 1, WindowSeconds: 20, PayloadBytes: 8, TCPIPHeaderBytes: 52}
	r := TransportResult{
		Name: "long-polling", Requests: 20_000, Messages: 20_000, WindowSeconds: 20,
		App: AppBytes{In: 20_000 * 700, InHeaders: 20_000 * 700, Out: 20_000 * 150, OutPayload: 20_000 * 8, OutHeaders: 20_000 * 142},
	}
	r.PerMinute.AppBytes = float64(r.App.Total()) * 3
	r.PerMinute.Requests = 60_000
	model(&r, cfg)
	assert.Equal(t, 850.0, r.Model.MeasuredUnitBytes)
	assert.Equal(t, 51_000_000.0, r.Model.MeasuredBytesPerMin)
	assert.Equal(t, 48_000_000.0, r.Model.ExerciseBytesPerMin)
	assert.Contains(t, r.Model.Notes[0], "×1.06")
	assert.Contains(t, r.Model.Notes[1], "100.0 %")

	w := TransportResult{Name: "websocket", Messages: 20_000, WindowSeconds: 20, App: AppBytes{Out: 200_000, OutPayload: 160_000, OutHeaders: 40_000}}
	w.PerMinute.AppBytes = 600_000
	model(&w, cfg)
	assert.Equal(t, 10.0, w.Model.MeasuredUnitBytes)
	assert.Equal(t, 600_000.0, w.Model.MeasuredBytesPerMin)
}

func TestNum(t *testing.T) {
	assert.Equal(t, "48,000,000", num(48e6))
	assert.Equal(t, "600,000", num(6e5))
	assert.Equal(t, "999", num(999))
	assert.Equal(t, "12.5", num(12.5))
	assert.Equal(t, "-1,234", num(-1234))
}
