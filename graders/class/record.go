package class

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"rtlab/graders"
	"rtlab/graders/submission"
	"rtlab/internal/exercise"
)

// Record is one student's grade as results/<student>.json keeps it: what
// every report of the student and the class is rendered from. It holds no
// timing and no port, so that grading the same class twice, whole or in
// shards, writes the same bytes.
type Record struct {
	Student string `json:"student"`
	// Folder is the submission's folder name inside the class directory:
	// unique in a class, and with Student the name of the student's files
	// (FileStem).
	Folder string `json:"folder"`
	Points int    `json:"points"`
	Max    int    `json:"max"`
	// Setup is why the submission could not be set up (a broken
	// manifest, a failed install), as submission.Result.Setup.
	Setup string `json:"setup,omitempty"`
	// Crash is why the grader could not grade the submission at all (it
	// returned an error or panicked): every exercise of the class is then
	// an error in the gradebook.
	Crash     string          `json:"crash,omitempty"`
	Sandbox   []string        `json:"sandbox,omitempty"`
	Exercises []ExerciseGrade `json:"exercises,omitempty"`
	// Logs are the servers' output by command, as the submission kept it.
	Logs map[string]string `json:"logs,omitempty"`
}

// ExerciseGrade is one exercise of a Record.
type ExerciseGrade struct {
	ID     string           `json:"id"`
	Title  string           `json:"title"`
	State  submission.State `json:"state"`
	Reason string           `json:"reason,omitempty"`
	Points int              `json:"points"`
	Max    int              `json:"max"`
	Parts  []Part           `json:"parts,omitempty"`
}

// Part is one graded part of an exercise (its server, its page, its
// answer): a graders.Report less its URL and timings.
type Part struct {
	Title string `json:"title,omitempty"`
	// Error is a harness error that kept the part's checks from running.
	Error  string  `json:"error,omitempty"`
	Checks []Check `json:"checks"`
}

// Check is a graders.CheckResult less its duration.
type Check struct {
	ID        string         `json:"id"`
	Name      string         `json:"name"`
	Status    graders.Status `json:"status"`
	Worth     int            `json:"worth"`
	Reason    string         `json:"reason,omitempty"`
	Expected  string         `json:"expected,omitempty"`
	Actual    string         `json:"actual,omitempty"`
	Recent    []string       `json:"recent,omitempty"`
	Hint      string         `json:"hint,omitempty"`
	Harness   bool           `json:"harness,omitempty"`
	Reference string         `json:"reference,omitempty"`
	Submitted string         `json:"submitted,omitempty"`
}

// NewRecord turns a graded submission into its Record. folder is the
// submission's folder name; Student defaults to it.
func NewRecord(folder string, res *submission.Result) *Record {
	rec := &Record{Student: res.Student, Folder: folder, Setup: res.Setup, Sandbox: res.Sandbox, Logs: res.Logs}
	if rec.Student == "" {
		rec.Student = folder
	}
	rec.Points, rec.Max = res.Score()
	for _, e := range res.Exercises {
		if e == nil {
			continue
		}
		eg := ExerciseGrade{ID: exercise.Normalize(e.ID), State: e.State, Reason: e.Reason}
		eg.Title = exercise.Title(eg.ID)
		eg.Points, eg.Max = e.Score()
		for _, r := range e.Parts {
			if r == nil {
				continue
			}
			p := Part{Title: r.Title, Checks: []Check{}}
			if r.Err != nil {
				p.Error = r.Err.Error()
			}
			for _, c := range r.Checks {
				p.Checks = append(p.Checks, Check{
					ID: c.ID, Name: c.Name, Status: c.Status, Worth: c.Worth(),
					Reason: c.Reason, Expected: c.Expected, Actual: c.Actual, Recent: c.Recent,
					Hint: c.Hint, Harness: c.Harness, Reference: c.Reference, Submitted: c.Submitted,
				})
			}
			eg.Parts = append(eg.Parts, p)
		}
		rec.Exercises = append(rec.Exercises, eg)
	}
	return rec
}

// crashRecord is the Record of a submission the grader could not grade.
func crashRecord(folder, why string) *Record {
	return &Record{Student: folder, Folder: folder, Crash: why}
}

// Cell is what the gradebook shows for exercise id: "6/8", "missing", or
// "error".
func (r *Record) Cell(id string) string {
	for _, e := range r.Exercises {
		if e.ID != id {
			continue
		}
		switch e.State {
		case submission.Missing:
			return "missing"
		case submission.Error:
			return "error"
		}
		return fmt.Sprintf("%d/%d", e.Points, e.Max)
	}
	if r.Crash != "" {
		return "error"
	}
	return "missing"
}

// Handed are the exercises the submission has something for; Missing are
// the ids of those it has nothing for. Reports show the first in full and
// the second on one line: a class graded on the whole course would
// otherwise list thirty missing exercises per student.
func (r *Record) Handed() []ExerciseGrade {
	var out []ExerciseGrade
	for _, e := range r.Exercises {
		if e.State != submission.Missing {
			out = append(out, e)
		}
	}
	return out
}

// Missing: see Handed.
func (r *Record) Missing() []string {
	var out []string
	for _, e := range r.Exercises {
		if e.State == submission.Missing {
			out = append(out, strings.ToUpper(e.ID))
		}
	}
	return out
}

// Marshal is the Record as results/<student>.json holds it: indented, one
// trailing newline, fields in a fixed order and map keys sorted, so equal
// Records are equal bytes.
func (r *Record) Marshal() ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// ReadRecord reads a results/<student>.json.
func ReadRecord(path string) (*Record, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r Record
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return nil, &RecordError{Path: path, Err: err}
	}
	if r.Folder == "" || r.Student == "" {
		return nil, &RecordError{Path: path, Err: fmt.Errorf("no \"student\" or \"folder\": not a student's grade record")}
	}
	return &r, nil
}

// RecordError is a results/<student>.json that does not read as a Record.
type RecordError struct {
	Path string
	Err  error
}

func (e *RecordError) Error() string { return fmt.Sprintf("%s: %v", e.Path, e.Err) }
func (e *RecordError) Unwrap() error { return e.Err }
