package graders

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"strings"
	"testing"
	"time"
)

func sampleReports() []*Report {
	return []*Report{
		{Exercise: "q17", Title: "Live user count", URL: "http://127.0.0.1:3000", Duration: time.Second, Checks: []CheckResult{
			{ID: "one-client", Name: "A lone client gets 1", Status: Pass, Duration: 12 * time.Millisecond},
			{ID: "two-clients", Name: "Both get 2", Status: Fail, Reason: "client b did not receive user-count", Expected: `user-count {"count":2}`, Actual: "no user-count event", Recent: []string{"b ← hello {} (+1ms)"}, Hint: "use io.emit", Duration: 2 * time.Second},
			{ID: "drop", Name: "A drop counts", Status: Skip, Reason: "needs two-clients"},
		}},
		{Exercise: "q18", Title: "Acks", URL: "http://127.0.0.1:3000", Err: errors.New("cannot reach it")},
	}
}

func TestWriteJSONShape(t *testing.T) {
	var b bytes.Buffer
	if err := WriteJSON(&b, sampleReports()); err != nil {
		t.Fatal(err)
	}
	var got []map[string]any
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got[0]["exercise"] != "q17" || got[0]["passed"] != false || got[0]["url"] == nil {
		t.Errorf("report %v", got[0])
	}
	c := got[0]["checks"].([]any)[1].(map[string]any)
	for _, k := range []string{"id", "name", "status", "message", "duration_ms"} {
		if _, ok := c[k]; !ok {
			t.Errorf("check lacks %q", k)
		}
	}
	if c["status"] != "fail" || !strings.Contains(c["message"].(string), "expected: user-count") || c["duration_ms"] != 2000.0 {
		t.Errorf("check %v", c)
	}
	b.Reset()
	WriteJSON(&b, sampleReports()[:1])
	if !strings.HasPrefix(b.String(), "{") {
		t.Error("one exercise is an object, not an array")
	}
}

func TestWriteJUnit(t *testing.T) {
	var b bytes.Buffer
	if err := WriteJUnit(&b, sampleReports()); err != nil {
		t.Fatal(err)
	}
	var s junitSuites
	if err := xml.Unmarshal(b.Bytes(), &s); err != nil {
		t.Fatal(err)
	}
	if s.Tests != 4 || s.Failures != 2 || s.Skipped != 1 || len(s.Suites) != 2 {
		t.Errorf("totals %+v", s)
	}
}

func TestWriteTextAndMarkdown(t *testing.T) {
	var b bytes.Buffer
	WriteText(&b, sampleReports(), nil)
	for _, want := range []string{"✓ A lone client gets 1", "✗ Both get 2", "expected: user-count", "hint: use io.emit", "(skipped: needs two-clients)", "! cannot reach it", "FAILED: 1 passed, 1 failed, 1 skipped"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, b.String())
		}
	}
	b.Reset()
	WriteMarkdown(&b, sampleReports())
	for _, want := range []string{"## ❌ Q17", "| ❌ | Both get 2 |", "<details>", "**Could not grade:**"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
}
