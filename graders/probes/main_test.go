package probes

import (
	"strings"
	"testing"

	"go.uber.org/goleak"

	"rtlab/graders"
	"rtlab/graders/scenario"
	"rtlab/reference"
	"rtlab/scenarios"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// allProbes is every probe of the package, as rtlab registers them.
var allProbes = func() *graders.Probes {
	set := graders.NewProbes()
	Register(set)
	return set
}()

// mustLoad returns exercise id's scenario, its probe names checked
// against the package's.
func mustLoad(t *testing.T, id string) *scenario.Scenario {
	t.Helper()
	all, err := graders.Load(scenarios.FS(), allProbes)
	if err != nil {
		t.Fatal(err)
	}
	sc, ok := all[id]
	if !ok {
		t.Fatalf("no scenario %s", id)
	}
	return sc
}

func checkByID(r *graders.Report, id string) graders.CheckResult {
	for _, c := range r.Checks {
		if c.ID == id {
			return c
		}
	}
	return graders.CheckResult{}
}

// startReference runs exercise id's reference server until the test ends.
func startReference(t testing.TB, id string, opts *reference.Options) *reference.Running {
	t.Helper()
	r, err := reference.Start(id, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// dump logs r as rtlab grade prints it.
func dump(t *testing.T, r *graders.Report) {
	t.Helper()
	var b strings.Builder
	graders.WriteText(&b, []*graders.Report{r}, nil)
	t.Log("\n" + b.String())
}

func mustParse(t *testing.T, src string) *scenario.Scenario {
	t.Helper()
	sc, err := scenario.Parse(t.Name()+".yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if err := sc.CheckProbes(allProbes.Names()); err != nil {
		t.Fatal(err)
	}
	return sc
}

func statuses(r *graders.Report) map[string]graders.Status {
	out := map[string]graders.Status{}
	for _, c := range r.Checks {
		out[c.ID] = c.Status
	}
	return out
}

// nginxOf is what rtlab grade tells the probes of the nginx a reference
// server runs (Q8's), nil for another exercise's.
func nginxOf(s reference.Server) *graders.Nginx {
	if conf, why, ok := reference.NginxOf(s); ok {
		return &graders.Nginx{Conf: conf, Missing: why}
	}
	return nil
}
