package graders

import (
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"rtlab/graders/scenario"
	"rtlab/socketio"
)

// TestEmitUntil: an emit with until: asks again until the ack matches (a
// server that reaches the state late passes), and fails, naming how often
// it asked, when the ack never does (a server that never reaches it).
func TestEmitUntil(t *testing.T) {
	t.Parallel()
	srv := socketio.NewServer(nil)
	var n atomic.Int64
	srv.Of("/").OnConnect(func(s *socketio.Socket) {
		// The state the grader waits for shows from the fourth ask on.
		s.On("count", func(e *socketio.Event) { e.Ack(map[string]any{"n": n.Add(1)}) })
	})
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", srv)
	url := serve(t, mux, func() { srv.Close() })
	sc := mustParse(t, `
exercise: q99
title: Until
checks:
  - id: reached
    name: the ack matches on the fourth ask
    steps:
      - connect: a
      - emit: {client: a, event: count, ack: {n: "<number 4..>"}, until: 2s}
  - id: once
    name: without until one ask is all
    steps:
      - connect: a
      - emit: {client: a, event: count, ack: {n: -1}}
  - id: never
    name: the ack never matches
    steps:
      - connect: a
      - emit: {client: a, event: count, ack: {n: -1}, until: 300ms}
`)
	r := runQuick(t, sc, url)
	got := statuses(r)
	want := map[string]Status{"reached": Pass, "once": Fail, "never": Fail}
	for id, st := range want {
		if got[id] != st {
			dump(t, r)
			t.Fatalf("%s: %s, want %s", id, got[id], st)
		}
	}
	for _, c := range r.Checks {
		if c.ID == "never" && !strings.Contains(c.Reason, "times over 300ms") {
			t.Errorf("never: %q", c.Reason)
		}
	}
	if _, err := scenario.Parse("x.yaml", []byte(`
exercise: q99
title: Bad
checks:
  - id: no-ack
    name: until without ack
    steps:
      - connect: a
      - emit: {client: a, event: count, until: 1s}
`)); err == nil || !strings.Contains(err.Error(), "until:") {
		t.Errorf("until without ack: %v", err)
	}
}
