package class

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"rtlab/graders"
	"rtlab/internal/exercise"
)

// Book writes a class's outputs into a folder as students' Records arrive
// (Add, safe from several goroutines), then the class's own files
// (Close). It keeps of each student only what the gradebook and the index
// need, not the Record: memory stays flat however large the class.
//
// The folder's layout:
//
//	gradebook.csv                 student,points,max,q2,q5,… (sorted by student)
//	index.html                    the class at a glance
//	timings.csv                   seconds per submission: the one file two runs differ in
//	results/<stem>.json           each student's Record
//	<stem>.md, <stem>.html        each student's report
//	gradescope/<stem>/results.json
type Book struct {
	dir string

	mu      sync.Mutex
	rows    []row
	folders map[string]bool
	checks  map[checkKey]*checkStat
	timings []timing
}

// row is what the class files need of one student.
type row struct {
	student, folder, stem string
	points, max           int
	crashed               bool
	cells                 map[string]string // exercise id → gradebook cell
	verdicts              map[checkKey]graders.Status
}

// checkKey names a check across the class: its exercise, its part's
// position and its id.
type checkKey struct {
	exercise string
	part     int
	id       string
}

// checkStat is one check across the class. pos is the smallest position
// the check had in any student's part, the order of the index's columns:
// a minimum does not depend on the order students arrive in.
type checkStat struct {
	name           string
	pos            int
	passed, failed int
	other          int // skip, review, missing
}

type timing struct {
	student, folder string
	d               time.Duration
}

// NewBook makes dir (and its parents) and returns a Book writing into it.
// A folder that already holds a gradebook is refused: two classes would
// mix.
func NewBook(dir string) (*Book, error) {
	if _, err := os.Stat(filepath.Join(dir, "gradebook.csv")); err == nil {
		return nil, fmt.Errorf("%s already holds a class's gradebook: give another --out, or remove it", dir)
	}
	for _, d := range []string{dir, filepath.Join(dir, "results"), filepath.Join(dir, "gradescope")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
	}
	return &Book{dir: dir, folders: map[string]bool{}, checks: map[checkKey]*checkStat{}}, nil
}

// Dir is the folder the Book writes.
func (b *Book) Dir() string { return b.dir }

// DuplicateError is a submission folder met twice: two shards that
// overlap, or one shard's output merged twice.
type DuplicateError struct{ Folder string }

func (e *DuplicateError) Error() string {
	return fmt.Sprintf("submission folder %q is graded twice (overlapping shards, or one shard's output given twice?)", e.Folder)
}

