package loadtest

import (
	"math"
	"math/bits"
	"sync/atomic"
	"time"
)

// histSub is the number of linear sub-buckets per power of two: 32 keeps
// every recorded value within about 3% of its bucket's bounds.
const (
	histSubBits = 5
	histSub     = 1 << histSubBits
	histBuckets = (64 - histSubBits + 1) * histSub
)

// Histogram counts durations in log-linear buckets of microseconds, with
// atomic counters so that thousands of client goroutines can record into
// one without a lock, in constant memory whatever the number of samples.
// The zero value is ready to use.
type Histogram struct {
	counts [histBuckets]atomic.Uint64
	n      atomic.Uint64
	sum    atomic.Uint64 // microseconds
	max    atomic.Uint64 // microseconds
}

func histIndex(v uint64) int {
	if v < histSub {
		return int(v)
	}
	exp := bits.Len64(v) - histSubBits // ≥ 1
	return exp*histSub + int(v>>uint(exp-1)) - histSub
}

// histLow returns the smallest value of bucket i.
func histLow(i int) uint64 {
	if i < histSub {
		return uint64(i)
	}
	exp := i / histSub
	return uint64(i%histSub+histSub) << uint(exp-1)
}

// Record adds one duration; negative durations count as zero.
func (h *Histogram) Record(d time.Duration) {
	us := uint64(0)
	if d > 0 {
		us = uint64(d / time.Microsecond)
	}
	h.counts[histIndex(us)].Add(1)
	h.n.Add(1)
	h.sum.Add(us)
	for {
		m := h.max.Load()
		if us <= m || h.max.CompareAndSwap(m, us) {
			break
		}
	}
}

// Count returns the number of recorded durations.
func (h *Histogram) Count() uint64 { return h.n.Load() }

// Quantile returns the duration below which a fraction q of the samples
// fall (the upper bound of that sample's bucket, capped by the maximum).
func (h *Histogram) Quantile(q float64) time.Duration {
	n := h.n.Load()
	if n == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(n)))
	rank = max(rank, 1)
	var seen uint64
	mx := h.max.Load()
	for i := range h.counts {
		seen += h.counts[i].Load()
		if seen >= rank {
			hi := histLow(i+1) - 1
			if i+1 >= histBuckets {
				hi = mx
			}
			return time.Duration(min(hi, mx)) * time.Microsecond
		}
	}
	return time.Duration(mx) * time.Microsecond
}

// Summary returns the histogram's percentiles.
func (h *Histogram) Summary() Latency {
	n := h.n.Load()
	l := Latency{Count: n}
	if n == 0 {
		return l
	}
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	l.MeanMS = float64(h.sum.Load()) / float64(n) / 1000
	l.P50MS = ms(h.Quantile(0.50))
	l.P90MS = ms(h.Quantile(0.90))
	l.P99MS = ms(h.Quantile(0.99))
	l.MaxMS = float64(h.max.Load()) / 1000
	// A few points of the distribution for the chart.
	for _, q := range chartQuantiles {
		l.Curve = append(l.Curve, QuantilePoint{Q: q, MS: ms(h.Quantile(q))})
	}
	return l
}

var chartQuantiles = []float64{0, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.995, 0.999, 1}

// Latency summarises a latency distribution, in milliseconds.
type Latency struct {
	Count  uint64          `json:"count"`
	MeanMS float64         `json:"mean_ms"`
	P50MS  float64         `json:"p50_ms"`
	P90MS  float64         `json:"p90_ms"`
	P99MS  float64         `json:"p99_ms"`
	MaxMS  float64         `json:"max_ms"`
	Curve  []QuantilePoint `json:"curve,omitempty"`
}

// QuantilePoint is one point of a latency distribution.
type QuantilePoint struct {
	Q  float64 `json:"q"`
	MS float64 `json:"ms"`
}
