package probes

import "rtlab/internal/chrome/chromium"

// BrowserNotFoundError says no Chromium could be found to run a page in.
type BrowserNotFoundError struct{}

func (BrowserNotFoundError) Error() string {
	return chromium.NotFound
}

// FindChromium returns the path of a Chromium or Chrome binary: the one
// RTLAB_CHROMIUM names, else the first of chromium, chromium-browser,
// google-chrome and google-chrome-stable on PATH (chromium.Path).
func FindChromium() (string, error) {
	if p, ok := chromium.Path(); ok {
		return p, nil
	}
	return "", BrowserNotFoundError{}
}
