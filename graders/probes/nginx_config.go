package probes

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"rtlab/graders"
)

// markerPath and noNginx are where a Q8 reference served by another
// process (rtlab serve q8) says that it runs without nginx, and how its
// answer starts (nginx.MarkerPath and reference.NoNginxPrefix, repeated
// here so that the probes import no reference; a test holds them equal).
const (
	markerPath = "/__rtlab/nginx"
	noNginx    = "rtlab:no-nginx: "
)

// nginxFront skips the check, with the reason, when the Q8 reference runs
// without nginx (not installed): env.Nginx says so when rtlab started it,
// the reference's marker when another process did. In front of anything
// else it passes.
func nginxFront(ctx context.Context, env *graders.ProbeEnv, params map[string]any) error {
	if env.Nginx != nil {
		if env.Nginx.Missing != "" {
			return graders.Skipf("%s", env.Nginx.Missing)
		}
		return nil
	}
	u, _ := env.URL.Parse(markerPath)
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
		return graders.Skipf("%s", why)
	}
	return nil
}

// nginxReadTimeout checks Q8's one rule that cannot be waited for in a
// test: a WebSocket idle for more than a minute must not be cut, so every
// proxy_read_timeout of the configuration must be above nginx's 60 s
// default, and there must be one. It reads the configuration of the nginx
// rtlab started at the URL (env.Nginx).
// Params: above (default 60s).
func nginxReadTimeout(ctx context.Context, env *graders.ProbeEnv, params map[string]any) error {
	above := 60 * time.Second
	if s, ok := params["above"].(string); ok {
		d, err := time.ParseDuration(s)
		if err != nil {
			return &graders.ScenarioError{Msg: "nginx-read-timeout: params.above is not a duration"}
		}
		above = d
	}
	if env.Nginx == nil || env.Nginx.Conf == "" {
		return &graders.Failure{Reason: "the server at " + env.URL.String() + " is not an nginx that rtlab started, so its configuration cannot be read",
			Expected: "rtlab grade --exercise q8 --nginx-conf FILE (rtlab runs nginx with FILE in front of its own backend)"}
	}
	ts, err := readTimeouts(env.Nginx.Conf)
	if err != nil {
		return &graders.Failure{Reason: "a proxy_read_timeout value does not parse", Actual: err.Error()}
	}
	want := fmt.Sprintf("proxy_read_timeout above %s (e.g. 3600s) where /ws and /socket.io/ are proxied", above)
	if len(ts) == 0 {
		return &graders.Failure{Reason: "the configuration sets no proxy_read_timeout: nginx's default of 60 s closes a WebSocket that stays quiet for a minute",
			Expected: want, Actual: "no proxy_read_timeout (60s)"}
	}
	for _, d := range ts {
		if d <= above {
			return &graders.Failure{Reason: fmt.Sprintf("proxy_read_timeout %s closes a WebSocket idle that long", d),
				Expected: want, Actual: fmt.Sprintf("proxy_read_timeout %s", d)}
		}
	}
	return nil
}

// nginxComment is a comment of an nginx configuration, to the end of its
// line.
var nginxComment = regexp.MustCompile(`(?m)#.*$`)

// readTimeouts returns the proxy_read_timeout values of conf, in order,
// with nginx's units (ms, s, m, h, d; a bare number is seconds).
func readTimeouts(conf string) ([]time.Duration, error) {
	re := regexp.MustCompile(`(?m)^\s*proxy_read_timeout\s+([^;\s]+)\s*;`)
	var out []time.Duration
	for _, m := range re.FindAllStringSubmatch(nginxComment.ReplaceAllString(conf, ""), -1) {
		d, err := parseNginxTime(m[1])
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// parseNginxTime reads an nginx time value ("60s", "1h", "90", "1m30s").
func parseNginxTime(v string) (time.Duration, error) {
	units := map[string]time.Duration{"ms": time.Millisecond, "s": time.Second, "m": time.Minute,
		"h": time.Hour, "d": 24 * time.Hour, "w": 7 * 24 * time.Hour}
	if n, err := strconv.Atoi(v); err == nil {
		return time.Duration(n) * time.Second, nil
	}
	re := regexp.MustCompile(`^(\d+)(ms|s|m|h|d|w)`)
	var total time.Duration
	rest := v
	for rest != "" {
		m := re.FindStringSubmatch(rest)
		if m == nil {
			return 0, fmt.Errorf("%q is not an nginx time (60s, 1h, 3600)", v)
		}
		n, _ := strconv.Atoi(m[1])
		total += time.Duration(n) * units[m[2]]
		rest = rest[len(m[0]):]
	}
	return total, nil
}
