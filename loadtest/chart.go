package loadtest

import (
	"fmt"
	"image/color"
	"path/filepath"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// serverColors are the line colours of the servers of a comparison, in
// order.
var serverColors = []color.Color{
	color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff},
	color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff},
	color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff},
	color.RGBA{R: 0x94, G: 0x67, B: 0xbd, A: 0xff},
}

// curvePoints turns a latency summary into chart points: percentile on x,
// milliseconds on y.
func curvePoints(l *Latency) plotter.XYs {
	pts := make(plotter.XYs, 0, len(l.Curve))
	for _, p := range l.Curve {
		pts = append(pts, plotter.XY{X: p.Q * 100, Y: p.MS})
	}
	return pts
}

func savePlot(p *plot.Plot, dir, name string) ([]string, error) {
	var files []string
	for _, ext := range []string{".png", ".svg"} {
		f := filepath.Join(dir, name+ext)
		if err := p.Save(18*vg.Centimeter, 11*vg.Centimeter, f); err != nil {
			return files, fmt.Errorf("loadtest: chart %s: %w", f, err)
		}
		files = append(files, f)
	}
	return files, nil
}

func latencyPlot(title string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "percentile"
	p.Y.Label.Text = "latency (ms)"
	p.X.Min, p.X.Max = 0, 100
	p.Add(plotter.NewGrid())
	p.Legend.Top = true
	p.Legend.Left = true
	return p
}

// writeRunChart draws a run's latency distribution (broadcast and echo).
func writeRunChart(r *Result, dir string) ([]string, error) {
	if r.Latency == nil || r.Latency.Count == 0 {
		return nil, nil
	}
	what := "ack latency"
	if r.Mode == ModeBroadcast {
		what = "delivery latency"
	}
	p := latencyPlot(fmt.Sprintf("%s, %s, %d clients", r.Mode, what, r.Clients))
	l, err := plotter.NewLine(curvePoints(r.Latency))
	if err != nil {
		return nil, err
	}
	l.Color = serverColors[0]
	l.Width = vg.Points(1.5)
	p.Add(l)
	return savePlot(p, dir, "latency")
}

// writeComparisonCharts draws, per scenario with latencies, every run's
// latency distribution: one colour per server, one line per repetition.
func writeComparisonCharts(c *Comparison, dir string) ([]string, error) {
	var files []string
	for _, sc := range c.Scenarios {
		if sc.Mode == ModeIdle {
			continue
		}
		what := "ack latency"
		if sc.Mode == ModeBroadcast {
			what = "delivery latency"
		}
		p := latencyPlot(fmt.Sprintf("%s: %s, %d clients, %d repetitions", sc.Name, what, sc.Clients, c.Reps))
		any := false
		for si, srv := range c.Servers {
			first := true
			for _, run := range c.Runs {
				if run.Server != srv || run.Scenario != sc.Name || run.Result == nil || run.Result.Latency == nil || run.Result.Latency.Count == 0 {
					continue
				}
				l, err := plotter.NewLine(curvePoints(run.Result.Latency))
				if err != nil {
					return files, err
				}
				l.Color = serverColors[si%len(serverColors)]
				l.Width = vg.Points(1.2)
				l.Dashes = [][]vg.Length{nil, {vg.Points(4), vg.Points(2)}, {vg.Points(1), vg.Points(2)}}[(run.Rep-1)%3]
				p.Add(l)
				if first {
					p.Legend.Add(srv, l)
					first = false
				}
				any = true
			}
		}
		if !any {
			continue
		}
		p.Legend.ThumbnailWidth = vg.Points(20)
		p.Legend.TextStyle.XAlign = draw.XLeft
		f, err := savePlot(p, dir, "latency_"+sc.Name)
		files = append(files, f...)
		if err != nil {
			return files, err
		}
	}
	return files, nil
}
