package loadtest

import (
	"testing"
	"time"
)

func TestHistogramBuckets(t *testing.T) {
	for _, v := range []uint64{0, 1, 31, 32, 33, 63, 64, 100, 1000, 123456, 1 << 40} {
		i := histIndex(v)
		if lo, hi := histLow(i), histLow(i+1); v < lo || v >= hi {
			t.Errorf("value %d in bucket %d [%d,%d)", v, i, lo, hi)
		}
	}
}

func TestHistogramQuantiles(t *testing.T) {
	var h Histogram
	for i := 1; i <= 1000; i++ {
		h.Record(time.Duration(i) * time.Millisecond)
	}
	s := h.Summary()
	check := func(name string, got, want float64) {
		if got < want*0.96 || got > want*1.04 {
			t.Errorf("%s = %.1f ms, want about %.1f", name, got, want)
		}
	}
	check("p50", s.P50MS, 500)
	check("p90", s.P90MS, 900)
	check("p99", s.P99MS, 990)
	check("max", s.MaxMS, 1000)
	check("mean", s.MeanMS, 500.5)
	if s.Count != 1000 {
		t.Errorf("count %d", s.Count)
	}
}
