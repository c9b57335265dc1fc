package exercise

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
)

// File is one file (or page folder) of an exercise, found by its name.
type File struct {
	// Kind says what the file is, from where it lives: scenario, rubric
	// (a written answer's, qNN_slug.answer.yaml), reference, page, answer,
	// test or file.
	Kind string
	// Path is slash-separated, relative to the root Files walked.
	Path string
}

// skipDirs are folders that hold no exercise's source.
var skipDirs = map[string]bool{".git": true, "node_modules": true, "reports": true, "testdata": true}

// Files walks the checkout at root and returns every file and folder whose
// name starts with the exercise's stem (q34_rate_limit.go,
// public/q06_backoff/), sorted by kind then path. A folder is listed
// once, not its contents. What a stem cannot find (a probe, named for
// what it probes; Q16's server, which shares Q15's file) the caller adds
// from the registries that know.
func Files(root, id string) ([]File, error) {
	e, ok := Lookup(id)
	if !ok || e.Num == 0 {
		return nil, errors.New("no exercise " + id + " in the course")
	}
	stem := e.Stem()
	var out []File
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() && skipDirs[name] {
			return filepath.SkipDir
		}
		if name != stem && !strings.HasPrefix(name, stem+"_") && !strings.HasPrefix(name, stem+".") {
			return nil
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		out = append(out, File{Kind: kindOf(rel, d.IsDir()), Path: rel})
		if d.IsDir() {
			return filepath.SkipDir
		}
		return nil
	})
	slices.SortFunc(out, func(a, b File) int {
		if c := strings.Compare(kindRank(a.Kind), kindRank(b.Kind)); c != 0 {
			return c
		}
		return strings.Compare(a.Path, b.Path)
	})
	return out, err
}

// kindOf names what the file at rel is by where it lives.
func kindOf(rel string, dir bool) string {
	switch {
	case strings.HasSuffix(rel, "_test.go"):
		return "test"
	case strings.HasPrefix(rel, "scenarios/") && strings.HasSuffix(rel, ".answer.yaml"):
		return "rubric"
	case strings.HasPrefix(rel, "scenarios/"):
		return "scenario"
	case strings.HasPrefix(rel, "reference/answers/"):
		return "answer"
	case strings.HasPrefix(rel, "reference/public/") || dir:
		return "page"
	case strings.HasPrefix(rel, "reference/"):
		return "reference"
	}
	return "file"
}

// kindRank orders kinds as `rtlab list --files` prints them.
func kindRank(kind string) string {
	i := slices.Index([]string{"scenario", "rubric", "reference", "probe", "page", "answer", "test", "file"}, kind)
	return string(rune('a' + i))
}

// Root finds the checkout a command runs in: the nearest folder at or
// above dir whose go.mod declares module rtlab.
func Root(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := dir; ; {
		b, err := os.ReadFile(filepath.Join(d, "go.mod"))
		if err == nil && strings.HasPrefix(strings.TrimSpace(string(b)), "module rtlab\n") {
			return d, nil
		}
		up := filepath.Dir(d)
		if up == d {
			return "", errors.New("not inside the rtlab checkout (no go.mod of module rtlab above " + dir + ")")
		}
		d = up
	}
}

// SourceOf returns the file that defines fn (a reference server's
// constructor, a probe), relative to root when it lies there: how `rtlab
// list --files` finds the files a stem cannot.
func SourceOf(root string, fn any) string {
	v := reflect.ValueOf(fn)
	if v.Kind() != reflect.Func || v.IsNil() {
		return ""
	}
	f := runtime.FuncForPC(v.Pointer())
	if f == nil {
		return ""
	}
	file, _ := f.FileLine(f.Entry())
	if rel, err := filepath.Rel(root, file); err == nil && !strings.HasPrefix(rel, "..") {
		return filepath.ToSlash(rel)
	}
	return strings.TrimPrefix(filepath.ToSlash(file), "rtlab/") // built with -trimpath
}
