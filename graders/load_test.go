package graders

import (
	"strings"
	"testing"
	"testing/fstest"
)

// A probe step that names no registered probe fails Load with the file and
// the line, as a typo in any other step fails Parse.
func TestLoadRefusesAnUnknownProbe(t *testing.T) {
	fsys := fstest.MapFS{"q99.yaml": {Data: []byte("exercise: q99\ntitle: T\nchecks:\n  - id: a\n    name: A\n    steps:\n      - probe: {name: no-such-probe}\n")}}
	_, err := Load(fsys, testProbes)
	if err == nil || !strings.Contains(err.Error(), `q99.yaml:7: probe: unknown probe "no-such-probe"`) {
		t.Fatalf("Load: %v, want q99.yaml:7: probe: unknown probe \"no-such-probe\"", err)
	}
}

// LoadPages checks the probes of page scenarios as Load does, and reads
// only qNN_slug.page.yaml files.
func TestLoadPagesRefusesAnUnknownProbe(t *testing.T) {
	page := "exercise: q99\ntitle: T\nchecks:\n  - id: a\n    name: A\n    steps:\n      - probe: {name: no-such-probe}\n"
	fsys := fstest.MapFS{"q99.page.yaml": {Data: []byte(page)}}
	_, err := LoadPages(fsys, testProbes)
	if err == nil || !strings.Contains(err.Error(), `q99.page.yaml:7: probe: unknown probe "no-such-probe"`) {
		t.Fatalf("LoadPages: %v, want q99.page.yaml:7: probe: unknown probe \"no-such-probe\"", err)
	}
	all, err := Load(fsys, testProbes)
	if err != nil || len(all) != 0 {
		t.Fatalf("Load read a page scenario: %v, %v", all, err)
	}
}
