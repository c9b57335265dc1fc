package chrome_test

import (
	"testing"

	"github.com/chromedp/chromedp"

	"rtlab/internal/chrome"
)

// A browser test: skipped where Chromium is absent, bounded by the
// context's deadline, the browser stopped when the test ends.
func ExampleNew() {
	var t *testing.T // the test's own t
	if t == nil {
		return
	}
	ctx := chrome.New(t)
	if err := chromedp.Do(ctx, chromedp.Navigate("http://127.0.0.1:3000/")); err != nil {
		t.Fatal(err)
	}
	status, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#status")))
	if err != nil {
		t.Fatal(err)
	}
	t.Log("status:", status)
}
