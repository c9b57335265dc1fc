package class

import (
	"context"
	"flag"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"rtlab/graders"
	"rtlab/graders/answers"
	"rtlab/graders/submission"
	"rtlab/internal/nodetest"
	"rtlab/internal/sandbox"
	"rtlab/scenarios"
)

var update = flag.Bool("update", false, "rewrite testdata/sample-gradebook.csv from this run")

// The sample class of testdata/class graded end to end, as make
// grade-class does: the real submission grader, npm's socket.io, each
// submission in the sandbox. The gradebook is the golden one (it holds no
// timing), and the reports say what each broken or hostile submission
// did. Run with -update to rewrite the golden file after a scenario or a
// rubric changes, and read the diff.
func TestSampleClass(t *testing.T) {
	if testing.Short() {
		t.Skip("the sample class takes about 30 s; not in -short")
	}
	node := nodetest.Require(t)
	if err := sandbox.Available(nil); err != nil {
		t.Skipf("the sandbox cannot run here (%v): apt-get install bubblewrap, and run as root", err)
	}
	root := filepath.Dir(filepath.Dir(node))
	dir := filepath.Join(t.TempDir(), "class")
	if out, err := exec.Command("sh", filepath.Join(root, "scripts", "sample-class.sh"), dir).CombinedOutput(); err != nil {
		t.Fatalf("scripts/sample-class.sh: %v\n%s", err, out)
	}
	rubrics, err := answers.Load(scenarios.FS())
	if err != nil {
		t.Fatal(err)
	}
	// Written answers graded as rtlab grade --class grades them (cmd/rtlab's
	// answersGrader): against the rubrics of the exercises that have one.
	gradeAnswers := func(md []byte, ids []string) []*graders.Report {
		var with []string
		for _, id := range ids {
			if rubrics[id] != nil {
				with = append(with, id)
			}
		}
		if len(with) == 0 {
			return nil
		}
		return answers.GradeDoc(md, rubrics, with)
	}
	out := filepath.Join(t.TempDir(), "out")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	_, err = Grade(ctx, dir, &Options{Jobs: 2, Out: out, Log: io.Discard, Grade: DefaultGrade(&GradeOptions{
		Exercises: []string{"q2", "q17", "q18", "q19"},
		// oscar never listens on its port: 10 s is ample for node to
		// start on a loaded machine, and half the default.
		Submission: &submission.Options{Sandbox: &sandbox.Options{StartTimeout: 10 * time.Second}, Answers: gradeAnswers},
	})})
	if err != nil {
		t.Fatal(err)
	}
	got := readFile(t, filepath.Join(out, "gradebook.csv"))
	golden := filepath.Join("testdata", "sample-gradebook.csv")
	if *update {
		os.WriteFile(golden, []byte(got), 0o644)
	}
	if want := readFile(t, golden); got != want {
		t.Errorf("the sample class's gradebook:\n%s\nwant (%s):\n%s", got, golden, want)
	}
	for stem, says := range map[string][]string{
		"frank": {"rtlab.yaml:3", "servers"},
		"grace": {"Setup failed", "npm"},
		"erin":  {"exited before listening", "MODULE_NOT_FOUND"},
		"judy":  {"sandbox: ", "read-only"},
		FileStem("<img src=x onerror=alert(1)>mallory", "mallory"): {"# &lt;img src=x onerror=alert(1)&gt;mallory: 8/8 points"},
		"oscar": {"0/8"},
	} {
		md := readFile(t, filepath.Join(out, stem+".md"))
		for _, s := range says {
			if !strings.Contains(md, s) {
				t.Errorf("%s.md does not say %q:\n%s", stem, s, firstLines(md, 30))
			}
		}
	}
	if html := readFile(t, filepath.Join(out, FileStem("<img src=x onerror=alert(1)>mallory", "mallory")+".html")); strings.Contains(html, "<img") {
		t.Error("mallory's name reached her HTML report as markup")
	}
}

// The README shows the sample class's gradebook as it is.
func TestReadmeShowsTheSampleGradebook(t *testing.T) {
	readme := readFile(t, filepath.Join("..", "..", "README.md"))
	if gb := readFile(t, filepath.Join("testdata", "sample-gradebook.csv")); !strings.Contains(readme, "```\n"+gb+"```") {
		t.Errorf("README.md does not show testdata/sample-gradebook.csv as it is; paste it in its \"Grade a class\" section:\n%s", gb)
	}
}
