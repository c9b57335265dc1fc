package graders

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"rtlab/graders/scenario"
	"rtlab/reference/nginx"
)

func init() {
	RegisterProbe("nginx-read-timeout", nginxReadTimeout)
	RegisterProbe("nginx-front", nginxFront)
}

// noNginx starts the marker's answer of a Q8 reference that runs without
// nginx (reference.NoNginxPrefix, repeated here: graders does not import
// reference).
const noNginx = "rtlab:no-nginx: "

// nginxFront skips the check, with the reason, when the Q8 reference runs
// without nginx (not installed); in front of anything else it passes.
func nginxFront(ctx context.Context, env *ProbeEnv, params map[string]any) error {
	u, _ := env.URL.Parse(nginx.MarkerPath)
	rctx, cancel := context.WithTimeout(ctx, probeTimeout(env, params))
	defer cancel()
	req, _ := http.NewRequestWithContext(rctx, "GET", u.String(), nil)
	resp, err := env.HTTP.Do(req)
	if err != nil {
		return nil // the check's own steps will say what is wrong
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 500))
	resp.Body.Close()
	if why, ok := strings.CutPrefix(string(body), noNginx); ok {
		return Skipf("%s", why)
	}
	return nil
}

// nginxReadTimeout checks Q8's one rule that cannot be waited for in a
// test: a WebSocket idle for more than a minute must not be cut, so every
// proxy_read_timeout of the configuration must be above nginx's 60 s
// default, and there must be one. It reads the configuration of the nginx
// rtlab started at the URL (package nginx answers its id at MarkerPath).
// Params: above (default 60s).
func nginxReadTimeout(ctx context.Context, env *ProbeEnv, params map[string]any) error {
	above := 60 * time.Second
	if s, ok := params["above"].(string); ok {
		d, err := time.ParseDuration(s)
		if err != nil {
			return &ScenarioError{"nginx-read-timeout: params.above is not a duration"}
		}
		above = d
	}
	u, _ := env.URL.Parse(nginx.MarkerPath)
	rctx, cancel := context.WithTimeout(ctx, probeTimeout(env, params))
	defer cancel()
	req, _ := http.NewRequestWithContext(rctx, "GET", u.String(), nil)
	resp, err := env.HTTP.Do(req)
	if err != nil {
		return &Failure{Reason: "could not reach nginx at " + env.URL.String(), Actual: scenario.Shorten(err.Error(), 200)}
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
	resp.Body.Close()
	in, ok := nginx.Lookup(strings.TrimSpace(string(body)))
	if resp.StatusCode != 200 || !ok {
		return &Failure{Reason: "the server at " + env.URL.String() + " is not an nginx that rtlab started, so its configuration cannot be read",
			Expected: "rtlab grade --exercise q8 --nginx-conf FILE (rtlab runs nginx with FILE in front of its own backend)"}
	}
	ts, err := nginx.ReadTimeouts(in.Conf)
	if err != nil {
		return &Failure{Reason: "a proxy_read_timeout value does not parse", Actual: err.Error()}
	}
	want := fmt.Sprintf("proxy_read_timeout above %s (e.g. 3600s) where /ws and /socket.io/ are proxied", above)
	if len(ts) == 0 {
		return &Failure{Reason: "the configuration sets no proxy_read_timeout: nginx's default of 60 s closes a WebSocket that stays quiet for a minute",
			Expected: want, Actual: "no proxy_read_timeout (60s)"}
	}
	for _, d := range ts {
		if d <= above {
			return &Failure{Reason: fmt.Sprintf("proxy_read_timeout %s closes a WebSocket idle that long", d),
				Expected: want, Actual: fmt.Sprintf("proxy_read_timeout %s", d)}
		}
	}
	return nil
}
