package class

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"rtlab/graders/submission"
	"rtlab/internal/syncbuf"
)

func gradeSample(t *testing.T, opts *Options) (*Summary, string) {
	t.Helper()
	dir := makeClass(t, sampleClass)
	o := Options{Jobs: 3, Out: filepath.Join(t.TempDir(), "out"), Grade: fakeGrade, Log: io.Discard}
	if opts != nil {
		o.Shard, o.Progress = opts.Shard, opts.Progress
	}
	s, err := Grade(context.Background(), dir, &o)
	if err != nil {
		t.Fatal(err)
	}
	return s, o.Out
}

// The gradebook: one column per exercise graded in the class, in course
// order (none for q30, which nobody handed in); rows sorted by student; cells passed/gradeable, missing, error;
// a student the grader crashed on is an error in every column and the run
// went on past it.
func TestGradebook(t *testing.T) {
	s, out := gradeSample(t, nil)
	want := `student,points,max,q2,q17,q18
../../etc/passwd,0,3,0/3,missing,missing
"'=HYPERLINK(""http://x"")",4,5,3/3,missing,1/2
Carol <script>alert(1)</script>,5,5,2/2,3/3,missing
alice,8,9,3/3,3/4,2/2
bob,1,5,1/3,missing,0/2
dave,0,0,error,error,missing
erin,0,0,error,error,error
frank,0,0,error,error,error
heidi,9,9,3/3,4/4,2/2
ivan,0,4,missing,0/4,missing
judy,0,0,missing,missing,missing
`
	if got := readFile(t, filepath.Join(out, "gradebook.csv")); got != want {
		t.Errorf("gradebook.csv:\n%s\nwant:\n%s", got, want)
	}
	if s.Students != 11 || strings.Join(s.Crashed, ",") != "erin,frank" {
		t.Errorf("summary %+v: want 11 students, erin and frank crashed", s)
	}
	erin := readFile(t, filepath.Join(out, "erin.md"))
	if !strings.Contains(erin, "grader crashed") || !strings.Contains(erin, "index out of range") {
		t.Errorf("erin.md does not say the grader crashed and why:\n%s", erin)
	}
	// q30 is missing from every submission: no column, one line in the
	// student's report.
	if judy := readFile(t, filepath.Join(out, "judy.md")); !strings.Contains(judy, "Nothing handed in for Q2, Q17, Q18, Q30.") || strings.Contains(judy, "## Q") {
		t.Errorf("judy.md should list the missing exercises on one line, with no section each:\n%s", judy)
	}
	frank := readFile(t, filepath.Join(out, "frank.md"))
	if !strings.Contains(frank, "malformed rtlab.yaml: line 3") {
		t.Errorf("frank.md does not carry the grader's error:\n%s", frank)
	}
}

