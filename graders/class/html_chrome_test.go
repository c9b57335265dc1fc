package class

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"rtlab/graders"
	"rtlab/internal/chrome"
)

// pageWatch collects, for the pages a tab loads, the console errors, the
// uncaught exceptions and every request that left the report's folder (a
// CDN, a font): a self-contained report has none of either.
type pageWatch struct {
	mu       sync.Mutex
	problems []string
}

func watchPages(t *testing.T, ctx context.Context, dir string) *pageWatch {
	w := &pageWatch{}
	err := chromedp.Listen(ctx, func(ev any) {
		var p string
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeWarning {
				p = fmt.Sprintf("console.%s", ev.Type)
			}
		case *cdplog.EventEntryAdded:
			if ev.Entry.Level == cdplog.EntryLevelError || ev.Entry.Level == cdplog.EntryLevelWarning {
				p = fmt.Sprintf("console %s: %s", ev.Entry.Level, ev.Entry.Text)
			}
		case *runtime.EventExceptionThrown:
			p = "uncaught exception: " + ev.ExceptionDetails.Text
		case *network.EventRequestWillBeSent:
			if u := ev.Request.URL; !strings.HasPrefix(u, "file://"+dir) && !strings.HasPrefix(u, "data:") {
				p = "request outside the report: " + u
			}
		}
		if p != "" {
			w.mu.Lock()
			w.problems = append(w.problems, p)
			w.mu.Unlock()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *pageWatch) take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	p := w.problems
	w.problems = nil
	return p
}

// pageNumbers reads what the reports show: index.html's points and max
// per student, and each student page's score and count of failed checks.
type pageNumbers struct {
	Index map[string][2]int // stem → points, max
	Pages map[string][3]int // stem → points, max, failed checks shown
}

func readPages(t *testing.T, ctx context.Context, dir string, stems []string) pageNumbers {
	t.Helper()
	n := pageNumbers{Index: map[string][2]int{}, Pages: map[string][3]int{}}
	if err := chromedp.Do(ctx, chromedp.Navigate("file://"+filepath.Join(dir, "index.html"))); err != nil {
		t.Fatal(err)
	}
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[[][]string](`[...document.querySelectorAll("#gradebook tr[data-student]")].map(r =>
			[r.dataset.student, r.querySelector(".points").textContent, r.querySelector(".max").textContent])`))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		n.Index[r[0]] = [2]int{atoi(t, r[1]), atoi(t, r[2])}
	}
	for _, stem := range stems {
		if err := chromedp.Do(ctx, chromedp.Navigate("file://"+filepath.Join(dir, stem+".html"))); err != nil {
			t.Fatal(err)
		}
		v, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[document.getElementById("points").textContent, document.getElementById("max").textContent,
				String(document.querySelectorAll(".check[data-status=fail]").length)]`))
		if err != nil {
			t.Fatal(err)
		}
		n.Pages[stem] = [3]int{atoi(t, v[0]), atoi(t, v[1]), atoi(t, v[2])}
	}
	return n
}

func atoi(t *testing.T, s string) int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		t.Fatalf("a number on the page reads %q", s)
	}
	return n
}

// mismatches compares what the pages show with the Records in
// results/: one line per difference.
func mismatches(t *testing.T, dir string, shown pageNumbers) []string {
	paths, _ := filepath.Glob(filepath.Join(dir, "results", "*.json"))
	var out []string
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var r Record
		if err := json.Unmarshal(data, &r); err != nil {
			t.Fatal(err)
		}
		stem := FileStem(r.Student, r.Folder)
		if got, ok := shown.Index[stem]; !ok || got != [2]int{r.Points, r.Max} {
			out = append(out, fmt.Sprintf("index.html shows %s at %v (present: %v); the JSON says %d/%d", stem, got, ok, r.Points, r.Max))
		}
		page, ok := shown.Pages[stem]
		if !ok {
			continue
		}
		failed := 0
		for _, e := range r.Exercises {
			for _, pt := range e.Parts {
				for _, c := range pt.Checks {
					if c.Status == graders.Fail {
						failed++
					}
				}
			}
		}
		if page != [3]int{r.Points, r.Max, failed} {
			out = append(out, fmt.Sprintf("%s.html shows %d/%d points and %d failed checks; the JSON says %d/%d and %d", stem, page[0], page[1], page[2], r.Points, r.Max, failed))
		}
	}
	if len(shown.Index) != len(paths) {
		out = append(out, fmt.Sprintf("index.html lists %d students; results/ has %d", len(shown.Index), len(paths)))
	}
	return out
}

// The reports in headless Chromium: they load with no console error and
// fetch nothing, and the numbers on them are the JSON's. The test also
// shows that it would see a page whose numbers are wrong and one that
// throws.
func TestReportsInChromium(t *testing.T) {
	chrome.Require(t)
	dir := makeClass(t, sampleClass)
	out := filepath.Join(t.TempDir(), "out")
	if _, err := Grade(context.Background(), dir, &Options{Jobs: 2, Out: out, Grade: fakeGrade, Log: io.Discard}); err != nil {
		t.Fatal(err)
	}
	ctx := chrome.New(t)
	watch := watchPages(t, ctx, out)
	stems := []string{"alice", "bob", "erin", FileStem("Carol <script>alert(1)</script>", "carol"), FileStem("../../etc/passwd", "mallory")}

	shown := readPages(t, ctx, out, stems)
	for _, m := range mismatches(t, out, shown) {
		t.Error(m)
	}
	for _, p := range watch.take() {
		t.Errorf("the reports: %s", p)
	}

	// The same comparison on a page whose score was changed, and a page
	// that throws and fetches from a CDN.
	html := readFile(t, filepath.Join(out, "bob.html"))
	os.WriteFile(filepath.Join(out, "bob.html"), []byte(strings.Replace(html, `<span id="points">1</span>`, `<span id="points">2</span>`, 1)), 0o644)
	os.WriteFile(filepath.Join(out, "broken.html"), []byte(`<!doctype html><script src="https://cdn.example.com/x.js"></script><script>null.x</script>`), 0o644)
	if ms := mismatches(t, out, readPages(t, ctx, out, []string{"bob"})); len(ms) != 1 || !strings.Contains(ms[0], "bob.html shows 2/5") {
		t.Errorf("a page showing 2/5 where the JSON says 1/5 went unnoticed: %v", ms)
	}
	watch.take()
	chromedp.Do(ctx, chromedp.Navigate("file://"+filepath.Join(out, "broken.html")))
	got := strings.Join(watch.take(), "\n")
	if !strings.Contains(got, "uncaught exception") || !strings.Contains(got, "request outside the report: https://cdn.example.com/x.js") {
		t.Errorf("a page that throws and fetches from a CDN went unnoticed: %q", got)
	}
}
