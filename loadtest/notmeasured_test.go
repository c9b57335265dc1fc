package loadtest

import (
	"strings"
	"testing"
)

// TestWriteTextSaysWhatWasNotMeasured: on a platform without /proc the
// summary says so instead of printing zeros as if they were measured.
func TestWriteTextSaysWhatWasNotMeasured(t *testing.T) {
	r := &Result{Mode: ModeIdle, NotMeasured: []string{"not measured on windows: RSS (/proc/PID/status)"}}
	var b strings.Builder
	WriteText(&b, r)
	if !strings.Contains(b.String(), "  not measured on windows: RSS (/proc/PID/status)\n") {
		t.Errorf("summary does not say what was not measured:\n%s", b.String())
	}
}
