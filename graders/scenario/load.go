package scenario

import (
	"fmt"
	"io/fs"
	"sort"

	"rtlab/internal/exercise"
)

// Load parses every *.yaml file of fsys (scenarios.FS() in the binary)
// and returns the scenarios by exercise id. The first error stops it.
func Load(fsys fs.FS) (map[string]*Scenario, error) {
	names, err := fs.Glob(fsys, "*.yaml")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	out := map[string]*Scenario{}
	for _, n := range names {
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
		if want := exercise.Stem(sc.Exercise) + ".yaml"; n != want {
			return nil, fmt.Errorf("%s: the file of exercise %s must be named %s", n, sc.Exercise, want)
		}
		out[sc.Exercise] = sc
	}
	return out, nil
}
