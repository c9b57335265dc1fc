package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"rtlab/reference"
)

// repeatReport is the part of `rtlab grade --repeat N --format json` the
// tests read.
type repeatReport struct {
	Runs      int      `json:"runs"`
	Passed    bool     `json:"passed"`
	Flipped   []string `json:"flipped"`
	Exercises []struct {
		Checks []struct {
			ID       string   `json:"id"`
			Verdicts []string `json:"verdicts"`
		} `json:"checks"`
	} `json:"exercises"`
}

func gradeJSON(t *testing.T, args ...string) (repeatReport, int, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	code := run(ctx, &env{stdout: &stdout, stderr: &stderr}, append([]string{"grade", "--format", "json", "--out", "-"}, args...))
	var r repeatReport
	if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
		t.Fatalf("exit %d, stdout is not the JSON report (%v):\n%s\nstderr:\n%s", code, err, stdout.String(), stderr.String())
	}
	return r, code, stderr.String()
}

// TestRepeatStableReference: the Q38 reference graded three times has the
// same verdicts every time, reports no flip and exits 0.
func TestRepeatStableReference(t *testing.T) {
	r, code, stderr := gradeJSON(t, "--exercise", "q38", "--repeat", "3")
	if code != 0 || !r.Passed || len(r.Flipped) != 0 || r.Runs != 3 {
		t.Fatalf("exit %d, passed %v, flipped %v, runs %d; want 0, true, none, 3\n%s", code, r.Passed, r.Flipped, r.Runs, stderr)
	}
	if strings.Count(stderr, "failing checks") != 3 {
		t.Errorf("stderr does not report each of the 3 runs:\n%s", stderr)
	}
}

// flakyServer serves the Q38 reference but refuses every other new
// Socket.IO connection (a handshake: a request without a sid), the way a
// server with a timing bug fails some of the time. Checks run one after
// another and Q38's first check opens one connection, so the first check
// fails in runs 1 and 3 and passes in run 2.
func flakyServer(t *testing.T) string {
	t.Helper()
	var handshakes atomic.Int64
	flaky := func(srv http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasPrefix(r.URL.Path, "/socket.io/") && r.URL.Query().Get("sid") == "" &&
				handshakes.Add(1)%2 == 1 {
				http.Error(w, "flaky: this connection is refused", http.StatusServiceUnavailable)
				return
			}
			srv.ServeHTTP(w, r)
		})
	}
	ref, err := reference.Start("q38", &reference.Options{Wrap: flaky})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ref.Close() })
	return ref.URL
}

// TestRepeatReportsAFlip: a server that fails every other connection makes
// the first check flip; --repeat names it in the JSON and the text report
// and exits 1.
func TestRepeatReportsAFlip(t *testing.T) {
	url := flakyServer(t)
	r, code, stderr := gradeJSON(t, "--url", url, "--exercise", "q38", "--repeat", "3")
	if code != 1 || r.Passed {
		t.Errorf("exit %d, passed %v; want 1, false", code, r.Passed)
	}
	if len(r.Flipped) == 0 || r.Flipped[0] != "q38/ok" {
		t.Fatalf("flipped %v, want q38/ok first\n%s", r.Flipped, stderr)
	}
	if got := strings.Join(r.Exercises[0].Checks[0].Verdicts, ","); got != "fail,pass,fail" {
		t.Errorf("q38/ok verdicts %s, want fail,pass,fail", got)
	}

	var stdout bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	code = run(ctx, &env{stdout: &stdout, stderr: new(bytes.Buffer)}, []string{"grade", "--url", url, "--exercise", "q38", "--repeat", "2"})
	text := stdout.String()
	if code != 1 || !strings.Contains(text, "(ok) — FLIPPED: 1 pass, 1 fail") || !strings.Contains(text, "UNSTABLE: 2 runs") {
		t.Errorf("exit %d; the text report does not show the flip:\n%s", code, text)
	}
}

// TestRepeatFlagErrors: bad --repeat values are usage errors (exit 2).
func TestRepeatFlagErrors(t *testing.T) {
	for _, args := range [][]string{{"--repeat", "0"}, {"--repeat", "2", "--format", "junit"}} {
		var stderr bytes.Buffer
		code := run(context.Background(), &env{stdout: new(bytes.Buffer), stderr: &stderr}, append([]string{"grade", "--exercise", "q38"}, args...))
		if code != 2 || !strings.Contains(stderr.String(), "--repeat") {
			t.Errorf("grade %v: exit %d, stderr %q; want 2 and a word on --repeat", args, code, stderr.String())
		}
	}
}
