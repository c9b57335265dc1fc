package probes

import (
	"fmt"
	"time"

	"rtlab/graders"

	"rtlab/graders/scenario"
)

// probeTimeout is the deadline of one exchange: --timeout, or params
// "timeout" when it parses.
func probeTimeout(env *graders.ProbeEnv, params map[string]any) time.Duration {
	if s, ok := params["timeout"].(string); ok {
		if d, err := time.ParseDuration(s); err == nil && d > 0 {
			return d
		}
	}
	if env.Timeout > 0 {
		return env.Timeout
	}
	return 2 * time.Second
}

func paramDuration(params map[string]any, key string, def time.Duration) (time.Duration, error) {
	switch v := params[key].(type) {
	case nil:
		return def, nil
	case string:
		d, err := time.ParseDuration(v)
		if err != nil {
			return 0, &graders.ScenarioError{Msg: fmt.Sprintf("param %s: %v", key, err)}
		}
		return d, nil
	}
	return 0, &graders.ScenarioError{Msg: fmt.Sprintf("param %s: a duration such as 3s", key)}
}

func paramInt(params map[string]any, key string, def int) int {
	if v, ok := scenario.ToFloat(params[key]); ok {
		return int(v)
	}
	return def
}

func paramString(params map[string]any, key, def string) string {
	if s, ok := params[key].(string); ok && s != "" {
		return s
	}
	return def
}