// Student names are untrusted: no file lands outside the output folder,
// and no name reaches HTML unescaped.
func TestHostileNames(t *testing.T) {
	_, out := gradeSample(t, nil)
	err := filepath.WalkDir(filepath.Dir(out), func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if rel, _ := filepath.Rel(out, p); strings.HasPrefix(rel, "..") && p != filepath.Dir(out) {
			t.Errorf("%s was written outside the output folder", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"index.html", FileStem("Carol <script>alert(1)</script>", "carol") + ".html"} {
		html := readFile(t, filepath.Join(out, f))
		if strings.Contains(html, "<script>") {
			t.Errorf("%s holds a student's <script> unescaped", f)
		}
		if !strings.Contains(html, "Carol &lt;script&gt;") {
			t.Errorf("%s does not show the student's name escaped", f)
		}
	}
}

// Each student gets every file, named by FileStem.
func TestStudentFiles(t *testing.T) {
	_, out := gradeSample(t, nil)
	for folder, student := range map[string]string{"alice": "alice", "mallory": "../../etc/passwd"} {
		stem := FileStem(student, folder)
		for _, f := range []string{"results/" + stem + ".json", stem + ".md", stem + ".html", "gradescope/" + stem + "/results.json"} {
			if _, err := os.Stat(filepath.Join(out, f)); err != nil {
				t.Errorf("%s: %v", folder, err)
			}
		}
	}
	rec, err := ReadRecord(filepath.Join(out, "results", "alice.json"))
	if err != nil {
		t.Fatal(err)
	}
	if rec.Points != 8 || rec.Max != 9 || len(rec.Exercises) != 3 {
		t.Errorf("alice's record: %d/%d, %d exercises; want 8/9 and 3", rec.Points, rec.Max, len(rec.Exercises))
	}
	c := rec.Exercises[1].Parts[0].Checks[1]
	if c.Status != "fail" || c.Expected != "an ack" || len(c.Recent) != 2 {
		t.Errorf("alice's failed q17 check lost its detail: %+v", c)
	}
	md := readFile(t, filepath.Join(out, "alice.md"))
	for _, want := range []string{"# alice: 8/9 points", "## Q17", "expected: an ack", `last events received: 42["hello"]; 3`, "hint: call the ack"} {
		if !strings.Contains(md, want) {
			t.Errorf("alice.md lacks %q:\n%s", want, md)
		}
	}
}

// A second class is not written over the first.
func TestOutRefusesAGradebook(t *testing.T) {
	_, out := gradeSample(t, nil)
	_, err := Grade(context.Background(), makeClass(t, sampleClass), &Options{Out: out, Grade: fakeGrade})
	if err == nil || !strings.Contains(err.Error(), "already holds") {
		t.Errorf("grading into %s again: %v; want a refusal", out, err)
	}
}

func TestNoSubmissions(t *testing.T) {
	_, err := Grade(context.Background(), t.TempDir(), &Options{Out: t.TempDir() + "/o", Grade: fakeGrade})
	var ne *NoSubmissionsError
	if !errors.As(err, &ne) {
		t.Errorf("an empty class: %v; want a NoSubmissionsError", err)
	}
}

// A run stopped (Ctrl-C) ends promptly, each grade told through its ctx,
// and says it was stopped rather than writing a partial gradebook.
func TestCancel(t *testing.T) {
	dir := makeClass(t, sampleClass)
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan struct{}, 20)
	grade := func(ctx context.Context, d string) (*submission.Result, error) {
		started <- struct{}{}
		<-ctx.Done()
		return nil, ctx.Err()
	}
	go func() { <-started; cancel() }()
	out := filepath.Join(t.TempDir(), "o")
	done := make(chan error, 1)
	go func() { _, err := Grade(ctx, dir, &Options{Jobs: 2, Out: out, Grade: grade}); done <- err }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "stopped") {
			t.Errorf("a cancelled run returned %v; want it to say it stopped", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a cancelled class run did not end in 10s")
	}
	if _, err := os.Stat(filepath.Join(out, "gradebook.csv")); err == nil {
		t.Error("a cancelled run wrote a gradebook as if the class were complete")
	}
}

// Lines prints one line per submission, the crash's reason on it.
func TestLines(t *testing.T) {
	var b strings.Builder
	gradeSample(t, &Options{Progress: &Lines{W: &b}})
	out := b.String()
	for _, want := range []string{"grading 11 submissions, 3 at a time", "[11/11]", "erin: 0/0 points", "could not be graded: the grader crashed", "heidi: 9/9 points"} {
		if !strings.Contains(out, want) {
			t.Errorf("progress lines lack %q:\n%s", want, out)
		}
	}
}

// Bars draw on a buffer and end, whatever order the jobs finish in.
func TestBars(t *testing.T) {
	var b syncbuf.Buffer
	gradeSample(t, &Options{Progress: &Bars{w: &b, refresh: true}})
	if !strings.Contains(b.String(), "submissions") {
		t.Errorf("bars drew nothing recognisable:\n%q", b.String())
	}
}

// A panic's stack goes to Log, for the maintainers, and not into the
// student's report, which must read the same in every run.
func TestPanicStackGoesToLog(t *testing.T) {
	var log syncbuf.Buffer
	out := filepath.Join(t.TempDir(), "o")
	if _, err := Grade(context.Background(), makeClass(t, map[string]string{"erin": "panic boom"}), &Options{Out: out, Grade: fakeGrade, Log: &log}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "panicked on") || !strings.Contains(log.String(), "goroutine") {
		t.Errorf("Log lacks the panic's stack:\n%s", log.String())
	}
	if md := readFile(t, filepath.Join(out, "erin.md")); strings.Contains(md, "goroutine") || !strings.Contains(md, "boom") {
		t.Errorf("erin.md should say the grader crashed (boom) without the stack:\n%s", md)
	}
}
