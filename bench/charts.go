package bench

import (
	"fmt"
	"image/color"
	"math"
	"path/filepath"
	"sort"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Chart file names, without extension; each is written as .png and .svg.
const (
	ChartBytes   = "bytes_per_minute"
	ChartLatency = "latency"
	ChartSweep   = "sweep"
)

// WriteCharts draws the run's charts into dir as PNG and SVG: bytes per
// minute per transport (log scale, model against measured), the latency
// distribution, and bytes per minute against users when r has a sweep. It
// returns the base names written.
func WriteCharts(r *Results, dir string) ([]string, error) {
	var written []string
	save := func(p *plot.Plot, name string, w, h vg.Length) error {
		for _, ext := range []string{".png", ".svg"} {
			if err := p.Save(w, h, filepath.Join(dir, name+ext)); err != nil {
				return fmt.Errorf("bench: chart %s%s: %w", name, ext, err)
			}
		}
		written = append(written, name)
		return nil
	}
	ok := measured(r)
	if len(ok) > 0 {
		p, err := bytesChart(r, ok)
		if err != nil {
			return written, err
		}
		if err := save(p, ChartBytes, 22*vg.Centimeter, 13*vg.Centimeter); err != nil {
			return written, err
		}
		if p, err = latencyChart(r, ok); err != nil {
			return written, err
		}
		if err := save(p, ChartLatency, 20*vg.Centimeter, 12*vg.Centimeter); err != nil {
			return written, err
		}
	}
	if len(r.Sweep) > 0 {
		p, err := sweepChart(r)
		if err != nil {
			return written, err
		}
		if err := save(p, ChartSweep, 20*vg.Centimeter, 13*vg.Centimeter); err != nil {
			return written, err
		}
	}
	return written, nil
}

// measured returns the transports that ran.
func measured(r *Results) []TransportResult {
	var ok []TransportResult
	for _, t := range r.Transports {
		if t.Status != "not run" && t.Latency.Count > 0 {
			ok = append(ok, t)
		}
	}
	return ok
}

func bytesChart(r *Results, ts []TransportResult) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("Bytes per minute, %d users, one update per %gs each", r.Config.Users, r.Config.IntervalSeconds)
	p.Y.Label.Text = "bytes per minute (log scale)"
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	names := make([]string, len(ts))
	series := []struct {
		label string
		value func(TransportResult) float64
	}{
		{"Q12 model (exercise sizes)", func(t TransportResult) float64 { return t.Model.ExerciseBytesPerMin }},
		{"model, measured sizes", func(t TransportResult) float64 { return t.Model.MeasuredBytesPerMin }},
		{"measured, application bytes", func(t TransportResult) float64 { return t.PerMinute.AppBytes }},
		{"measured, on the wire (TCP/IP)", func(t TransportResult) float64 { return t.PerMinute.WireBytes }},
	}
	lo, hi := math.Inf(1), 0.0
	for i, t := range ts {
		names[i] = t.Name
		for _, s := range series {
			if v := s.value(t); v > 0 {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	if hi == 0 {
		lo, hi = 1, 10
	}
	floor := math.Pow(10, math.Floor(math.Log10(lo)))
	width := vg.Points(13)
	for k, s := range series {
		b := &logBars{floor: floor, width: width, offset: width * vg.Length(float64(k)-1.5), color: plotutil.Color(k)}
		for _, t := range ts {
			b.values = append(b.values, s.value(t))
		}
		p.Add(b)
		p.Legend.Add(s.label, b)
	}
	// A decade of headroom keeps the legend (top right) above the bars.
	p.Y.Min, p.Y.Max = floor, math.Pow(10, math.Ceil(math.Log10(hi*1.5))+1)
	p.Legend.Top = true
	p.NominalX(names...)
	p.X.Tick.Label.Rotation = 0.25
	p.X.Tick.Label.XAlign = draw.XRight
	p.Add(plotter.NewGrid())
	return p, nil
}

// logBars draws grouped bars rising from floor on a log-scale Y axis,
// which gonum's BarChart cannot (its bars start at 0).
type logBars struct {
	values []float64
	floor  float64
	width  vg.Length
	offset vg.Length
	color  color.Color
}

func (b *logBars) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	for i, v := range b.values {
		if v <= b.floor {
			continue
		}
		x := trX(float64(i)) + b.offset
		y0, y1 := trY(b.floor), trY(v)
		pts := []vg.Point{{X: x - b.width/2, Y: y0}, {X: x - b.width/2, Y: y1}, {X: x + b.width/2, Y: y1}, {X: x + b.width/2, Y: y0}}
		c.FillPolygon(b.color, c.ClipPolygonY(pts))
	}
}

func (b *logBars) DataRange() (xmin, xmax, ymin, ymax float64) {
	ymin, ymax = b.floor, b.floor
	for _, v := range b.values {
		ymax = math.Max(ymax, v)
	}
	return -0.5, float64(len(b.values)) - 0.5, ymin, ymax
}

func (b *logBars) Thumbnail(c *draw.Canvas) {
	pts := []vg.Point{{X: c.Min.X, Y: c.Min.Y}, {X: c.Min.X, Y: c.Max.Y}, {X: c.Max.X, Y: c.Max.Y}, {X: c.Max.X, Y: c.Min.Y}}
	c.FillPolygon(b.color, pts)
}

func latencyChart(r *Results, ts []TransportResult) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = "Delivery latency (staleness for short polling)"
	p.X.Label.Text = "milliseconds from the server's send to the client's receipt (log scale)"
	p.Y.Label.Text = "percent of updates delivered within"
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = plot.LogTicks{Prec: -1}
	p.Y.Min, p.Y.Max = 0, 100
	lo := math.Inf(1)
	for _, t := range ts {
		for _, q := range t.Latency.Quantiles {
			if q > 0 {
				lo = math.Min(lo, q)
			}
		}
	}
	if math.IsInf(lo, 1) {
		lo = 0.01
	}
	for i, t := range ts {
		pts := make(plotter.XYs, 0, len(t.Latency.Quantiles))
		for pc, q := range t.Latency.Quantiles {
			pts = append(pts, plotter.XY{X: math.Max(q, lo), Y: float64(pc)})
		}
		l, err := plotter.NewLine(pts)
		if err != nil {
			return nil, err
		}
		l.Color = plotutil.Color(i)
		l.Width = vg.Points(1.5)
		l.Dashes = plotutil.Dashes(i)
		p.Add(l)
		p.Legend.Add(fmt.Sprintf("%s (p50 %s ms, p99 %s ms)", t.Name, fmtMS(t.Latency.P50), fmtMS(t.Latency.P99)), l)
	}
	// Bottom left, pushed right and up into the empty middle: fast
	// transports rise on the left, polling on the right.
	p.Legend.Left = true
	p.Legend.XOffs = 5 * vg.Centimeter
	p.Legend.YOffs = 1 * vg.Centimeter
	p.Add(plotter.NewGrid())
	return p, nil
}

func sweepChart(r *Results) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = "Bytes per minute against users"
	p.X.Label.Text = "users (log scale)"
	p.Y.Label.Text = "bytes per minute (log scale)"
	p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
	p.X.Tick.Marker, p.Y.Tick.Marker = plot.LogTicks{Prec: -1}, plot.LogTicks{Prec: -1}
	by := map[string][]SweepPoint{}
	var order []string
	for _, s := range r.Sweep {
		if _, seen := by[s.Transport]; !seen {
			order = append(order, s.Transport)
		}
		by[s.Transport] = append(by[s.Transport], s)
	}
	ymax := 0.0
	for i, name := range order {
		pts := by[name]
		sort.Slice(pts, func(a, b int) bool { return pts[a].Users < pts[b].Users })
		var meas, mod plotter.XYs
		for _, s := range pts {
			ymax = math.Max(ymax, math.Max(s.WireBytesPerMin, s.ExerciseModelPerMin))
			if s.WireBytesPerMin > 0 {
				meas = append(meas, plotter.XY{X: float64(s.Users), Y: s.WireBytesPerMin})
			}
			if s.ExerciseModelPerMin > 0 {
				mod = append(mod, plotter.XY{X: float64(s.Users), Y: s.ExerciseModelPerMin})
			}
		}
		if len(meas) > 0 {
			l, sc, err := plotter.NewLinePoints(meas)
			if err != nil {
				return nil, err
			}
			l.Color, sc.Color, sc.Shape = plotutil.Color(i), plotutil.Color(i), plotutil.Shape(i)
			l.Width = vg.Points(1.5)
			p.Add(l, sc)
			p.Legend.Add(name+", wire", l, sc)
		}
		if len(mod) > 0 {
			l, err := plotter.NewLine(mod)
			if err != nil {
				return nil, err
			}
			l.Color = plotutil.Color(i)
			l.Dashes = []vg.Length{vg.Points(2), vg.Points(3)}
			p.Add(l)
			p.Legend.Add(name+", Q12 model", l)
		}
	}
	// Headroom above the lines for the legend, top left.
	if ymax > 0 {
		p.Y.Max = ymax * 30
	}
	p.Legend.Top, p.Legend.Left = true, true
	p.Legend.YOffs = -vg.Centimeter / 2
	p.Add(plotter.NewGrid())
	return p, nil
}

func fmtMS(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 1:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}
