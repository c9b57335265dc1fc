package answers

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"rtlab/graders"
	"rtlab/internal/exercise"
)

// directive reads an HTML comment of a fixture: <!-- fails: a, b -->.
func directive(md, name string) []string {
	m := regexp.MustCompile(`<!--\s*` + name + `:\s*(.*?)\s*-->`).FindStringSubmatch(md)
	if m == nil {
		return nil
	}
	var out []string
	for _, s := range strings.Split(m[1], ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// For every rubric, testdata/answers/qNN_slug/ holds correct answers in
// other words (other_words*.md: other phrasing, a table or a list instead
// of prose, other units), which must pass every fact, and wrong answers
// (wrong*.md), each of which must fail exactly the facts its
// "<!-- fails: … -->" line names, each with a message naming what is
// missing and, after "<!-- instead: … -->", what the answer says instead.
func TestFixtures(t *testing.T) {
	t.Parallel()
	for id, r := range rubrics(t) {
		dir := filepath.Join("..", "..", "testdata", "answers", exercise.Stem(id))
		t.Run(id, func(t *testing.T) {
			goods, _ := filepath.Glob(filepath.Join(dir, "other_words*.md"))
			bads, _ := filepath.Glob(filepath.Join(dir, "wrong*.md"))
			if len(goods) == 0 || len(bads) == 0 {
				t.Fatalf("every rubric needs a correct answer in other words and a wrong one in %s (other_words.md, wrong.md)", dir)
			}
			for _, file := range goods {
				ok, err := os.ReadFile(file)
				if err != nil {
					t.Fatal(err)
				}
				if rep := r.Grade(string(ok)); !rep.Passed() {
					t.Errorf("%s fails:\n%s", filepath.Base(file), failures(rep))
				}
			}
			for _, file := range bads {
				bad, err := os.ReadFile(file)
				if err != nil {
					t.Fatal(err)
				}
				checkWrong(t, r, filepath.Base(file), string(bad))
			}
		})
	}
}

// checkWrong grades a wrong answer and holds it to its directives.
func checkWrong(t *testing.T, r *Rubric, name, bad string) {
	t.Helper()
	wantFail := directive(bad, "fails")
	if len(wantFail) == 0 {
		t.Fatalf("%s names no fact it fails (<!-- fails: id -->)", name)
	}
	rep := r.Grade(bad)
	for _, c := range rep.Checks {
		should := slices.Contains(wantFail, c.ID)
		switch {
		case should && c.Status != graders.Fail:
			t.Errorf("%s passes %s (%s), which it gets wrong", name, c.ID, c.Name)
		case !should && c.Status == graders.Fail:
			t.Errorf("%s fails %s, which it gets right: %s", name, c.ID, c.Message())
		case should && !strings.HasPrefix(c.Reason, "the answer "):
			t.Errorf("%s: %s: the reason %q does not say what the answer lacks", name, c.ID, c.Reason)
		}
	}
	for _, want := range directive(bad, "instead") {
		found := false
		for _, c := range rep.Checks {
			if c.Status == graders.Fail && strings.Contains(c.Actual, "found instead: ") && strings.Contains(c.Actual, want) {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: no failure says it found %q instead:\n%s", name, want, failures(rep))
		}
	}
}
