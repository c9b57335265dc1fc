package probes

import (
	"context"
	"fmt"
	"os"
	"sync"

	"github.com/chromedp/chromedp"

	"rtlab/internal/chrome/chromium"
)

// Browser is a headless Chromium that page sessions open their tabs in.
// A grade of one page starts one and stops it after; tests that grade
// many pages share one (PageOptions.Browser), a tab each, which costs far
// less than a browser each. Safe for concurrent use.
type Browser struct {
	ctx     context.Context // the browser's first tab; new tabs derive from it
	stop    func()
	profile string
	once    sync.Once
}

// StartBrowser starts a headless Chromium with a fresh profile. It returns
// a BrowserNotFoundError when the machine has none.
func StartBrowser() (*Browser, error) {
	path, err := FindChromium()
	if err != nil {
		return nil, err
	}
	profile, err := os.MkdirTemp("", "rtlab-chromium-")
	if err != nil {
		return nil, err
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), chromium.AllocatorOptions(path, profile)...)
	ctx, cancelTab := chromedp.NewContext(alloc)
	b := &Browser{ctx: ctx, profile: profile, stop: func() {
		cancelTab()
		cancelAlloc() // waits for the browser to exit
		os.RemoveAll(profile)
	}}
	if err := chromedp.Do(ctx); err != nil {
		b.Close()
		return nil, fmt.Errorf("chromium %s did not start: %w", path, err)
	}
	return b, nil
}

// Close stops the browser and removes its profile. It may be called more
// than once.
func (b *Browser) Close() {
	b.once.Do(b.stop)
}

// newTab opens a tab, whose context ends with ctx or with closeTab.
func (b *Browser) newTab(ctx context.Context) (tab context.Context, closeTab func()) {
	tab, cancel := chromedp.NewContext(b.ctx)
	stop := context.AfterFunc(ctx, cancel)
	return tab, func() {
		stop()
		cancel()
	}
}
