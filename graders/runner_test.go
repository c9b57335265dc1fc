package graders

import (
	"testing"

	"rtlab/scenarios"
)

func loadScenario(t *testing.T, id string) *Scenario {
	t.Helper()
	all, err := Load(scenarios.FS())
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
