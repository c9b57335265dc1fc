package probes

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"rtlab/graders"
)

// TestQ14ChecksCanFail grades test doubles of the metrics stream, each
// with one mistake, against the q14 scenario: each must fail the check
// that names it (the reference passes in TestReferencesPassAndVariantsFail).
func TestQ14ChecksCanFail(t *testing.T) {
	t.Parallel()
	sample := `{"cpu":12.5,"memory":{"percent":40},"timestamp":%d}`
	cases := []struct {
		name, check string
		ctype       string
		every       time.Duration
		data        string
	}{
		{"json-content-type", "headers", "application/json", 10 * time.Second, sample},
		{"cpu-as-fraction-over-100", "first-sample", "text/event-stream", 10 * time.Second, `{"cpu":250,"memory":40,"timestamp":%d}`},
		{"every-two-seconds", "every-ten-seconds", "text/event-stream", 2 * time.Second, sample},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			stop := make(chan struct{})
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", c.ctype)
				w.Header().Set("Cache-Control", "no-cache")
				tick := time.NewTicker(c.every)
				defer tick.Stop()
				for {
					fmt.Fprintf(w, "data: "+c.data+"\n\n", time.Now().UnixMilli())
					w.(http.Flusher).Flush()
					select {
					case <-tick.C:
					case <-r.Context().Done():
						return
					case <-stop:
						return
					}
				}
			}))
			defer func() {
				close(stop)
				ts.CloseClientConnections()
				ts.Close()
			}()
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			r := graders.Run(ctx, mustLoad(t, "q14"), &graders.Options{Probes: allProbes, URL: ts.URL})
			if st := statuses(r)[c.check]; st != graders.Fail {
				dump(t, r)
				t.Fatalf("%s: %s, want fail", c.check, st)
			}
		})
	}
}

// TestSSEIntervalMeasuresTheRhythm: events 100ms apart pass a 100ms
// rhythm and fail a 1s one, with the gaps named.
func TestSSEIntervalMeasuresTheRhythm(t *testing.T) {
	t.Parallel()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		for i := 1; ; i++ {
			fmt.Fprintf(w, "id: %d\ndata: {\"n\":%d}\n\n", i, i)
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}))
	defer ts.Close()
	sc := mustParse(t, `
exercise: q99
title: Rhythm
checks:
  - id: sse-rhythm
    name: SSE events every 100ms
    steps:
      - probe: {name: sse-interval, params: {path: /stream, every: 100ms, tolerance: 0.9, events: 3}}
  - id: sse-rhythm-wrong
    name: SSE events every second fails
    steps:
      - probe: {name: sse-interval, params: {path: /stream, every: 1s, tolerance: 0.2, events: 2}}
`)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r := graders.Run(ctx, sc, &graders.Options{Probes: allProbes, URL: ts.URL, Timeout: time.Second})
	if st := statuses(r); st["sse-rhythm"] != graders.Pass || st["sse-rhythm-wrong"] != graders.Fail {
		dump(t, r)
		t.Fatalf("statuses %v, want sse-rhythm pass and sse-rhythm-wrong fail", st)
	}
	if m := checkByID(r, "sse-rhythm-wrong").Message(); !strings.Contains(m, "not 1s apart") {
		t.Errorf("sse-rhythm-wrong: %q", m)
	}
}
