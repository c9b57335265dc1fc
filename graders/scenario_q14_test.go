package graders

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
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
			r := Run(ctx, mustLoad(t, "q14"), &Options{URL: ts.URL})
			if st := statuses(r)[c.check]; st != Fail {
				dump(t, r)
				t.Fatalf("%s: %s, want fail", c.check, st)
			}
		})
	}
}
