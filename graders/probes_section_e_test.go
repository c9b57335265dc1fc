package graders

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"rtlab/reference"
	"rtlab/scenarios"
)

// TestOtTransformContract pins the grader's own transform to the Q36
// contract's sentences; b was received first.
func TestOtTransformContract(t *testing.T) {
	ins := func(p int, s string) otOp { return otOp{Type: "insert", Position: p, Text: s} }
	del := func(p, n int) otOp { return otOp{Type: "delete", Position: p, Length: n} }
	cases := []struct {
		rule    string
		a, b    otOp
		want    otOp
		text    string
		applied string
	}{
		{"inserts at the same position: the first received stays left", ins(5, "B"), ins(5, "A"), ins(6, "B"), "Hello world", "HelloAB world"},
		{"insert first, inside the delete's range: the delete grows", del(1, 5), ins(3, "XYZ"), del(1, 8), "Hello world", "Hworld"},
		{"delete first: the insert lands where the range began", ins(3, "XYZ"), del(1, 5), ins(1, "XYZ"), "Hello world", "HXYZworld"},
		{"an insert at the range's start is outside it", ins(1, "X"), del(1, 5), ins(1, "X"), "Hello world", "HXworld"},
		{"an insert at the range's end is outside it", ins(6, "X"), del(1, 5), ins(1, "X"), "Hello world", "HXworld"},
		{"a delete wholly inside an earlier one: length 0", del(2, 3), del(0, 11), del(0, 0), "Hello world", ""},
		{"overlapping deletes remove the union", del(4, 4), del(2, 5), del(2, 1), "Hello world", "Herld"},
	}
	for _, c := range cases {
		got := otTransform(c.a, c.b)
		if got != c.want {
			t.Errorf("%s: got %s, want %s", c.rule, got, c.want)
			continue
		}
		text, err := otApply([]rune(c.text), c.b)
		if err == nil {
			text, err = otApply(text, got)
		}
		if err != nil || string(text) != c.applied {
			t.Errorf("%s: text %q (%v), want %q", c.rule, string(text), err, c.applied)
		}
	}
	if _, err := otApply([]rune("abc"), otOp{Type: "delete", Position: 2, Length: 2}); err == nil {
		t.Error("otApply accepted a delete past the end")
	}
}

func TestSectionEProbesNeedTheirParams(t *testing.T) {
	ctx := context.Background()
	var se *ScenarioError
	if err := rateLimitSliding(ctx, &ProbeEnv{}, map[string]any{}); !errors.As(err, &se) {
		t.Errorf("rate-limit-sliding without window: %v, want a ScenarioError", err)
	}
	if err := logDuration(ctx, &ProbeEnv{}, map[string]any{}); !errors.As(err, &se) {
		t.Errorf("log-duration without a server: %v, want a ScenarioError", err)
	}
}

// TestSectionEVariantsFailTheirOwnCheck grades each broken reference of
// Q31–Q38 and requires the check that names its bug to fail with a
// message that says what was expected (other checks may fail too: a leak
// shows in several places).
func TestSectionEVariantsFailTheirOwnCheck(t *testing.T) {
	t.Parallel()
	all, err := Load(scenarios.FS())
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		ex, variant string
		checks      []string // the check that names the bug (any of these)
	}{
		{"q31", "expired-as-invalid", []string{"expired"}},
		{"q31", "accept-alg-none", []string{"alg-none"}},
		{"q31", "no-user-check", []string{"unknown-user"}},
		{"q32", "no-user-agent", []string{"connect-line"}},
		{"q32", "token-present-authd", []string{"auth-state"}},
		{"q32", "duration-seconds", []string{"duration"}},
		{"q32", "fixed-reason", []string{"graceful-reason"}},
		{"q32", "no-disconnect-line", []string{"graceful-reason"}},
		{"q33", "count-refused", []string{"refusals-do-not-count"}},
		{"q33", "leak-on-drop", []string{"slot-freed"}},
		{"q33", "trust-xff", []string{"forwarded-for-ignored"}},
		{"q34", "fixed-window", []string{"sliding-window"}},
		// A clock-aligned fixed window may reset in the middle of the
		// 31-message burst; then the burst check catches it first.
		{"q34", "fixed-window-clock", []string{"sliding-window", "thirty-first-refused", "retry-after"}},
		{"q34", "per-socket", []string{"per-user"}},
		{"q34", "count-refused", []string{"refused-not-counted"}},
		{"q34", "retry-after-window", []string{"retry-after"}},
		{"q35", "support-only-support", []string{"support-admits-admin-and-support"}},
		{"q35", "support-in-admin", []string{"admin-forbids-others"}},
		{"q35", "forbidden-as-invalid", []string{"admin-forbids-others"}},
		{"q35", "public-needs-token", []string{"public-open"}},
		{"q35", "chat-unverified", []string{"chat-refusals"}},
		{"q36", "no-transform", []string{"insert-before-delete"}},
		{"q36", "tie-later-left", []string{"same-position-inserts"}},
		{"q36", "no-grow-delete", []string{"delete-grows-over-insert"}},
		{"q36", "naive-deletes", []string{"overlapping-deletes"}},
		{"q36", "echo-original-op", []string{"insert-before-delete"}},
		{"q36", "last-op-only", []string{"random-convergence"}},
		{"q36", "no-sender-update", []string{"edit-and-update"}},
		{"q37", "leak-listeners", []string{"churn-no-warning"}},
		{"q37", "leak-on-drop", []string{"churn-no-warning"}},
		{"q38", "stack-in-ack", []string{"throw"}},
		{"q38", "no-ack-on-async", []string{"reject"}},
		{"q38", "crash-on-throw", []string{"throw"}},
		{"q38", "busy-flag-stuck", []string{"keeps-working"}},
		{"q38", "no-log-context", []string{"logged"}},
	}
	for _, c := range cases {
		t.Run(c.ex+"/"+c.variant, func(t *testing.T) {
			t.Parallel()
			ex, ok := reference.Lookup(c.ex)
			if !ok {
				t.Fatalf("no reference %s", c.ex)
			}
			r := gradeReference(t, ex, all[c.ex], c.variant)
			for _, res := range r.Checks {
				if res.Status == Fail && slices.Contains(c.checks, res.ID) {
					if !strings.Contains(res.Message(), "expected") {
						t.Errorf("%s fails without saying what was expected:\n%s", res.ID, res.Message())
					}
					return
				}
			}
			dump(t, r)
			t.Errorf("variant %s does not fail %v", c.variant, c.checks)
		})
	}
}
