package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"rtlab/graders"
	"rtlab/graders/class"
	"rtlab/graders/submission"
)

// fakeClassGrader grades a folder without running anything: the folder's
// score file holds "passed/total" of its one exercise, q17. The class
// machinery around it is what these tests are about.
func fakeClassGrader(*class.GradeOptions) class.GradeFunc {
	return func(ctx context.Context, dir string) (*submission.Result, error) {
		data, err := os.ReadFile(filepath.Join(dir, "score"))
		if err != nil {
			return nil, err
		}
		var pass, total int
		if _, err := fmt.Sscanf(strings.TrimSpace(string(data)), "%d/%d", &pass, &total); err != nil {
			return nil, err
		}
		r := &graders.Report{Exercise: "q17"}
		for i := range total {
			st := graders.Fail
			if i < pass {
				st = graders.Pass
			}
			r.Checks = append(r.Checks, graders.CheckResult{ID: string(rune('a' + i)), Name: "check", Status: st})
		}
		return &submission.Result{Exercises: []*submission.Exercise{{ID: "q17", State: submission.Graded, Parts: []*graders.Report{r}}}}, nil
	}
}

// useFakeClassGrader puts fakeClassGrader in place for the test.
func useFakeClassGrader(t *testing.T) {
	old, oldBox := classGrader, classGraderSandboxed
	classGrader, classGraderSandboxed = fakeClassGrader, false
	t.Cleanup(func() { classGrader, classGraderSandboxed = old, oldBox })
}

// tinyClass is a class of n folders s01…, s02…, their scores i/3.
func tinyClass(t *testing.T, n int) string { return tinyClassIn(t, t.TempDir(), n) }

// tinyClassIn writes tinyClass's folders into dir.
func tinyClassIn(t *testing.T, dir string, n int) string {
	t.Helper()
	for i := 1; i <= n; i++ {
		d := filepath.Join(dir, "s"+string(rune('0'+i/10))+string(rune('0'+i%10)))
		os.MkdirAll(d, 0o755)
		os.WriteFile(filepath.Join(d, "score"), []byte(string(rune('0'+i%4))+"/3"), 0o644)
	}
	os.WriteFile(filepath.Join(dir, "README.txt"), []byte("not a submission"), 0o644)
	return dir
}

func TestGradeClassCLI(t *testing.T) {
	useFakeClassGrader(t)
	dir := tinyClass(t, 5)
	out := filepath.Join(t.TempDir(), "out")
	code, stdout, stderr := runCLI(t, "grade", "--class", dir, "--jobs", "2", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	gb, err := os.ReadFile(filepath.Join(out, "gradebook.csv"))
	if err != nil {
		t.Fatal(err)
	}
	want := "student,points,max,q17\ns01,1,3,1/3\ns02,2,3,2/3\ns03,3,3,3/3\ns04,0,3,0/3\ns05,1,3,1/3\n"
	if string(gb) != want {
		t.Errorf("gradebook.csv:\n%s\nwant:\n%s", gb, want)
	}
	for _, w := range []string{"5 submissions graded on q17", out + "/gradebook.csv"} {
		if !strings.Contains(stdout, w) {
			t.Errorf("stdout lacks %q:\n%s", w, stdout)
		}
	}
	for _, w := range []string{"skipping README.txt: not a submission folder", "[5/5] "} {
		if !strings.Contains(stderr, w) {
			t.Errorf("stderr lacks %q:\n%s", w, stderr)
		}
	}
}

func TestGradeClassUsageErrors(t *testing.T) {
	useFakeClassGrader(t)
	for _, tc := range []struct {
		args []string
		says string
	}{
		{[]string{"grade", "--class", "x", "--shard", "4/3"}, `--shard "4/3": K must be 1 to 3`},
		{[]string{"grade", "--class", "x", "--shard", "auto/3"}, "auto needs JOB_COMPLETION_INDEX"},
		{[]string{"grade", "--class", "x", "--jobs", "0"}, "--jobs 0"},
		{[]string{"grade", "--class", "x", "--url", "http://x"}, "flag provided but not defined: -url"},
		{[]string{"grade", "--class="}, "--class needs the folder"},
		{[]string{"grade", "--class", "x", "--exercise", "q17,q99"}, `no exercise "q99"`},
		{[]string{"gradebook"}, "want a subcommand: merge"},
		{[]string{"gradebook", "merge"}, "merge needs the shards' output folders"},
	} {
		t.Setenv("JOB_COMPLETION_INDEX", "")
		code, _, stderr := runCLI(t, tc.args...)
		if code != 2 || !strings.Contains(stderr, tc.says) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tc.args, code, stderr, tc.says)
		}
	}
}

// Sharded by the CLI and merged by the CLI: the gradebook of the class
// graded at once.
func TestGradebookMergeCLI(t *testing.T) {
	useFakeClassGrader(t)
	dir := tinyClass(t, 7)
	tmp := t.TempDir()
	if code, o, e := runCLI(t, "grade", "--class", dir, "--out", filepath.Join(tmp, "whole")); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, o, e)
	}
	var shards []string
	for _, k := range []string{"1", "2", "3"} {
		out := filepath.Join(tmp, "shard"+k)
		t.Setenv("JOB_COMPLETION_INDEX", string(rune(k[0]-1)))
		if code, o, e := runCLI(t, "grade", "--class", dir, "--shard", "auto/3", "--out", out); code != 0 {
			t.Fatalf("shard %s: exit %d\n%s%s", k, code, o, e)
		}
		shards = append(shards, out)
	}
	if code, o, e := runCLI(t, append([]string{"gradebook", "merge", "--out", filepath.Join(tmp, "merged")}, shards...)...); code != 0 {
		t.Fatalf("merge: exit %d\n%s%s", code, o, e)
	}
	for _, f := range []string{"gradebook.csv", "index.html", "s03.html"} {
		a, _ := os.ReadFile(filepath.Join(tmp, "whole", f))
		b, _ := os.ReadFile(filepath.Join(tmp, "merged", f))
		if len(a) == 0 || string(a) != string(b) {
			t.Errorf("%s differs between the whole class and the merged shards", f)
		}
	}
}
