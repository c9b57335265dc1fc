package graders

import (
	"bufio"
	"context"
	"fmt"
	"strings"
	"time"

	"rtlab/graders/scenario"
)

// sseStep reads events from a text/event-stream response.
func (r *stepRun) sseStep(ctx context.Context, st *scenario.SSEStep) error {
	within := st.Within
	if within <= 0 {
		within = 3 * time.Second
	}
	n := st.Events
	if n <= 0 {
		n = 1
	}
	sctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	req, shown, err := r.newRequest(sctx, "GET", st.Path, st.Header, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "text/event-stream")
	resp, err := r.http.Do(req)
	if err != nil {
		return httpFailure(shown, within, sctx, err)
	}
	defer resp.Body.Close()
	if err := r.checkHead(shown, resp, &st.Expect); err != nil {
		return err
	}
	var want any
	if st.Data != nil {
		w, err := r.expand(st.Data)
		if err != nil {
			return err
		}
		want = scenario.Normalize(w)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 4096), maxBody)
	var data []string
	var got []any
	for len(got) < n && sc.Scan() {
		line := sc.Text()
		if line == "" {
			if data == nil {
				continue
			}
			text := strings.Join(data, "\n")
			data = nil
			var v any = text
			if d, err := scenario.DecodeJSON([]byte(text)); err == nil {
				v = d
			}
			if want != nil {
				caps := map[string]any{}
				if m := scenario.Match(want, v, caps); m != nil {
					return &Failure{Reason: fmt.Sprintf("%s: event %d's data did not match", shown, len(got)+1),
						Expected: scenario.Describe(want), Actual: scenario.Describe(v) + " — " + m.String()}
				}
				r.vars.merge(caps)
			}
			got = append(got, v)
			continue
		}
		if strings.HasPrefix(line, ":") {
			continue
		}
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		if field == "data" {
			data = append(data, value)
		}
	}
	if len(got) < n {
		why := "the stream ended"
		if sctx.Err() != nil {
			why = "time ran out"
		}
		return &Failure{Reason: fmt.Sprintf("%s: %s after %d of %d events (waited up to %s)", shown, why, len(got), n, within),
			Expected: fmt.Sprintf("%d events, each \"data: ...\" followed by a blank line", n),
			Actual:   fmt.Sprintf("%d events", len(got))}
	}
	if len(st.Save) > 0 {
		return r.save(st.Save, got[0], "the first event")
	}
	return nil
}
