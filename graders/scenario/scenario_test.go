package scenario

import (
	"errors"
	"strings"
	"testing"

	"rtlab/scenarios"
)

func TestEmbeddedScenariosParse(t *testing.T) {
	all, err := Load(scenarios.FS())
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"q15", "q17", "q18", "q20"} {
		sc, ok := all[id]
		if !ok {
			t.Fatalf("no scenario for %s", id)
		}
		if sc.Contract == "" || len(sc.Checks) == 0 {
			t.Errorf("%s: empty contract or checks", id)
		}
	}
}

func TestParseErrorsCarryLines(t *testing.T) {
	cases := []struct {
		name, src string
		line      int
		want      string
	}{
		{"unknown step", "exercise: q99\ntitle: T\nchecks:\n  - id: a\n    name: A\n    steps:\n      - emitt: {client: a}\n", 7, "unknown step \"emitt\""},
		{"unknown field", "exercise: q99\ntitle: T\nchecks:\n  - id: a\n    name: A\n    steps:\n      - emit: {client: a, event: x, acks: 1}\n", 7, "acks"},
		{"bad needs", "exercise: q99\ntitle: T\nchecks:\n  - id: a\n    name: A\n    needs: [zz]\n    steps:\n      - wait: 1ms\n", 4, "needs \"zz\""},
		{"bad placeholder", "exercise: q99\ntitle: T\nchecks:\n  - id: a\n    name: A\n    steps:\n      - connect: a\n      - expect: {client: a, event: e, data: {n: \"<numbr>\"}}\n", 8, "unknown placeholder"},
		{"yaml syntax", "exercise: q99\ntitle: [\n", 2, ""},
		{"no name", "exercise: q99\ntitle: T\nchecks:\n  - id: a\n    steps:\n      - wait: 1ms\n", 4, "no name"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("x.yaml", []byte(c.src))
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("want *ParseError, got %T %v", err, err)
			}
			if pe.Line != c.line {
				t.Errorf("line %d, want %d (%v)", pe.Line, c.line, err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not mention %q", err, c.want)
			}
		})
	}
}

// A course exercise's title is written in package exercise only: a
// scenario that gives its own is refused, and one that gives none gets it.
func TestTitleFromExercise(t *testing.T) {
	const checks = "checks:\n  - id: a\n    name: A\n    steps:\n      - wait: 1ms\n"
	if _, err := Parse("q17_user_count.yaml", []byte("exercise: q17\ntitle: Count\n"+checks)); err == nil || !strings.Contains(err.Error(), "internal/exercise") {
		t.Errorf("a title for q17 in YAML: err = %v, want one that says where titles are written", err)
	}
	sc, err := Parse("q17_user_count.yaml", []byte("exercise: Q17\n"+checks))
	if err != nil {
		t.Fatal(err)
	}
	if sc.Exercise != "q17" || sc.Title != "Live user count" {
		t.Errorf("got %q %q, want q17 \"Live user count\"", sc.Exercise, sc.Title)
	}
}
