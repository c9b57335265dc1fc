package main

import (
	"context"
	"strings"
	"testing"
)

// A newcomer finds an exercise's probe from rtlab list --files: the
// scenario, the reference, the probe the checks call and the answer.
func TestListFiles(t *testing.T) {
	var out, errOut strings.Builder
	if err := runList(context.Background(), &env{stdout: &out, stderr: &errOut}, []string{"--files", "Q34"}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"q34", "Event rate limit per user",
		"scenario   scenarios/q34_rate_limit.yaml",
		"reference  reference/q34_rate_limit.go",
		"(rate-limit-sliding)",
		"answer     reference/answers/q34_rate_limit.md",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("rtlab list --files q34 does not say %q:\n%s", want, out.String())
		}
	}
	if err := runList(context.Background(), &env{stdout: &out, stderr: &errOut}, []string{"--files", "q39"}); err == nil {
		t.Error("rtlab list --files q39 succeeded; there is no q39")
	}
}
