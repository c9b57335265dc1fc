package scenario

import (
	"fmt"
	"io/fs"
	"sort"
	"strings"

	"rtlab/internal/exercise"
)

// The parts a scenario file may describe, told by its name. An exercise's
// server scenario is qNN_slug.yaml; its browser page's is qNN_slug.page.yaml
// (clients.md); qNN_slug.answer.yaml is a written answer's rubric, read by
// package answers, not here.
const (
	pageSuffix   = ".page.yaml"
	answerSuffix = ".answer.yaml"
)

// Load parses the server scenarios of fsys (scenarios.FS() in the binary),
// every qNN_slug.yaml file, and returns them by exercise id. Q6, whose only
// part is a page, is one of them. The first error stops it.
func Load(fsys fs.FS) (map[string]*Scenario, error) {
	return load(fsys, ".yaml", func(n string) bool {
		return !strings.HasSuffix(n, pageSuffix) && !strings.HasSuffix(n, answerSuffix)
	})
}

// LoadPages parses the page scenarios of fsys, every qNN_slug.page.yaml:
// the checks `rtlab grade --page` runs on a student's page for an exercise
// that also has a server scenario (Q9's page beside Q9's server).
func LoadPages(fsys fs.FS) (map[string]*Scenario, error) {
	return load(fsys, pageSuffix, func(n string) bool { return strings.HasSuffix(n, pageSuffix) })
}

// load parses the *.yaml files of fsys that keep accepts; each must be
// named after its exercise's stem followed by suffix.
func load(fsys fs.FS, suffix string, keep func(name string) bool) (map[string]*Scenario, error) {
	names, err := fs.Glob(fsys, "*.yaml")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	out := map[string]*Scenario{}
	for _, n := range names {
		if !keep(n) {
			continue
		}
		data, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, err
		}
		sc, err := Parse(n, data)
		if err != nil {
			return nil, err
		}
		if prev, dup := out[sc.Exercise]; dup {
			return nil, fmt.Errorf("%s: exercise %s is already defined by %s", n, sc.Exercise, prev.File)
		}
		if want := exercise.Stem(sc.Exercise) + suffix; n != want {
			return nil, fmt.Errorf("%s: the file of exercise %s must be named %s", n, sc.Exercise, want)
		}
		out[sc.Exercise] = sc
	}
	return out, nil
}
