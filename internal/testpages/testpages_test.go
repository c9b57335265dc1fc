package testpages

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEveryPageBuilds: every edit file of testdata/pages applies to its
// base, and changes it.
func TestEveryPageBuilds(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "testdata", "pages", "*", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no edit files (%v)", err)
	}
	for _, file := range files {
		path := Build(t, file)
		if !strings.HasPrefix(filepath.Base(path), strings.TrimSuffix(filepath.Base(file), ".yaml")+".") {
			t.Errorf("%s built as %s", file, path)
		}
	}
}

func TestBuildName(t *testing.T) {
	path := Build(t, filepath.Join("..", "..", "testdata", "pages", "q21_react", "cleanup.yaml"))
	if filepath.Base(path) != "cleanup.jsx" {
		t.Errorf("built %s, want cleanup.jsx", path)
	}
	b, err := os.ReadFile(path)
	if err != nil || !strings.Contains(string(b), "The bug:") {
		t.Errorf("%s: %v", path, err)
	}
}
