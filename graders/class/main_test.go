package class

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"rtlab/graders"
	"rtlab/graders/submission"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fakeGrade grades a folder by its fake.txt, a script of what the
// submission should come out as, one line each:
//
//	student NAME          the manifest's student
//	q2 pass fail skip     an exercise graded, one check per verdict
//	q17 missing           an exercise with nothing handed in
//	q18 error WHY         an exercise that could not be graded
//	setup WHY             a failed setup
//	panic WHY / fail WHY  the grader panics / returns an error
//
// It stands in for package submission's grader, whose bookkeeping is not
// what these tests are about.
func fakeGrade(ctx context.Context, dir string) (*submission.Result, error) {
	data, err := os.ReadFile(filepath.Join(dir, "fake.txt"))
	if err != nil {
		return nil, err
	}
	res := &submission.Result{Student: filepath.Base(dir), Dir: dir}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		word, rest, _ := strings.Cut(line, " ")
		switch {
		case word == "student":
			res.Student = rest
		case word == "setup":
			res.Setup = rest
		case word == "panic":
			panic(rest)
		case word == "fail":
			return nil, fmt.Errorf("%s", rest)
		case strings.HasPrefix(word, "q"):
			e := &submission.Exercise{ID: word, State: submission.Graded}
			f := strings.Fields(rest)
			switch {
			case len(f) > 0 && f[0] == "missing":
				e.State, e.Reason = submission.Missing, "nothing handed in"
			case len(f) > 0 && f[0] == "error":
				e.State, e.Reason = submission.Error, strings.Join(f[1:], " ")
			default:
				r := &graders.Report{Exercise: word, Title: "server"}
				for i, v := range f {
					c := graders.CheckResult{ID: fmt.Sprintf("c%d", i+1), Name: fmt.Sprintf("check %d of %s", i+1, word), Status: graders.Status(v)}
					if c.Status == graders.Fail {
						c.Reason, c.Expected, c.Actual, c.Hint = "no reply", "an ack", "nothing", "call the ack"
						c.Recent = []string{`42["hello"]`, `3`}
					}
					r.Checks = append(r.Checks, c)
				}
				e.Parts = []*graders.Report{r}
			}
			res.Exercises = append(res.Exercises, e)
		}
	}
	return res, nil
}

// makeClass writes a class directory: one folder per entry of subs
// (folder name → fake.txt).
func makeClass(t testing.TB, subs map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, script := range subs {
		d := filepath.Join(dir, name)
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, "fake.txt"), []byte(script), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// sampleClass is a small class with every kind of outcome.
var sampleClass = map[string]string{
	"alice":   "q2 pass pass pass\nq17 pass fail pass pass\nq18 pass pass",
	"bob":     "q2 pass fail fail\nq17 missing\nq18 fail fail",
	"carol":   "student Carol <script>alert(1)</script>\nq2 pass pass review\nq17 skip pass pass pass",
	"dave":    "setup npm install failed: ENOTFOUND\nq2 error npm install failed\nq17 error npm install failed",
	"erin":    "panic index out of range",
	"frank":   "fail malformed rtlab.yaml: line 3: field servers: want a list",
	"grace":   "student =HYPERLINK(\"http://x\")\nq2 pass pass pass\nq18 pass fail",
	"heidi":   "q2 pass pass pass\nq17 pass pass pass pass\nq18 pass pass",
	"ivan":    "q17 fail fail fail fail",
	"judy":    "q2 missing\nq17 missing\nq18 missing\nq30 missing",
	"mallory": "student ../../etc/passwd\nq2 fail fail fail",
}

func readFile(t testing.TB, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
