package probes

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"rtlab/graders"
	"rtlab/graders/scenario"
	"rtlab/internal/exercise"
	"rtlab/internal/testpages"
	"rtlab/scenarios"
)

// brokenPage is a page of testdata/pages/<stem>/ with one mistake, kept
// as an edit file of the reference page (internal/pageedit): the checks
// whose catches: name it must fail, saying want; the others pass or are
// skipped.
type brokenPage struct {
	name string // the edit file, without .yaml, as catches: names it
	want string // a part of the failure message that names the mistake
}

// mayAlsoFail are the checks a broken page ("q9/cadence") may fail
// besides its own, on a busy machine: a page that polls in several loops
// at once also sends some reads with a since older than what another loop
// had received, and more requests than one loop would.
var mayAlsoFail = map[string][]string{
	"q9/cadence":      {"since"},
	"q10/one-waiting": {"since", "error-backoff"},
}

// pageCases are the broken pages of each exercise with a page scenario.
var pageCases = map[string][]brokenPage{
	"q9": {
		{"backlog", "not shown within 2.5 s"},
		{"new-items", `"New item 1", id 4 "New item 2", id 5 "New item 3" not shown`},
		{"since", `asked for since="0", older than what the page already had`},
		{"cadence", "more than one polling loop runs"},
		{"no-duplicates", "shown more than once"},
		{"survives-error", "the page made no GET after the 500"},
	},
	"q10": {
		{"backlog", "not shown within 2.5 s"},
		{"push", `300 ms after the first post the grader posted another: id 4 "Pushed two" not shown within 1.0 s`},
		{"since", `asked for since="0", older than what the page already had`},
		{"one-waiting", "two long polls were open at once"},
		{"handles-204", "answered 204 (nothing new)"},
		{"error-backoff", "the grader answered every request 503 for 3 s: the page sent"},
	},
	"q11": {
		{"eventsource", "without Accept: text/event-stream: not an EventSource"},
		{"two-eventsources", "the page opened 2 streams"},
		{"one-row", "rows"},
		{"latest-price", "not its last price"},
		{"no-json-parse", `.price is empty, not its last price`},
		{"reconnect", "the page did not reconnect within 3 s"},
		{"resume", `the page reconnected with Last-Event-ID ""`},
	},
	"q14": {
		{"eventsource", "without Accept: text/event-stream: not an EventSource"},
		{"values", `#memory shows "–"`},
		{"reconnect", "no new values showed within 4 s"},
		{"status", `#status did not say "reconnecting" within 1 s`},
	},
	"q17": {
		{"shows-count", `#user-count read "…"`},
		{"follows", `Bob joined (2 users), but #user-count read "1"`},
		{"one-socket", "sockets from the page over the whole session"},
	},
	"q19": {
		{"emits-typing", `typing with the wrong payload`},
		{"debounce", "Bob received stop-typing 1 time(s) meanwhile"},
		{"idle-stop", "Bob received stop-typing 2 times after the last key"},
		{"shows-others", `#typing read "Carol is typing…"`},
		{"no-duplicates", `#typing read "Bob, Bob, Bob are typing…"`},
	},
	"q21": {
		{"status", "#status did not show connected within 5 s of the load"},
		{"syntax-error", "the grader could not bundle the answer with esbuild"},
		{"strict-mode", "no cleanup returned from the effect"},
		{"cleanup", "listeners are left on its sockets"},
		{"remount", "mounted the component again with #toggle, but #status did not show connected"},
		{"server-restart", "a new io() on disconnect"},
		{"server-kick", "#status did not show disconnected within 2 s"},
	},
	"q22": {
		{"emit", "Bob received no reaction"},
		{"float", "stood still for 300 ms"},
		{"brief", "still visible"},
		{"burst", "new elements [data-reaction] were added"},
		{"burst-timer", "of them are still visible"},
		{"no-html", "the page ran its script"},
	},
}

// pageTestSessions is how many pages TestPages runs at once: enough to
// keep the wall time low (a session mostly waits on the page's timers),
// few enough that a loaded 2-core machine still runs each page's timers
// on time.
const pageTestSessions = 6

