// Package testpages builds the broken pages of testdata/pages for tests.
// Each is kept as an edit file of its reference page (internal/pageedit),
// so that its one mistake is all it says; the tests grade the page it
// makes, which must be a file because the graders serve or bundle pages
// from files (Q21's esbuild names the file in its errors).
package testpages

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"rtlab/internal/pageedit"
)

// Build makes the page of the edit file file and returns its path: a file
// in t.TempDir() named as the edit file with the base's extension
// (testdata/pages/q09_short_polling/backlog.yaml makes backlog.html). The
// base is found from the root of the repository that holds file.
func Build(t testing.TB, file string) string {
	t.Helper()
	f, page, err := build(file)
	if err != nil {
		t.Fatal(err)
	}
	name := strings.TrimSuffix(filepath.Base(file), filepath.Ext(file)) + filepath.Ext(f.Base)
	out := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(out, page, 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}

// Page returns the page the edit file file makes.
func Page(file string) ([]byte, error) {
	_, page, err := build(file)
	return page, err
}

func build(file string) (*pageedit.File, []byte, error) {
	f, err := pageedit.Load(file)
	if err != nil {
		return nil, nil, err
	}
	root, err := repoRoot(file)
	if err != nil {
		return nil, nil, err
	}
	base, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(f.Base)))
	if err != nil {
		return nil, nil, fmt.Errorf("%s: base: %w", file, err)
	}
	page, err := f.Apply(base)
	return f, page, err
}

// repoRoot is the nearest folder above file with a go.mod.
func repoRoot(file string) (string, error) {
	abs, err := filepath.Abs(file)
	if err != nil {
		return "", err
	}
	for d := filepath.Dir(abs); ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("%s: no go.mod above it", file)
		}
	}
}
