package class

import (
	"bytes"
	"embed"
	"html/template"
	"slices"
	"sort"
	"strconv"
	"strings"

	"rtlab/graders"
	"rtlab/internal/exercise"
)

// The HTML reports are single files: the style sheet and the histogram
// are inline, nothing is fetched (no CDN, no script), so a report opens
// offline, from a zip, or from an artifact store.
//
//go:embed templates
var templateFS embed.FS

var templates = func() *template.Template {
	css, err := templateFS.ReadFile("templates/style.css")
	if err != nil {
		panic(err)
	}
	funcs := template.FuncMap{
		"css":       func() template.CSS { return template.CSS(css) },
		"upper":     strings.ToUpper,
		"printable": graders.Printable,
		"cell":      func(r *Record, id string) string { return r.Cell(id) },
		"logs":      shownLogs,
		"join":      strings.Join,
	}
	return template.Must(template.New("").Funcs(funcs).ParseFS(templateFS, "templates/*.html"))
}()

// maxShownLog is how much of a server's output a student's HTML report
// shows: its end, where the crash usually is. The JSON keeps it all.
const maxShownLog = 64 << 10

type shownLog struct{ Cmd, Text string }

func shownLogs(r *Record) []shownLog {
	var out []shownLog
	for cmd, text := range r.Logs {
		if len(text) > maxShownLog {
			text = "[… the first " + itoa(len(text)-maxShownLog) + " bytes are in the JSON report …]\n" + text[len(text)-maxShownLog:]
		}
		out = append(out, shownLog{cmd, text})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Cmd < out[j].Cmd })
	return out
}

// studentHTML is a student's <stem>.html: every check with its verdict,
// expected and actual, hint, and the events that decided it.
func studentHTML(r *Record) ([]byte, error) {
	var b bytes.Buffer
	if err := templates.ExecuteTemplate(&b, "student.html", r); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// The index's data.
type indexData struct {
	Rows       []indexRow
	Exercises  []string
	Crashed    int
	Histogram  template.HTML
	MostFailed []failedCheck
	Columns    []column
	Matrix     []matrixRow
}

type indexRow struct {
	Student, Stem string
	Points, Max   int
	Cells         []string
}

type failedCheck struct {
	Exercise, Name    string
	Failed, Gradeable int
}

type column struct {
	key            checkKey
	Exercise, Name string
	N              int // the check's number in its exercise, from 1
	pos            int
}

type matrixRow struct {
	Student, Stem string
	Cells         []matrixCell
}

type matrixCell struct{ Class, Mark string }

// maxMostFailed is how many checks the "most students fail" table lists.
const maxMostFailed = 20

// index renders index.html from the rows (sorted) and the class's checks.
func (b *Book) index(ids []string) ([]byte, error) {
	d := indexData{Exercises: ids}
	gb := b.gradebookCells(ids)
	for i, r := range b.rows {
		d.Rows = append(d.Rows, indexRow{Student: r.student, Stem: r.stem, Points: r.points, Max: r.max, Cells: gb[i]})
		if r.crashed {
			d.Crashed++
		}
	}
	svg, err := histogramSVG(scoreBins(b.rows))
	if err != nil {
		return nil, err
	}
	d.Histogram = svg

	for k, st := range b.checks {
		d.Columns = append(d.Columns, column{key: k, Exercise: k.exercise, Name: st.name, pos: st.pos})
		if st.failed > 0 {
			d.MostFailed = append(d.MostFailed, failedCheck{Exercise: k.exercise, Name: st.name, Failed: st.failed, Gradeable: st.failed + st.passed})
		}
	}
	slices.SortFunc(d.Columns, func(x, y column) int {
		if c := exercise.Compare(x.key.exercise, y.key.exercise); c != 0 {
			return c
		}
		if x.key.part != y.key.part {
			return x.key.part - y.key.part
		}
		if x.pos != y.pos {
			return x.pos - y.pos
		}
		return strings.Compare(x.key.id, y.key.id)
	})
	slices.SortFunc(d.MostFailed, func(x, y failedCheck) int {
		if x.Failed != y.Failed {
			return y.Failed - x.Failed
		}
		if c := exercise.Compare(x.Exercise, y.Exercise); c != 0 {
			return c
		}
		return strings.Compare(x.Name, y.Name)
	})
	for i := range d.Columns {
		d.Columns[i].N = 1
		if i > 0 && d.Columns[i-1].Exercise == d.Columns[i].Exercise {
			d.Columns[i].N = d.Columns[i-1].N + 1
		}
	}
	if len(d.MostFailed) > maxMostFailed {
		d.MostFailed = d.MostFailed[:maxMostFailed]
	}
	for _, r := range b.rows {
		mr := matrixRow{Student: r.student, Stem: r.stem}
		for _, c := range d.Columns {
			switch s := r.verdicts[c.key]; s {
			case graders.Pass:
				mr.Cells = append(mr.Cells, matrixCell{"pass", "✓"})
			case graders.Fail:
				mr.Cells = append(mr.Cells, matrixCell{"fail", "✗"})
			case "":
				mr.Cells = append(mr.Cells, matrixCell{"none", ""})
			default:
				mr.Cells = append(mr.Cells, matrixCell{string(s), "~"})
			}
		}
		d.Matrix = append(d.Matrix, mr)
	}
	var out bytes.Buffer
	if err := templates.ExecuteTemplate(&out, "index.html", d); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

func itoa(n int) string { return strconv.Itoa(n) }
