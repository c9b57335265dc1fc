package probes

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"rtlab/graders"

	"rtlab/graders/scenario"
	"rtlab/internal/exercise"
	"rtlab/reference"
	"rtlab/scenarios"
)

// TestReferencesPassAndVariantsFail grades every reference server that has
// a scenario: the correct one must pass every check, and each broken
// variant must fail at least one, or that check cannot fail.
func TestReferencesPassAndVariantsFail(t *testing.T) {
	t.Parallel()
	all, err := scenario.Load(scenarios.FS())
	if err != nil {
		t.Fatal(err)
	}
	for _, ex := range reference.All() {
		sc, ok := all[exercise.Normalize(ex.ID)]
		if !ok {
			continue
		}
		for _, v := range append([]string{""}, ex.Variants...) {
			name := sc.Exercise
			if v != "" {
				name += "/" + v
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				if why, ok := uncatchable[name]; ok {
					t.Skip(why)
				}
				r := gradeReference(t, ex, sc, v)
				switch {
				case v == "" && !r.Passed():
					dump(t, r)
					t.Error("the reference server fails its own checks")
				case v != "" && r.Passed() && skippedHere(r):
					// In-process references cannot be signalled or
					// restarted, and a machine without chromium or nginx
					// cannot run their checks: the variant is caught
					// where they can run (managed mode, CI).
					t.Skipf("variant %s is caught only by checks that cannot run here", v)
				case v != "" && r.Passed():
					dump(t, r)
					t.Errorf("variant %s passes every check: no check catches it", v)
				case v != "":
					if named := sc.Catching(v); len(named) > 0 {
						requireNamedFailure(t, r, v, named)
					}
				}
			})
		}
	}
}

// uncatchable lists broken variants that the contract's words do not
// forbid, so no check may fail them; each is reported to the contract's
// owners rather than graded with a rule the students were not given.
var uncatchable = map[string]string{
	"q11/ignore-last-event-id": "the contract asks only that a Last-Event-ID reconnection be accepted, not that missed events be replayed",
}

func gradeReference(t *testing.T, ex *reference.Exercise, sc *scenario.Scenario, variant string) (rep *graders.Report) {
	t.Helper()
	logs := graders.NewLogSink()
	var ts *reference.Running
	func() {
		defer func() {
			if p := recover(); p != nil {
				t.Skipf("reference %s panicked in New (not the grader's code): %v", ex.ID, p)
			}
		}()
		var err error
		ts, err = reference.Start(ex.ID, &reference.Options{Log: logs, Variant: variant, RateLimitWindow: 3 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
	}()
	defer ts.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	return graders.Run(ctx, sc, &graders.Options{Probes: allProbes, URL: ts.URL, Server: logs, Nginx: nginxOf(ts.Server)})
}

// skippedHere reports whether a check was skipped because it needs --cmd
// or a program this machine lacks.
func skippedHere(r *graders.Report) bool {
	for _, c := range r.Checks {
		if c.Status == graders.Skip && (strings.HasPrefix(c.Reason, "needs --cmd") || strings.Contains(c.Reason, "not found: apt-get install")) {
			return true
		}
	}
	return false
}

// requireNamedFailure checks that variant v fails one of the checks that
// name its bug, with a message that says what was expected.
func requireNamedFailure(t *testing.T, r *graders.Report, v string, named []string) {
	t.Helper()
	for _, res := range r.Checks {
		if res.Status == graders.Fail && slices.Contains(named, res.ID) {
			if !strings.Contains(res.Message(), "expected") {
				t.Errorf("%s fails without saying what was expected:\n%s", res.ID, res.Message())
			}
			return
		}
	}
	dump(t, r)
	t.Errorf("variant %s does not fail the check that names its bug (%s)", v, strings.Join(named, " or "))
}

// TestCatchesNameRealVariants: every catches: of a scenario names a broken
// variant its exercise's reference server has, so that a typo or a removed
// variant does not silently leave a check unproved.
func TestCatchesNameRealVariants(t *testing.T) {
	all, err := scenario.Load(scenarios.FS())
	if err != nil {
		t.Fatal(err)
	}
	for id, sc := range all {
		for _, c := range sc.Checks {
			if len(c.Catches) == 0 {
				continue
			}
			ex, ok := reference.Lookup(id)
			if !ok {
				t.Errorf("%s: check %s catches %v, but %s has no reference server", sc.File, c.ID, c.Catches, id)
				continue
			}
			for _, v := range c.Catches {
				if !slices.Contains(ex.Variants, v) {
					t.Errorf("%s: check %s catches %q, which is not a variant of %s (%s)", sc.File, c.ID, v, id, strings.Join(ex.Variants, ", "))
				}
			}
		}
	}
}