// TestPages grades every page scenario's reference page, which must pass
// every check, and each broken page, which must fail exactly the checks
// that name it in catches:, with a message naming the mistake. The pages
// run pageTestSessions at a time, each in a tab of one shared browser
// (t.Parallel would run only GOMAXPROCS of them at once).
func TestPages(t *testing.T) {
	requireChromium(t)
	pages, err := graders.LoadPages(scenarios.FS(), allProbes)
	if err != nil {
		t.Fatal(err)
	}
	b, err := StartBrowser()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()

	type graded struct {
		id   string
		page brokenPage // name "" for the reference page
		r    *graders.Report
		err  error
	}
	var runs []*graded
	for _, id := range sortedKeys(pageCases) {
		runs = append(runs, &graded{id: id})
		for _, bp := range pageCases[id] {
			runs = append(runs, &graded{id: id, page: bp})
		}
	}
	var wg sync.WaitGroup
	slots := make(chan struct{}, pageTestSessions)
	for _, g := range runs {
		sc := pages[g.id]
		if sc == nil {
			t.Fatalf("%s: no page scenario", g.id)
		}
		var file string
		if g.page.name != "" {
			file = testpages.Build(t, brokenPageFile(g.id, g.page.name))
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			slots <- struct{}{}
			defer func() { <-slots }()
			var h *PageHarness
			if g.page.name == "" {
				h, g.err = StartReferencePage(g.id, &PageOptions{Browser: b})
			} else {
				h, g.err = StartPageFile(g.id, file, &PageOptions{Browser: b})
			}
			if g.err != nil {
				return
			}
			defer h.Close()
			g.r = runPage(sc, h)
		}()
	}
	wg.Wait()

	for _, g := range runs {
		name := g.page.name
		if name == "" {
			name = "reference"
		}
		t.Run(g.id+"/"+name, func(t *testing.T) {
			if g.err != nil {
				t.Fatal(g.err)
			}
			r, sc := g.r, pages[g.id]
			if g.page.name == "" {
				for _, c := range r.Checks {
					if c.Status != graders.Pass {
						dump(t, r)
						t.Fatalf("reference page: %s is %s, want pass", c.ID, c.Status)
					}
				}
				return
			}
			catching := sc.Catching(g.page.name)
			if len(catching) == 0 {
				t.Fatalf("no check of %s names %s in catches:", sc.File, g.page.name)
			}
			for _, c := range r.Checks {
				switch {
				case slices.Contains(catching, c.ID):
					if c.Status != graders.Fail {
						dump(t, r)
						t.Fatalf("%s: %s, want fail", c.ID, c.Status)
					}
					if !strings.Contains(c.Message(), g.page.want) {
						dump(t, r)
						t.Fatalf("%s: the failure does not name the mistake (%q):\n%s", c.ID, g.page.want, c.Message())
					}
				case c.Status == graders.Fail && !slices.Contains(mayAlsoFail[g.id+"/"+g.page.name], c.ID):
					dump(t, r)
					t.Fatalf("%s failed too; only %v should", c.ID, catching)
				}
			}
		})
	}
}

// runPage grades the page h serves with its page scenario.
func runPage(sc *scenario.Scenario, h *PageHarness) *graders.Report {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	return graders.Run(ctx, sc, &graders.Options{URL: h.URL, Probes: allProbes, Harness: h})
}

// TestPageCatchesNameBrokenPages: every catches: of a page scenario names
// an edit file of testdata/pages/<stem>/, every such file is named, and
// pageCases has a case for each file and a file for each case.
func TestPageCatchesNameBrokenPages(t *testing.T) {
	pages, err := graders.LoadPages(scenarios.FS(), allProbes)
	if err != nil {
		t.Fatal(err)
	}
	for id, sc := range pages {
		dir := brokenPageDir(id)
		named := map[string]bool{}
		for _, c := range sc.Checks {
			if len(c.Catches) == 0 {
				t.Errorf("%s: check %s names no broken page in catches:", sc.File, c.ID)
			}
			for _, v := range c.Catches {
				named[v] = true
				if _, err := os.Stat(brokenPageFile(id, v)); err != nil {
					t.Errorf("%s: check %s catches %s, but %s has no %s.yaml", sc.File, c.ID, v, dir, v)
				}
			}
		}
		cases := map[string]bool{}
		for _, bp := range pageCases[id] {
			cases[bp.name] = true
			if _, err := os.Stat(brokenPageFile(id, bp.name)); err != nil {
				t.Errorf("pageCases[%q] has %s, but %s has no %s.yaml", id, bp.name, dir, bp.name)
			}
		}
		files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
		for _, f := range files {
			n := strings.TrimSuffix(filepath.Base(f), ".yaml")
			if !named[n] {
				t.Errorf("%s: no check names %s in catches:", sc.File, f)
			}
			if !cases[n] {
				t.Errorf("%s: pageCases[%q] has no case for it", f, id)
			}
		}
	}
}

// brokenPageDir holds the edit files of exercise id's broken pages.
func brokenPageDir(id string) string {
	return filepath.Join("..", "..", "testdata", "pages", exercise.Stem(id))
}

// brokenPageFile is the edit file of exercise id's broken page name.
func brokenPageFile(id, name string) string {
	return filepath.Join(brokenPageDir(id), name+".yaml")
}

func sortedKeys[V any](m map[string]V) []string {
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	exercise.Sort(ids)
	return ids
}

func TestParseNumber(t *testing.T) {
	for _, c := range []struct {
		in   string
		v    float64
		dec  int
		okay bool
	}{
		{"37.5 %", 37.5, 1, true},
		{"CPU: 12%", 12, 0, true},
		{"$ 1,234.50", 1234.5, 2, true},
		{"-3.25", -3.25, 2, true},
		{"–", 0, 0, false},
		{"undefined", 0, 0, false},
		{"NaN", 0, 0, false},
	} {
		v, dec, ok := ParseNumber(c.in)
		if ok != c.okay || (ok && (v != c.v || dec != c.dec)) {
			t.Errorf("ParseNumber(%q) = %v, %d, %v; want %v, %d, %v", c.in, v, dec, ok, c.v, c.dec, c.okay)
		}
	}
	if got := NormalizeText("  Bob   is\n typing...  "); got != "Bob is typing…" {
		t.Errorf("NormalizeText = %q", got)
	}
}

// mustLoadPage returns exercise id's page scenario.
func mustLoadPage(t *testing.T, id string) *scenario.Scenario {
	t.Helper()
	pages, err := graders.LoadPages(scenarios.FS(), allProbes)
	if err != nil {
		t.Fatal(err)
	}
	sc, ok := pages[id]
	if !ok {
		t.Fatalf("no page scenario %s", id)
	}
	return sc
}

// runPageScenario grades url with sc, h as the harness (nil: none).
func runPageScenario(sc *scenario.Scenario, url string, h *PageHarness) *graders.Report {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	o := &graders.Options{URL: url, Probes: allProbes}
	if h != nil {
		o.Harness = h
	}
	return graders.Run(ctx, sc, o)
}
