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

// For every rubric, testdata/answers/qNN_slug/ holds a correct answer in
// other words (other phrasing, a table or a list instead of prose, other
// units), which must pass every fact, and a wrong answer, which must fail
// exactly the facts its "<!-- fails: … -->" line names, each with a
// message naming what is missing and, after "<!-- instead: … -->", what
// the answer says instead.
func TestFixtures(t *testing.T) {
	t.Parallel()
	for id, r := range rubrics(t) {
		dir := filepath.Join("..", "..", "testdata", "answers", exercise.Stem(id))
		t.Run(id, func(t *testing.T) {
			ok, err := os.ReadFile(filepath.Join(dir, "other_words.md"))
			if err != nil {
				t.Fatalf("every rubric needs a correct answer in other words: %v", err)
			}
			if rep := r.Grade(string(ok)); !rep.Passed() {
				t.Errorf("other_words.md fails:\n%s", failures(rep))
			}
			bad, err := os.ReadFile(filepath.Join(dir, "wrong.md"))
			if err != nil {
				t.Fatalf("every rubric needs a wrong answer: %v", err)
			}
			wantFail := directive(string(bad), "fails")
			if len(wantFail) == 0 {
				t.Fatal("wrong.md names no fact it fails (<!-- fails: id -->)")
			}
			rep := r.Grade(string(bad))
			for _, c := range rep.Checks {
				should := slices.Contains(wantFail, c.ID)
				switch {
				case should && c.Status != graders.Fail:
					t.Errorf("wrong.md passes %s (%s), which it gets wrong", c.ID, c.Name)
				case !should && c.Status == graders.Fail:
					t.Errorf("wrong.md fails %s, which it gets right: %s", c.ID, c.Message())
				case should && !strings.HasPrefix(c.Reason, "the answer "):
					t.Errorf("%s: the reason %q does not say what the answer lacks", c.ID, c.Reason)
				}
			}
			for _, want := range directive(string(bad), "instead") {
				found := false
				for _, c := range rep.Checks {
					if c.Status == graders.Fail && strings.Contains(c.Actual, "found instead: ") && strings.Contains(c.Actual, want) {
						found = true
					}
				}
				if !found {
					t.Errorf("no failure says it found %q instead:\n%s", want, failures(rep))
				}
			}
		})
	}
}
