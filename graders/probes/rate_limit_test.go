package probes

import (
	"context"
	"errors"
	"testing"

	"rtlab/graders"
)

func TestSectionEProbesNeedTheirParams(t *testing.T) {
	ctx := context.Background()
	var se *graders.ScenarioError
	if err := rateLimitSliding(ctx, &graders.ProbeEnv{}, map[string]any{}); !errors.As(err, &se) {
		t.Errorf("rate-limit-sliding without window: %v, want a ScenarioError", err)
	}
	if err := logDuration(ctx, &graders.ProbeEnv{}, map[string]any{}); !errors.As(err, &se) {
		t.Errorf("log-duration without a server: %v, want a ScenarioError", err)
	}
}
