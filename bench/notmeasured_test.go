package bench

import (
	"strings"
	"testing"
)

// TestReportsSayWhatWasNotMeasured: the text and Markdown reports carry
// every NotMeasured line, so zeros are never read as measurements.
func TestReportsSayWhatWasNotMeasured(t *testing.T) {
	const line = "not measured on windows: wire bytes, segments and pure ACKs (TCP_INFO)"
	r := &Results{NotMeasured: []string{line}}
	var text, md strings.Builder
	if err := WriteText(&text, r); err != nil {
		t.Fatal(err)
	}
	if err := WriteMarkdown(&md, r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), line+"\n") {
		t.Errorf("text report lacks %q:\n%s", line, text.String())
	}
	if !strings.Contains(md.String(), "- "+line+"\n") {
		t.Errorf("Markdown report lacks %q:\n%s", line, md.String())
	}
}
