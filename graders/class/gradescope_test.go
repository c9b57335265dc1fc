package class

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// Gradescope's results.json: score and max_score, one test per check with
// its points and passed or failed, the failure's story as its output; an
// exercise that could not be graded is a failed test worth nothing.
func TestGradescopeFormat(t *testing.T) {
	_, out := gradeSample(t, nil)
	type test struct {
		Name     string   `json:"name"`
		Score    float64  `json:"score"`
		MaxScore *float64 `json:"max_score"`
		Status   string   `json:"status"`
		Output   string   `json:"output"`
	}
	var gs struct {
		Score    *float64 `json:"score"`
		MaxScore float64  `json:"max_score"`
		Output   string   `json:"output"`
		Tests    []test   `json:"tests"`
	}
	read := func(stem string) {
		gs.Tests = nil
		if err := json.Unmarshal([]byte(readFile(t, filepath.Join(out, "gradescope", stem, "results.json"))), &gs); err != nil {
			t.Fatal(err)
		}
	}
	read("alice")
	if gs.Score == nil || *gs.Score != 8 || gs.MaxScore != 9 || len(gs.Tests) != 9 {
		t.Fatalf("alice: score %v of %v, %d tests; want 8 of 9 and 9 tests", gs.Score, gs.MaxScore, len(gs.Tests))
	}
	var sum, max float64
	for _, tc := range gs.Tests {
		if tc.MaxScore == nil || (tc.Status != "passed" && tc.Status != "failed") || !strings.HasPrefix(tc.Name, "Q") {
			t.Errorf("alice: test %+v: want a name, a max_score and passed or failed", tc)
			continue
		}
		sum += tc.Score
		max += *tc.MaxScore
		if tc.Status == "failed" && (!strings.Contains(tc.Output, "expected: an ack") || !strings.Contains(tc.Output, "hint: call the ack")) {
			t.Errorf("alice: the failed test's output lacks the expected value or the hint: %q", tc.Output)
		}
	}
	if sum != 8 || max != 9 {
		t.Errorf("alice: the tests add up to %v of %v; the score is 8 of 9", sum, max)
	}
	read("dave")
	if !strings.Contains(gs.Output, "Setup failed:\nnpm install failed") || len(gs.Tests) != 2 || gs.Tests[0].Status != "failed" || !strings.Contains(gs.Tests[0].Output, "error: npm install failed") {
		t.Errorf("dave: output %q, tests %+v; want the setup failure and two failed exercises", gs.Output, gs.Tests)
	}
}
