package probes

import (
	"os"
	osexec "os/exec"
)

// BrowserNotFoundError says no Chromium could be found to run a page in.
type BrowserNotFoundError struct{}

func (BrowserNotFoundError) Error() string {
	return "chromium not found: apt-get install chromium (or set RTLAB_CHROMIUM to a Chrome or Chromium binary)"
}

// FindChromium returns the path of a Chromium or Chrome binary: the one
// RTLAB_CHROMIUM names, else the first of chromium, chromium-browser,
// google-chrome and google-chrome-stable on PATH.
func FindChromium() (string, error) {
	if p := os.Getenv("RTLAB_CHROMIUM"); p != "" {
		if path, err := osexec.LookPath(p); err == nil {
			return path, nil
		}
		return "", BrowserNotFoundError{}
	}
	for _, n := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := osexec.LookPath(n); err == nil {
			return p, nil
		}
	}
	return "", BrowserNotFoundError{}
}
