package probes

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"rtlab/graders"
)

// slowFeed is a long-poll server that looks for news once a second
// instead of being woken by the POST: every other Q10 check passes it.
func slowFeed(stop <-chan struct{}) http.Handler {
	var mu sync.Mutex
	type item struct {
		Message   string `json:"message"`
		CreatedAt int64  `json:"createdAt"`
	}
	var items []item
	newer := func(since int64) []item {
		mu.Lock()
		defer mu.Unlock()
		var out []item
		for _, it := range items {
			if it.CreatedAt > since {
				out = append(out, it)
			}
		}
		return out
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/notifications", func(w http.ResponseWriter, r *http.Request) {
		var in item
		json.NewDecoder(r.Body).Decode(&in)
		mu.Lock()
		in.CreatedAt = time.Now().UnixMilli()
		if n := len(items); n > 0 && in.CreatedAt <= items[n-1].CreatedAt {
			in.CreatedAt = items[n-1].CreatedAt + 1
		}
		items = append(items, in)
		mu.Unlock()
		w.WriteHeader(201)
		json.NewEncoder(w).Encode(map[string]any{"id": fmt.Sprint(in.CreatedAt), "message": in.Message, "createdAt": in.CreatedAt})
	})
	mux.HandleFunc("GET /api/notifications/long-poll", func(w http.ResponseWriter, r *http.Request) {
		var since int64
		fmt.Sscan(r.URL.Query().Get("since"), &since)
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			if got := newer(since); len(got) > 0 {
				json.NewEncoder(w).Encode(map[string]any{"notifications": got, "serverTime": time.Now().UnixMilli()})
				return
			}
			select {
			case <-tick.C:
			case <-r.Context().Done():
				return
			case <-stop:
				return
			}
		}
	})
	return mux
}

// startSlowFeed serves slowFeed until the test ends; its waiting requests
// are released and its connections cut then.
func startSlowFeed(t *testing.T) *httptest.Server {
	stop := make(chan struct{})
	ts := httptest.NewServer(slowFeed(stop))
	t.Cleanup(func() {
		close(stop)
		ts.CloseClientConnections()
		ts.Close()
	})
	return ts
}

func TestLongPollReleaseCatchesASlowServer(t *testing.T) {
	t.Parallel()
	ts := startSlowFeed(t)
	sc := mustParse(t, `
exercise: q99
title: t
checks:
  - id: release
    name: release
    timeout: 20s
    steps:
      - probe: {name: long-poll-release, params: {waiters: 3}}
`)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r := graders.Run(ctx, sc, &graders.Options{Probes: allProbes, URL: ts.URL})
	msg := r.Checks[0].Message()
	if r.Checks[0].Status != graders.Fail || !strings.Contains(msg, "within 200 ms of the POST") || !strings.Contains(msg, "slowest") {
		t.Fatalf("%s: %s", r.Checks[0].Status, msg)
	}
	t.Log(msg)
}

// TestQ9JSONContentTypeCanFail: a server whose answers are JSON without
// saying so (Go sniffs text/plain) fails Q9's json-content-type check.
func TestQ9JSONContentTypeCanFail(t *testing.T) {
	t.Parallel()
	ts := startSlowFeed(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r := graders.Run(ctx, mustLoad(t, "q9"), &graders.Options{Probes: allProbes, URL: ts.URL})
	if res := checkByID(r, "json-content-type"); res.Status != graders.Fail || !strings.Contains(res.Message(), "text/plain") {
		dump(t, r)
		t.Fatalf("json-content-type: %s %s", res.Status, res.Message())
	}
}
