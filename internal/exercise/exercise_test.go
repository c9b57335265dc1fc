package exercise

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{
		"q09": "q9", "Q17": "q17", "9": "q9", " q10 ": "q10", "q009": "q9",
		"conformance": "conformance", "Loadtest": "loadtest", "q+5": "q+5", "": "",
	} {
		if got := Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSortIsCourseOrder(t *testing.T) {
	ids := []string{"loadtest", "q10", "conformance", "q2", "q38", "q9"}
	Sort(ids)
	want := []string{"q2", "q9", "q10", "q38", "conformance", "loadtest"}
	if !slices.Equal(ids, want) {
		t.Errorf("Sort = %v, want %v", ids, want)
	}
}

func TestParse(t *testing.T) {
	e, err := Parse("Q06")
	if err != nil || e.ID != "q6" || e.Stem() != "q06_backoff" {
		t.Errorf("Parse(Q06) = %+v, %v; want q6 with stem q06_backoff", e, err)
	}
	if _, err := Parse("q39"); err == nil {
		t.Error("Parse(q39) succeeded; the course ends at q38")
	}
}

// The table is the course: numbers 1 to 38 in order, each with a slug and
// a title, ids unique.
func TestTable(t *testing.T) {
	n := 0
	for _, e := range table {
		if e.Num == 0 {
			continue
		}
		n++
		if e.Num != n || e.ID != Normalize(e.ID) || Number(e.ID) != n || e.Slug == "" || e.Title == "" {
			t.Errorf("entry %d: %+v", n, e)
		}
	}
	if n != 38 {
		t.Errorf("%d exercises, want 38", n)
	}
}

// Every file of the tree whose name starts like an exercise's (qNN…) is
// named by its stem: `ls *q34*` finds all of an exercise's files only if
// none is spelled q34-rate-limit or q6.
func TestFilesFollowTheStem(t *testing.T) {
	root, err := Root(".")
	if err != nil {
		t.Fatal(err)
	}
	// Paths fixed by the contract (shared/spec), not by this package.
	allowed := map[string]bool{"reference/nginx/q8.conf": true}
	err = filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && skipDirs[d.Name()] {
			return filepath.SkipDir
		}
		name := d.Name()
		if len(name) < 2 || name[0] != 'q' || name[1] < '0' || name[1] > '9' {
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if allowed[rel] {
			return nil
		}
		for _, e := range table {
			if e.Num > 0 && (name == e.Stem() || len(name) > len(e.Stem()) && name[:len(e.Stem())+1] == e.Stem()+"_" || name[:min(len(name), len(e.Stem())+1)] == e.Stem()+".") {
				return nil
			}
		}
		t.Errorf("%s: not named by an exercise's stem (q06_backoff…, see table.go)", rel)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
