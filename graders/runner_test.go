package graders

import (
	"context"
	"strings"
	"testing"
	"time"

	"rtlab/graders/scenario"
	"rtlab/scenarios"
)

func loadScenario(t *testing.T, id string) *scenario.Scenario {
	t.Helper()
	all, err := scenario.Load(scenarios.FS())
	if err != nil {
		t.Fatal(err)
	}
	sc, ok := all[id]
	if !ok {
		t.Fatalf("no scenario %s", id)
	}
	return sc
}

func TestMiniServerPassesQ17Q18Q20(t *testing.T) {
	t.Parallel()
	for _, id := range []string{"q17", "q18", "q20"} {
		t.Run(id, func(t *testing.T) {
			m := &miniServer{}
			url := m.url(t)
			r := runQuick(t, loadScenario(t, id), url)
			if !r.Passed() {
				dump(t, r)
				t.Fatal("a correct server failed")
			}
		})
	}
}

func TestBrokenServersFailTheRightChecks(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		m        miniServer
		exercise string
		fails    []string
	}{
		{"no initial count", miniServer{noInitialCount: true}, "q17", []string{"one-client"}},
		{"drops not counted", miniServer{ignoreDrops: true}, "q17", []string{"abrupt-disconnect"}},
		{"broadcast reaches sender", miniServer{broadcastAsIO: true}, "q20", []string{"mode-broadcast"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			url := c.m.url(t)
			r := runQuick(t, loadScenario(t, c.exercise), url)
			st := statuses(r)
			for _, id := range c.fails {
				if st[id] != Fail {
					dump(t, r)
					t.Errorf("check %s: %s, want fail", id, st[id])
				}
			}
			if r.Passed() {
				t.Error("report passed")
			}
		})
	}
}

// testProbes are the probes the engine's own tests call: one that panics,
// one that skips, one that hangs until its deadline.
var testProbes = func() *Probes {
	set := NewProbes()
	set.Add("test-panic", func(context.Context, *ProbeEnv, map[string]any) error { panic("boom") })
	set.Add("test-skip", func(context.Context, *ProbeEnv, map[string]any) error {
		return Skipf("needs --cmd: cannot signal an in-process server")
	})
	set.Add("test-hang", func(ctx context.Context, _ *ProbeEnv, _ map[string]any) error {
		<-ctx.Done()
		return ctx.Err()
	})
	return set
}()

func TestPanicsAndDeadlines(t *testing.T) {
	t.Parallel()
	url := (&miniServer{}).url(t)
	sc := mustParse(t, `
exercise: q99
title: Deadlines
checks:
  - id: panics
    name: a probe that panics
    steps:
      - probe: test-panic
  - id: check-deadline
    name: a check that outlives its deadline
    timeout: 300ms
    steps:
      - connect: a
      - probe: test-hang
  - id: global
    name: a check cut by the overall deadline
    timeout: 1m
    steps:
      - probe: test-hang
  - id: after
    name: a check that never starts
    steps:
      - wait: 1ms
`)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	start := time.Now()
	r := Run(ctx, sc, &Options{URL: url, Probes: testProbes})
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("run took %s past a 2s deadline", d)
	}
	c := r.Checks
	if c[0].Status != Fail || !c[0].Harness || !strings.Contains(c[0].Reason, "panic: boom") {
		t.Errorf("panics: %+v", c[0])
	}
	if c[1].Status != Fail || !strings.Contains(c[1].Reason, "did not finish within its 300ms deadline") {
		t.Errorf("check-deadline: %+v", c[1])
	}
	if c[2].Status != Fail || !c[2].Harness || !strings.Contains(c[2].Reason, "overall deadline") {
		t.Errorf("global: %+v", c[2])
	}
	if c[3].Status != Fail || !strings.Contains(c[3].Reason, "not run") {
		t.Errorf("after: %+v", c[3])
	}
	r = runQuick(t, mustParse(t, "exercise: q99\ntitle: S\nchecks:\n  - id: s\n    name: S\n    steps:\n      - probe: test-skip\n"), url)
	if c := r.Checks[0]; c.Status != Skip || c.Reason != "needs --cmd: cannot signal an in-process server" || !r.Passed() {
		t.Errorf("skip: %+v", c)
	}
}

func TestPanicInParallelBranch(t *testing.T) {
	t.Parallel()
	url := (&miniServer{}).url(t)
	sc := mustParse(t, `
exercise: q99
title: Panic
checks:
  - id: p
    name: a panicking branch
    steps:
      - parallel: {times: 3, steps: [probe: test-panic]}
`)
	r := runQuick(t, sc, url)
	if c := r.Checks[0]; c.Status != Fail || !c.Harness || !strings.Contains(c.Reason, "panic: boom") {
		t.Errorf("%+v", c)
	}
}
