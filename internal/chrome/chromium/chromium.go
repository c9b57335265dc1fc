// Package chromium finds the machine's Chromium and says how rtlab starts
// it, for the two places that do: the browser tests (rtlab/internal/chrome)
// and the page probes of the grader (rtlab/graders/probes). It is apart
// from package chrome, whose helpers take a *testing.T, so that the rtlab
// binary does not link the testing package.
package chromium

import (
	"os"
	"os/exec"

	"github.com/chromedp/chromedp"
)

// candidates are the program names tried, in order, when RTLAB_CHROMIUM is
// unset: Debian's package first, then the names other distributions and
// Google's builds use.
var candidates = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

// NotFound says that no browser was found, and how to install one.
const NotFound = "chromium not found: apt-get install chromium (or set RTLAB_CHROMIUM to a Chrome or Chromium binary)"

// Path returns the browser to run: the program named by RTLAB_CHROMIUM, or
// the first of chromium, chromium-browser, google-chrome and
// google-chrome-stable found on PATH. ok is false when there is none.
func Path() (path string, ok bool) {
	if p := os.Getenv("RTLAB_CHROMIUM"); p != "" {
		if lp, err := exec.LookPath(p); err == nil {
			return lp, true
		}
		return "", false
	}
	for _, name := range candidates {
		if lp, err := exec.LookPath(name); err == nil {
			return lp, true
		}
	}
	return "", false
}

// AllocatorOptions are the options of a headless browser at path with its
// profile in the directory profile, suited to a container: no sandbox, no
// GPU, no QUIC, no first-run or background network traffic, no shared
// memory in /dev/shm, and no throttling of background tabs.
func AllocatorOptions(path, profile string) []chromedp.ExecAllocatorOption {
	return []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.UserDataDir(profile),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		// The pages' timers and sockets are what is measured, in tabs
		// that are never in front: Chromium would otherwise slow them
		// down (clients.md, Time).
		chromedp.Flag("disable-background-timer-throttling", true),
		chromedp.Flag("disable-backgrounding-occluded-windows", true),
		chromedp.Flag("disable-renderer-backgrounding", true),
	}
}
