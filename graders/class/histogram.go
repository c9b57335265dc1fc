package class

import (
	"bytes"
	"fmt"
	"html/template"
	"image/color"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// histogramBins are the score bands of the class histogram: ten bands of
// ten percent, the last one holding 100 %.
const histogramBins = 10

// scoreBins counts students per band of points/max (a student with
// nothing gradeable counts as 0 %).
func scoreBins(rows []row) [histogramBins]int {
	var bins [histogramBins]int
	for _, r := range rows {
		i := 0
		if r.max > 0 {
			i = r.points * histogramBins / r.max
		}
		bins[min(i, histogramBins-1)]++
	}
	return bins
}

// histogramSVG draws the bins as a bar chart (gonum/plot) and returns the
// SVG element to put inline in index.html, which then needs no file
// beside it.
func histogramSVG(bins [histogramBins]int) (template.HTML, error) {
	p := plot.New()
	p.Title.Text = "Scores"
	p.X.Label.Text = "score (% of gradeable points)"
	p.Y.Label.Text = "students"
	vals := make(plotter.Values, len(bins))
	labels := make([]string, len(bins))
	most := 0
	for i, n := range bins {
		vals[i] = float64(n)
		labels[i] = fmt.Sprintf("%d–%d", i*10, i*10+9)
		most = max(most, n)
	}
	labels[len(labels)-1] = "90+"
	bars, err := plotter.NewBarChart(vals, vg.Points(22))
	if err != nil {
		return "", err
	}
	bars.Color = color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}
	bars.LineStyle.Width = 0
	p.Add(bars)
	p.NominalX(labels...)
	p.Y.Min = 0
	p.Y.Max = float64(max(most, 1)) * 1.1
	p.Y.Tick.Marker = integerTicks{}
	w, err := p.WriterTo(16*vg.Centimeter, 8*vg.Centimeter, "svg")
	if err != nil {
		return "", err
	}
	var b bytes.Buffer
	if _, err := w.WriteTo(&b); err != nil {
		return "", err
	}
	svg := b.String()
	// An XML prolog and comments have no place inside HTML: keep the
	// <svg> element alone.
	if i := strings.Index(svg, "<svg"); i > 0 {
		svg = svg[i:]
	}
	return template.HTML(svg), nil
}

// integerTicks marks whole numbers of students only.
type integerTicks struct{}

func (integerTicks) Ticks(min, max float64) []plot.Tick {
	step := 1
	for (max-min)/float64(step) > 10 {
		step *= 2
	}
	var ticks []plot.Tick
	for v := 0; float64(v) <= max; v += step {
		ticks = append(ticks, plot.Tick{Value: float64(v), Label: fmt.Sprint(v)})
	}
	return ticks
}
