package chrome

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestPathHonoursEnv(t *testing.T) {
	t.Setenv("RTLAB_CHROMIUM", "/nonexistent/rtlab-no-such-browser")
	if p, ok := Path(); ok {
		t.Fatalf("Path() = %q, true; want false for a missing RTLAB_CHROMIUM", p)
	}
}

func TestTwoTabsRunScripts(t *testing.T) {
	Require(t)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><p id="out">waiting</p>
<script>document.getElementById("out").textContent = "hello " + location.search.slice(1);</script>`)
	}))
	defer hs.Close()

	ctx := Launch(t, &Options{Timeout: 30 * time.Second})
	tab := NewTab(t, ctx)
	if err := chromedp.Do(ctx, chromedp.Navigate(hs.URL+"/?a")); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(tab, chromedp.Navigate(hs.URL+"/?b")); err != nil {
		t.Fatal(err)
	}
	a, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#out")))
	if err != nil {
		t.Fatal(err)
	}
	b, err := chromedp.Run(tab, chromedp.Text(chromedp.CSS("#out")))
	if err != nil {
		t.Fatal(err)
	}
	if a != "hello a" || b != "hello b" {
		t.Fatalf("tabs show %q and %q, want \"hello a\" and \"hello b\"", a, b)
	}
	if _, ok := ctx.Deadline(); !ok {
		t.Error("the tab's context has no deadline")
	}
}
