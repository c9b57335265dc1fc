package pageedit

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const base = `<ul id="list"></ul>
<script>
  let since = 0;
  poll();
</script>
`

// TestApply: a good file parses, and its edits (a replacement kept
// indented by an indentation indicator, a deletion, a last line without a
// newline) make the page.
func TestApply(t *testing.T) {
	src := `bug: since starts at the browser's clock
base: reference/public/q10_long_polling/index.html
edits:
  - old: |2
        let since = 0;
    new: |2
        let since = Date.now();
  - old: |
      poll();
    new: ""
  - old: </script>
    new: |-
      </script><!-- end -->
`
	f, err := Parse("since.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if f.Bug != "since starts at the browser's clock" || f.Base != "reference/public/q10_long_polling/index.html" {
		t.Errorf("bug %q, base %q", f.Bug, f.Base)
	}
	if got := []int{f.Edits[0].Line, f.Edits[1].Line, f.Edits[2].Line}; got[0] != 4 || got[1] != 8 || got[2] != 11 {
		t.Errorf("edit lines %v, want [4 8 11]", got)
	}
	out, err := f.Apply([]byte(base))
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Replace(base, "  let since = 0;\n", "  let since = Date.now();\n", 1)
	want = strings.Replace(want, "poll();\n", "", 1)
	want = strings.Replace(want, "</script>", "</script><!-- end -->", 1)
	if string(out) != want {
		t.Errorf("built\n%s\nwant\n%s", out, want)
	}
}

func TestLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.yaml")
	os.WriteFile(path, []byte("bug: b\nbase: a.html\nedits:\n  - old: a\n    new: b\n"), 0o644)
	f, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if f.Path != path || len(f.Edits) != 1 {
		t.Errorf("%+v", f)
	}
	if _, err := Load(filepath.Join(t.TempDir(), "none.yaml")); err == nil {
		t.Error("no error for a missing file")
	}
}

// TestParseErrors: each mistake in an edit file is reported with the
// file and the line it is on.
func TestParseErrors(t *testing.T) {
	for _, c := range []struct{ name, src, want string }{
		{"unknown field", "bug: b\nbase: a.html\nedits:\n  - old: a\n    new: b\n    nwe: c\n", `bad.yaml:6:`},
		{"unknown top-level field", "bug: b\nbase: a.html\nbsae: c\nedits:\n  - old: a\n    new: b\n", `bad.yaml:3:`},
		{"missing bug", "base: a.html\nedits:\n  - old: a\n    new: b\n", `bad.yaml:1: missing key "bug"`},
		{"missing base", "bug: b\nedits:\n  - old: a\n    new: b\n", `bad.yaml:1: missing key "base"`},
		{"missing edits", "bug: b\nbase: a.html\n", `bad.yaml:1: missing key "edits"`},
		{"missing old", "bug: b\nbase: a.html\nedits:\n  - old: a\n    new: b\n  - new: c\n", `bad.yaml:6: edit 2: missing key "old"`},
		{"missing new", "bug: b\nbase: a.html\nedits:\n  - old: a\n    new: b\n  - old: c\n", `bad.yaml:6: edit 2: missing key "new"`},
		{"not a list", "bug: b\nbase: a.html\nedits: 3\n", `bad.yaml:3:`},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("bad.yaml", []byte(c.src))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want it to contain %q", err, c.want)
			}
		})
	}
}

// TestApplyErrors: an edit whose old text the base lacks, holds more than
// once, or that overlaps another names the file, the edit and its line.
func TestApplyErrors(t *testing.T) {
	for _, c := range []struct{ name, edits, want string }{
		{"not found", "  - old: <ul\n    new: y\n  - old: since = 1\n    new: y\n", `bad.yaml:6: edit 2: old text not found in p.html`},
		{"found twice", "  - old: script\n    new: y\n", `bad.yaml:4: edit 1: old text found 2 times in p.html`},
		{"overlap", "  - old: let since\n    new: y\n  - old: since = 0\n    new: z\n", `bad.yaml:6: edit 2: old text overlaps edit 1's`},
	} {
		t.Run(c.name, func(t *testing.T) {
			f, err := Parse("bad.yaml", []byte("bug: b\nbase: p.html\nedits:\n"+c.edits))
			if err != nil {
				t.Fatal(err)
			}
			_, err = f.Apply([]byte(base))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want it to contain %q", err, c.want)
			}
		})
	}
}
