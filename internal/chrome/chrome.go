// Package chrome runs pages in a real headless Chromium for tests, through
// the DevTools protocol (github.com/chromedp/chromedp).
//
// The browser is the one the machine has (Debian's chromium package, or
// whatever RTLAB_CHROMIUM names): a test that needs it calls Require, which
// skips with the install command where it is absent, then New for a tab
// whose context carries a deadline. Each New starts its own browser with a
// fresh profile, so tests share nothing and a hung page ends at the
// deadline instead of hanging the test binary.
package chrome

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"rtlab/internal/chrome/chromium"
)

// SkipReason is the message of a test skipped because no browser was found.
const SkipReason = chromium.NotFound

// Path returns the browser to run: the program named by RTLAB_CHROMIUM, or
// the first of chromium, chromium-browser, google-chrome and
// google-chrome-stable found on PATH. ok is false when there is none.
func Path() (path string, ok bool) {
	return chromium.Path()
}

// Require skips t, saying how to install it, when no browser is found, and
// returns the browser's path otherwise.
func Require(t testing.TB) string {
	t.Helper()
	p, ok := Path()
	if !ok {
		t.Skip(SkipReason)
	}
	return p
}

// Options configure a browser started by Launch. A nil *Options means the
// defaults.
type Options struct {
	// Timeout bounds everything done with the returned context: when it
	// passes, every pending action fails and the browser is stopped.
	// Default 60s.
	Timeout time.Duration
	// Flags are extra command-line switches, name without the leading
	// dashes to value (true for a bare switch). They are added to the
	// defaults, which suit a container: headless, no sandbox, no GPU, no
	// QUIC, no first-run or background network traffic, no throttling of
	// background tabs' timers. Default none.
	Flags map[string]any
	// Quiet stops the console lines and uncaught exceptions of the pages
	// from being logged when the test fails. Default false: they are.
	Quiet bool
}

func (o *Options) withDefaults() Options {
	var out Options
	if o != nil {
		out = *o
	}
	if out.Timeout <= 0 {
		out.Timeout = 60 * time.Second
	}
	return out
}

// New starts a browser with the default options and returns the context
// of its first tab; see Launch.
func New(t testing.TB) context.Context {
	t.Helper()
	return Launch(t, nil)
}

// Launch starts a headless browser with a fresh profile in a temporary
// directory and returns the context of its first tab, for chromedp.Run.
// The context has the deadline opts.Timeout; the browser is stopped, and
// waited for, when the test ends. It skips t when there is no browser
// (Require).
func Launch(t testing.TB, opts *Options) context.Context {
	t.Helper()
	path := Require(t)
	o := opts.withDefaults()

	flags := chromium.AllocatorOptions(path, t.TempDir())
	for name, v := range o.Flags {
		flags = append(flags, chromedp.Flag(name, v))
	}

	deadline, cancelDeadline := context.WithTimeout(context.Background(), o.Timeout)
	alloc, cancelAlloc := chromedp.NewExecAllocator(deadline, flags...)
	ctx, cancelTab := chromedp.NewContext(alloc, chromedp.WithErrorf(t.Logf))
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc() // waits for the browser process to exit
		cancelDeadline()
	})
	// Start the browser now, so that a browser that cannot start fails
	// here with its error rather than in the test's first action.
	if err := start(t, ctx, "tab 1", o.Quiet); err != nil {
		t.Fatalf("chrome: start %s: %v", path, err)
	}
	return ctx
}

// NewTab opens another tab in the browser of ctx (a context from New,
// Launch or NewTab) and returns its context, which shares ctx's deadline.
// The tab is closed when the test ends. Tabs share the browser's cookies
// and storage; each has its own pages, scripts and connections.
func NewTab(t testing.TB, ctx context.Context) context.Context {
	t.Helper()
	tab, cancel := chromedp.NewContext(ctx)
	t.Cleanup(cancel)
	if err := start(t, tab, "new tab", false); err != nil {
		t.Fatalf("chrome: open a tab: %v", err)
	}
	return tab
}
