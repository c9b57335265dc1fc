package submission

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"rtlab/graders"
	"rtlab/internal/chrome"
	"rtlab/reference/nginx"
)

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Dir(to), 0o755)
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestQ6PageAndQ8ConfigAreGraded: the reference's Q6 page, at its
// conventional place, passes Q6 in Chromium; the reference's Q8
// configuration, at the place the manifest names, passes Q8 with nginx.
func TestQ6PageAndQ8ConfigAreGraded(t *testing.T) {
	t.Parallel()
	chrome.Require(t)
	if _, err := nginx.Find(); err != nil {
		t.Skipf("nginx is not installed (apt-get install nginx): %v", err)
	}
	dir := t.TempDir()
	copyFile(t, filepath.Join("..", "..", "reference", "public", "q06_backoff", "index.html"), filepath.Join(dir, "client", "q6.html"))
	copyFile(t, filepath.Join("..", "..", "reference", "nginx", "q8.conf"), filepath.Join(dir, "deploy", "site.conf"))
	os.WriteFile(filepath.Join(dir, "rtlab.yaml"), []byte("nginx: deploy/site.conf\n"), 0o644)
	res, err := Grade(context.Background(), dir, &Options{Exercises: []string{"q6", "q8"}, NoSandbox: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range res.Exercises {
		p, m := e.Score()
		if e.State != Graded || p != m || m == 0 {
			for _, r := range e.Parts {
				if r.Err != nil {
					t.Logf("%s: %v", e.ID, r.Err)
				}
				for _, c := range r.Checks {
					t.Logf("%s %s %s: %s", e.ID, c.Status, c.Name, c.Message())
				}
			}
			t.Errorf("%s: %s %d/%d, want every check passed", e.ID, e.State, p, m)
		}
	}
}

// TestQ8ConfigNginxRefuses: a configuration nginx will not load fails
// Q8's checks with nginx's own words.
func TestQ8ConfigNginxRefuses(t *testing.T) {
	t.Parallel()
	if _, err := nginx.Find(); err != nil {
		t.Skipf("nginx is not installed (apt-get install nginx): %v", err)
	}
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "nginx"), 0o755)
	os.WriteFile(filepath.Join(dir, "nginx", "q8.conf"), []byte("server { listen 80; proxy_pass; }\n"), 0o644)
	res, err := Grade(context.Background(), dir, &Options{Exercises: []string{"q8"}, NoSandbox: true})
	if err != nil {
		t.Fatal(err)
	}
	e := res.Exercises[0]
	if p, m := e.Score(); e.State != Graded || p != 0 || m == 0 {
		t.Fatalf("q8 %s %d/%d, want graded 0 of its checks", e.State, p, m)
	}
	c := e.Parts[0].Checks[0]
	if c.Status != graders.Fail || !strings.Contains(c.Reason, "nginx refused the configuration nginx/q8.conf") {
		t.Errorf("check %+v", c)
	}
}
