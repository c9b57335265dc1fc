package bench

import (
	"math"
	"sort"
	"strconv"
	"strings"
)

// latencyStats summarises samples given in nanoseconds.
func latencyStats(kind string, ns []int64) Latency {
	l := Latency{Kind: kind, Count: len(ns)}
	if len(ns) == 0 {
		return l
	}
	sort.Slice(ns, func(i, j int) bool { return ns[i] < ns[j] })
	ms := func(v int64) float64 { return float64(v) / 1e6 }
	q := func(p float64) float64 {
		i := int(math.Ceil(p*float64(len(ns)))) - 1
		return ms(ns[min(max(i, 0), len(ns)-1)])
	}
	var sum float64
	for _, v := range ns {
		sum += ms(v)
	}
	l.Mean = round3(sum / float64(len(ns)))
	l.P50, l.P95, l.P99, l.Max = round3(q(0.50)), round3(q(0.95)), round3(q(0.99)), round3(ms(ns[len(ns)-1]))
	l.Quantiles = make([]float64, 101)
	for p := 0; p <= 100; p++ {
		if p == 0 {
			l.Quantiles[p] = round3(ms(ns[0]))
			continue
		}
		l.Quantiles[p] = round3(q(float64(p) / 100))
	}
	return l
}

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }

// num formats v with thousands separators and no decimals above 100, one
// decimal below: numbers a reader compares at a glance.
func num(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "–"
	}
	if math.Abs(v) < 100 && v != math.Trunc(v) {
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	s := strconv.FormatInt(int64(math.Round(v)), 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// num2 formats a ratio with two significant decimals.
func num2(v float64) string {
	if v >= 10 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

func pct(v float64) string { return strconv.FormatFloat(v*100, 'f', 1, 64) + " %" }
