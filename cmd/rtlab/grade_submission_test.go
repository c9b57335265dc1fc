package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGradeSubmissionReports: --submission writes one report in each
// format, with the setup verdict first and the exercises after it, and
// exits 2 when an exercise could not be graded at all (a broken
// manifest), as --url does for a server it cannot reach.
func TestGradeSubmissionReports(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "erin")
	os.MkdirAll(filepath.Join(dir, "client"), 0o755)
	os.WriteFile(filepath.Join(dir, "rtlab.yaml"), []byte("servers:\n  - cmd: node s.js\n    exercises: [q99]\n"), 0o644)
	code, out, errOut := runCLI(t, "grade", "--submission", dir, "--exercise", "q17", "--no-sandbox", "--format", "json", "--out", "-")
	if code != 2 {
		t.Fatalf("exit %d, want 2; stderr %s", code, errOut)
	}
	var reps []struct {
		Exercise string `json:"exercise"`
		Error    string `json:"error"`
		Checks   []struct {
			ID, Status, Message string
		} `json:"checks"`
	}
	if err := json.Unmarshal([]byte(out), &reps); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(reps) != 2 || reps[0].Exercise != "submission" || reps[0].Checks[0].ID != "setup" ||
		!strings.Contains(reps[0].Checks[0].Message, "rtlab.yaml:3: servers[0].exercises[0]") ||
		reps[1].Exercise != "q17" || !strings.Contains(reps[1].Error, "rtlab.yaml:3") {
		t.Errorf("report:\n%s", out)
	}
	code, out, _ = runCLI(t, "grade", "--submission", dir, "--exercise", "q17", "--no-sandbox", "--format", "markdown")
	if code != 2 || !strings.Contains(out, "rtlab.yaml:3") {
		t.Errorf("markdown: exit %d\n%s", code, out)
	}
}

func TestGradeSubmissionUsage(t *testing.T) {
	t.Parallel()
	code, _, errOut := runCLI(t, "grade", "--submission", ".", "--url", "http://127.0.0.1:1")
	if code != 2 || !strings.Contains(errOut, "--submission grades a folder") {
		t.Errorf("exit %d, stderr %s", code, errOut)
	}
	code, _, errOut = runCLI(t, "grade", "--submission", filepath.Join(t.TempDir(), "nobody"), "--no-sandbox")
	if code != 2 || !strings.Contains(errOut, "nobody") {
		t.Errorf("exit %d, stderr %s", code, errOut)
	}
}
