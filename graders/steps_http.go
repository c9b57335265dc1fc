package graders

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"time"

	"rtlab/graders/scenario"
)

// maxBody bounds what an HTTP step reads of a response.
const maxBody = 1 << 20

func (r *stepRun) newRequest(ctx context.Context, method, path string, hdr map[string]string, body any) (*http.Request, string, error) {
	p, err := r.expandString(path)
	if err != nil {
		return nil, "", err
	}
	u := *r.base
	rel, perr := u.Parse(p)
	if perr != nil {
		return nil, "", &ScenarioError{fmt.Sprintf("bad path %q: %v", p, perr)}
	}
	if method == "" {
		method = http.MethodGet
	}
	var rd io.Reader
	isJSON := false
	if body != nil {
		b, err := r.expand(body)
		if err != nil {
			return nil, "", err
		}
		if s, ok := b.(string); ok {
			rd = strings.NewReader(s)
		} else {
			enc, _ := json.Marshal(scenario.Normalize(b))
			rd = bytes.NewReader(enc)
			isJSON = true
		}
	}
	req, err := http.NewRequestWithContext(ctx, strings.ToUpper(method), rel.String(), rd)
	if err != nil {
		return nil, "", &ScenarioError{err.Error()}
	}
	if isJSON {
		req.Header.Set("Content-Type", "application/json")
	}
	h, err := r.stringMap(hdr)
	if err != nil {
		return nil, "", err
	}
	for k, v := range h {
		if strings.EqualFold(k, "Host") {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	return req, req.Method + " " + rel.RequestURI(), nil
}

func (r *stepRun) httpStep(ctx context.Context, st *scenario.HTTPStep) error {
	timeout := st.Timeout
	if timeout <= 0 {
		timeout = r.opts.Timeout
	}
	hctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, shown, err := r.newRequest(hctx, st.Method, st.Path, st.Header, st.Body)
	if err != nil {
		return err
	}
	resp, err := r.http.Do(req)
	if err != nil {
		return httpFailure(shown, timeout, hctx, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return httpFailure(shown, timeout, hctx, fmt.Errorf("reading the body: %w", err))
	}
	if err := r.checkHead(shown, resp, &st.Expect); err != nil {
		return err
	}
	for name, expr := range st.SaveMatch {
		m := regexp.MustCompile(expr).FindSubmatch(body)
		if m == nil {
			return &Failure{Reason: fmt.Sprintf("%s: the body has nothing matching /%s/", shown, expr),
				Actual: scenario.Shorten(string(body), 300)}
		}
		r.vars.set(name, string(m[1]))
	}
	return r.checkBody(shown, resp, body, &st.Expect, st.Save)
}

func httpFailure(shown string, timeout time.Duration, ctx context.Context, err error) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return &Failure{Reason: fmt.Sprintf("%s: no complete response within %s", shown, timeout),
			Expected: "a response", Actual: "nothing in time"}
	}
	return &Failure{Reason: shown + " failed", Expected: "a response", Actual: scenario.Shorten(err.Error(), 400)}
}

// checkHead matches the status and the headers.
func (r *stepRun) checkHead(shown string, resp *http.Response, ex *scenario.HTTPExpect) error {
	if ex.Status != nil {
		want, err := r.expand(ex.Status)
		if err != nil {
			return err
		}
		if m := scenario.Match(scenario.Normalize(want), float64(resp.StatusCode), nil); m != nil {
			return &Failure{Reason: fmt.Sprintf("%s answered with the wrong status", shown),
				Expected: "status " + scenario.AsString(scenario.Normalize(want)), Actual: resp.Status}
		}
	}
	keys := make([]string, 0, len(ex.Header))
	for k := range ex.Header {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		want, err := r.expand(ex.Header[k])
		if err != nil {
			return err
		}
		want = scenario.Normalize(want)
		vals := resp.Header.Values(k)
		var got any = scenario.Absent
		if len(vals) > 0 {
			got = strings.Join(vals, ", ")
		}
		if m := scenario.Match(want, got, nil); m != nil {
			return &Failure{Reason: fmt.Sprintf("%s: header %s is not right", shown, k),
				Expected: k + ": " + describeMatcher(want), Actual: k + ": " + describeHeader(got)}
		}
	}
	return nil
}

func describeMatcher(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return scenario.Describe(v)
}

func describeHeader(v any) string {
	if v == scenario.Absent {
		return "(no such header)"
	}
	return scenario.AsString(v)
}

func (r *stepRun) checkBody(shown string, resp *http.Response, body []byte, ex *scenario.HTTPExpect, save map[string]string) error {
	if ex.NoBody && len(bytes.TrimSpace(body)) > 0 {
		return &Failure{Reason: shown + ": expected an empty body", Actual: scenario.Shorten(string(body), 300)}
	}
	if ex.Body != nil {
		want, err := r.expand(ex.Body)
		if err != nil {
			return err
		}
		if m := scenario.Match(scenario.Normalize(want), string(body), nil); m != nil {
			return &Failure{Reason: shown + ": the body is not right", Expected: describeMatcher(want),
				Actual: scenario.Shorten(string(body), 300)}
		}
	}
	if ex.JSON == nil && len(save) == 0 {
		return nil
	}
	v, err := scenario.DecodeJSON(body)
	if err != nil {
		return &Failure{Reason: shown + ": the body is not JSON",
			Expected: "JSON", Actual: fmt.Sprintf("Content-Type %q, body %s", resp.Header.Get("Content-Type"), scenario.Shorten(string(body), 200))}
	}
	if ex.JSON != nil {
		want, err := r.expand(ex.JSON)
		if err != nil {
			return err
		}
		want = scenario.Normalize(want)
		caps := map[string]any{}
		if m := scenario.Match(want, v, caps); m != nil {
			return &Failure{Reason: shown + ": the JSON body did not match",
				Expected: scenario.Describe(want), Actual: scenario.Describe(v) + " — " + m.String()}
		}
		r.vars.merge(caps)
	}
	return r.save(save, v, "the response of "+shown)
}
