package main

import (
	"strings"
	"testing"
)

// TestGradePageUsage: --page names one exercise that has a page, and a
// file that exists; each mistake is a usage error that says which.
func TestGradePageUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		says string
	}{
		{[]string{"grade", "--exercise", "q9,q10", "--page", "x.html"}, "--page grades one page: give one exercise"},
		{[]string{"grade", "--exercise", "q2", "--page", "x.html"}, "--page: exercise q2 has no page to grade (pages: q6, q9, q10"},
		{[]string{"grade", "--exercise", "q9", "--page", "no/such/page.html"}, "--page: stat no/such/page.html"},
		{[]string{"grade", "--exercise", "q9", "--page", "."}, "--page . is a folder: give the HTML file"},
		{[]string{"grade", "--exercise", "q9", "--page", "x.html", "--url", "http://127.0.0.1:1"}, "it does not go with --url or --cmd"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, _, stderr := runCLI(t, tc.args...)
			if code != 2 || !strings.Contains(stderr, tc.says) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, stderr, tc.says)
			}
		})
	}
}

// TestExplainShowsThePage: rtlab explain prints an exercise's page part
// after its server's, and rtlab list shows that it has one.
func TestExplainShowsThePage(t *testing.T) {
	code, stdout, stderr := runCLI(t, "explain", "q11")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"The page (client/q11.html), graded in headless Chromium:", "[latest-price] skipped unless one-row passed",
		"Grade it: rtlab grade --exercise q11 --page client/q11.html"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("explain q11 does not say %q:\n%s", want, stdout)
		}
	}
	code, stdout, stderr = runCLI(t, "list")
	if code != 0 || !strings.Contains(stdout, "server+page") {
		t.Errorf("list: exit %d, q11 not listed as server+page:\n%s%s", code, stdout, stderr)
	}
}
