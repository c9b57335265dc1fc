package class

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A class graded in 3 shards and merged is the class graded at once, file
// for file and byte for byte, timings.csv apart (which has the same rows).
func TestShardsMergeToTheWholeClass(t *testing.T) {
	dir := makeClass(t, sampleClass)
	tmp := t.TempDir()
	whole := filepath.Join(tmp, "whole")
	if _, err := Grade(context.Background(), dir, &Options{Jobs: 2, Out: whole, Grade: fakeGrade, Log: io.Discard}); err != nil {
		t.Fatal(err)
	}
	var shards []string
	graded := 0
	for k := 1; k <= 3; k++ {
		out := filepath.Join(tmp, "shard", string(rune('0'+k)))
		s, err := Grade(context.Background(), dir, &Options{Jobs: 2, Out: out, Grade: fakeGrade, Shard: Shard{K: k, N: 3}, Log: io.Discard})
		if err != nil {
			t.Fatal(err)
		}
		graded += s.Students
		shards = append(shards, out)
	}
	if graded != len(sampleClass) {
		t.Errorf("the 3 shards graded %d submissions; the class has %d", graded, len(sampleClass))
	}
	merged := filepath.Join(tmp, "merged")
	if _, err := Merge(merged, shards); err != nil {
		t.Fatal(err)
	}
	if diff := compareTrees(t, whole, merged); diff != "" {
		t.Error(diff)
	}
}

// compareTrees says how two output folders differ, "" when they hold the
// same files with the same bytes; timings.csv is compared by its first
// two columns only.
func compareTrees(t *testing.T, a, b string) string {
	t.Helper()
	files := func(root string) map[string]string {
		out := map[string]string{}
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			rel, _ := filepath.Rel(root, p)
			data, err := os.ReadFile(p)
			if rel == "timings.csv" {
				var keep []string
				for _, l := range strings.Split(string(data), "\n") {
					if i := strings.LastIndex(l, ","); i >= 0 {
						l = l[:i]
					}
					keep = append(keep, l)
				}
				data = []byte(strings.Join(keep, "\n"))
			}
			out[rel] = string(data)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	fa, fb := files(a), files(b)
	var diffs []string
	for name, da := range fa {
		db, ok := fb[name]
		switch {
		case !ok:
			diffs = append(diffs, name+": only in "+a)
		case da != db:
			diffs = append(diffs, name+": differs:\n--- "+a+"\n"+da+"\n--- "+b+"\n"+db)
		}
	}
	for name := range fb {
		if _, ok := fa[name]; !ok {
			diffs = append(diffs, name+": only in "+b)
		}
	}
	return strings.Join(diffs, "\n")
}

// compareTrees itself catches a difference: a byte changed in a report.
func TestCompareTreesSeesADifference(t *testing.T) {
	dir := makeClass(t, map[string]string{"a": "q2 pass", "b": "q2 fail"})
	one, two := filepath.Join(t.TempDir(), "1"), filepath.Join(t.TempDir(), "2")
	for _, out := range []string{one, two} {
		if _, err := Grade(context.Background(), dir, &Options{Out: out, Grade: fakeGrade, Log: io.Discard}); err != nil {
			t.Fatal(err)
		}
	}
	if d := compareTrees(t, one, two); d != "" {
		t.Fatalf("two runs of one class differ:\n%s", d)
	}
	os.WriteFile(filepath.Join(two, "a.md"), []byte("changed"), 0o644)
	if d := compareTrees(t, one, two); !strings.Contains(d, "a.md: differs") {
		t.Errorf("a changed a.md went unnoticed: %q", d)
	}
}

// A shard merged twice (or two overlapping shards) is refused, naming the
// submission.
func TestMergeRefusesDuplicates(t *testing.T) {
	dir := makeClass(t, map[string]string{"a": "q2 pass", "b": "q2 fail"})
	out := filepath.Join(t.TempDir(), "s")
	if _, err := Grade(context.Background(), dir, &Options{Out: out, Grade: fakeGrade, Log: io.Discard}); err != nil {
		t.Fatal(err)
	}
	_, err := Merge(filepath.Join(t.TempDir(), "m"), []string{out, out})
	var de *DuplicateError
	if !errors.As(err, &de) || de.Folder != "a" || !strings.Contains(err.Error(), "graded twice") {
		t.Errorf("merging a shard twice: %v; want a DuplicateError for a", err)
	}
}

func TestMergeRefusesAFolderWithoutResults(t *testing.T) {
	_, err := Merge(filepath.Join(t.TempDir(), "m"), []string{t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "not the output of rtlab grade --class") {
		t.Errorf("merging an empty folder: %v", err)
	}
}

// A record that is not one (hand-edited, another tool's JSON) is an error
// naming the file.
func TestMergeRefusesABadRecord(t *testing.T) {
	d := t.TempDir()
	os.MkdirAll(filepath.Join(d, "results"), 0o755)
	os.WriteFile(filepath.Join(d, "results", "x.json"), []byte(`{"student":"x","folder":"x","score":3}`), 0o644)
	_, err := Merge(filepath.Join(t.TempDir(), "m"), []string{d})
	var re *RecordError
	if !errors.As(err, &re) || !strings.Contains(err.Error(), "x.json") || !strings.Contains(err.Error(), "score") {
		t.Errorf("merging a bad record: %v; want a RecordError naming x.json and the field", err)
	}
}