// Add writes rec's files and keeps its row. took is how long the
// submission took to grade (timings.csv only).
func (b *Book) Add(rec *Record, took time.Duration) error {
	// Render from the Record as it reads back from its JSON, the very
	// thing Merge renders from: a field the JSON loses cannot make a
	// merged class differ from one graded at once.
	data, err := rec.Marshal()
	if err != nil {
		return err
	}
	var r Record
	if err := json.Unmarshal(data, &r); err != nil {
		return err
	}
	stem := FileStem(r.Student, r.Folder)

	b.mu.Lock()
	if b.folders[r.Folder] {
		b.mu.Unlock()
		return &DuplicateError{Folder: r.Folder}
	}
	b.folders[r.Folder] = true
	b.mu.Unlock()

	files := []struct {
		path string
		data func() ([]byte, error)
	}{
		{filepath.Join("results", stem+".json"), func() ([]byte, error) { return data, nil }},
		{stem + ".md", func() ([]byte, error) { return markdown(&r), nil }},
		{stem + ".html", func() ([]byte, error) { return studentHTML(&r) }},
		{filepath.Join("gradescope", stem, "results.json"), func() ([]byte, error) { return gradescope(&r) }},
	}
	for _, f := range files {
		out, err := f.data()
		if err != nil {
			return fmt.Errorf("%s: %w", f.path, err)
		}
		if err := writeFile(filepath.Join(b.dir, f.path), out); err != nil {
			return err
		}
	}

	rw := row{student: r.Student, folder: r.Folder, stem: stem, points: r.Points, max: r.Max,
		crashed: r.Crash != "", cells: map[string]string{}, verdicts: map[checkKey]graders.Status{}}
	for _, e := range r.Exercises {
		rw.cells[e.ID] = r.Cell(e.ID)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, e := range r.Exercises {
		for pi, p := range e.Parts {
			for ci, c := range p.Checks {
				k := checkKey{e.ID, pi, c.ID}
				st := b.checks[k]
				if st == nil {
					st = &checkStat{name: c.Name, pos: ci}
					b.checks[k] = st
				}
				st.pos = min(st.pos, ci)
				switch c.Status {
				case graders.Pass:
					st.passed++
				case graders.Fail:
					st.failed++
				default:
					st.other++
				}
				rw.verdicts[k] = worse(rw.verdicts[k], c.Status)
			}
		}
	}
	b.rows = append(b.rows, rw)
	b.timings = append(b.timings, timing{r.Student, r.Folder, took})
	return nil
}

// worse keeps the worse of two verdicts of one check (a check id met
// twice in a part).
func worse(a, b graders.Status) graders.Status {
	rank := func(s graders.Status) int {
		switch s {
		case graders.Fail:
			return 4
		case graders.Pass:
			return 2
		case "":
			return 0
		}
		return 3
	}
	if rank(b) > rank(a) {
		return b
	}
	return a
}

// Close writes gradebook.csv, index.html and timings.csv. It returns the
// class's summary.
func (b *Book) Close() (*Summary, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	slices.SortFunc(b.rows, func(x, y row) int {
		if c := strings.Compare(x.student, y.student); c != 0 {
			return c
		}
		return strings.Compare(x.folder, y.folder)
	})
	ids := b.exercises()
	if err := writeFile(filepath.Join(b.dir, "gradebook.csv"), b.gradebook(ids)); err != nil {
		return nil, err
	}
	idx, err := b.index(ids)
	if err != nil {
		return nil, fmt.Errorf("index.html: %w", err)
	}
	if err := writeFile(filepath.Join(b.dir, "index.html"), idx); err != nil {
		return nil, err
	}
	if err := writeFile(filepath.Join(b.dir, "timings.csv"), b.timingsCSV()); err != nil {
		return nil, err
	}
	s := &Summary{Dir: b.dir, Students: len(b.rows), Exercises: ids}
	for _, r := range b.rows {
		if r.crashed {
			s.Crashed = append(s.Crashed, r.student)
		}
	}
	return s, nil
}

// Summary is what a class run or a merge tells its caller.
type Summary struct {
	Dir       string   // the output folder
	Students  int      // submissions graded
	Exercises []string // the gradebook's exercise columns, in course order
	Crashed   []string // students the grader could not grade at all
}

// exercises are the ids of every exercise graded in the class, in course
// order: those some student has something for. An exercise missing from
// every submission (the course's 38 when the class was graded on all of
// them) would only be a column of "missing".
func (b *Book) exercises() []string {
	seen := map[string]bool{}
	var ids []string
	for _, r := range b.rows {
		for id, c := range r.cells {
			if c != "missing" && !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	exercise.Sort(ids)
	return ids
}

// gradebook is gradebook.csv: one row per student, sorted.
func (b *Book) gradebook(ids []string) []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write(append([]string{"student", "points", "max"}, ids...))
	for i, cells := range b.gradebookCells(ids) {
		r := b.rows[i]
		w.Write(append([]string{spreadsheetSafe(r.student), strconv.Itoa(r.points), strconv.Itoa(r.max)}, cells...))
	}
	w.Flush()
	return buf.Bytes()
}

// gradebookCells are the rows' cells for the exercises ids: an exercise a
// student has no grade for is an error when the grader could not grade the
// student at all, missing otherwise.
func (b *Book) gradebookCells(ids []string) [][]string {
	out := make([][]string, len(b.rows))
	for i, r := range b.rows {
		for _, id := range ids {
			c, ok := r.cells[id]
			switch {
			case ok:
			case r.crashed:
				c = "error"
			default:
				c = "missing"
			}
			out[i] = append(out[i], c)
		}
	}
	return out
}

// spreadsheetSafe keeps a student's name from reading as a formula when
// the gradebook is opened in a spreadsheet: a leading = + - @ or tab gets
// a quote in front.
func spreadsheetSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func (b *Book) timingsCSV() []byte {
	slices.SortFunc(b.timings, func(x, y timing) int {
		if c := strings.Compare(x.student, y.student); c != 0 {
			return c
		}
		return strings.Compare(x.folder, y.folder)
	})
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write([]string{"student", "folder", "seconds"})
	for _, t := range b.timings {
		w.Write([]string{spreadsheetSafe(t.student), t.folder, strconv.FormatFloat(t.d.Seconds(), 'f', 3, 64)})
	}
	w.Flush()
	return buf.Bytes()
}

// writeFile writes data to path through a temporary file and a rename:
// an interrupted run leaves no half-written report.
func writeFile(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
