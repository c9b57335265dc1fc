package graders

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"rtlab/socketio"
)

// stepsServer has a bit of everything the step kinds need: a refusing
// namespace, an echo with ack, JSON over HTTP and an SSE stream.
func stepsServer(t *testing.T) string {
	srv := socketio.NewServer(nil)
	srv.Of("/").OnConnect(func(s *socketio.Socket) {
		s.On("echo", func(e *socketio.Event) {
			if e.Ack != nil {
				var v any
				json.Unmarshal(e.Args[0], &v)
				e.Ack(v)
			}
		})
	})
	admin := srv.Of("/admin")
	admin.Use(func(s *socketio.Socket) error {
		var auth struct{ Token string }
		json.Unmarshal(s.Handshake().Auth, &auth)
		if auth.Token == "" {
			return &socketio.ConnectError{Message: "No token", Data: map[string]any{"code": "NO_TOKEN"}}
		}
		return nil
	})
	admin.OnConnect(func(s *socketio.Socket) { s.Emit("welcome", map[string]any{"ns": "/admin"}) })
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", srv)
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		var v any
		json.NewDecoder(r.Body).Decode(&v)
		json.NewEncoder(w).Encode(map[string]any{"got": v, "method": r.Method, "id": 7})
	})
	mux.HandleFunc("/stream", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Cache-Control", "no-cache")
		for i := 1; ; i++ {
			fmt.Fprintf(w, "id: %d\ndata: {\"n\":%d,\ndata: \"price\":%d}\n\n", i, i, i*10)
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	})
	return serve(t, mux, func() { srv.Close() })
}

func TestStepKinds(t *testing.T) {
	t.Parallel()
	url := stepsServer(t)
	sc := mustParse(t, `
exercise: q99
title: Steps
checks:
  - id: refused
    name: the admin namespace refuses a client without a token
    steps:
      - connect: {client: x, namespace: /admin, expect_error: {message: No token, data: {code: NO_TOKEN}}}
  - id: refused-wrong
    name: a refusal with another code fails
    steps:
      - connect: {client: x, namespace: /admin, expect_error: {data: {code: TOKEN_EXPIRED}}}
  - id: via
    name: a second namespace on the same connection
    steps:
      - connect: a
      - connect: {client: a2, via: a, namespace: /admin, auth: {token: "{{jwt sub=u2 role=admin}}"}}
      - expect: {client: a2, event: welcome, data: {ns: /admin}}
  - id: loops
    name: parallel and repeat with captures
    steps:
      - connect: [a, b]
      - parallel:
          times: 4
          as: i
          steps:
            - emit: {client: a, event: echo, data: {n: "${i}"}, ack: {n: "<save:n${i}>"}}
      - assert: {unique: ["${n1}", "${n2}", "${n3}", "${n4}"]}
      - repeat:
          times: 3
          as: k
          steps:
            - emit: {client: b, event: echo, data: {k: "${k}", who: "${b.id}"}, ack: {k: "${k}", who: "${b.id}"}}
      - parallel:
          branches:
            - - emit: {client: a, event: echo, data: {x: 1}, ack: {x: 1}}
            - - emit: {client: b, event: echo, data: {x: 2}, ack: {x: 2}}
      - set: {same: "${a.id}"}
      - assert: {equal: ["${same}", "${a.id}"]}
      - assert: {value: {list: [1, 2, 3]}, that: {list: {$len: 3}}}
  - id: repeat-fails
    name: a failing round is named
    steps:
      - connect: a
      - repeat:
          times: 3
          as: k
          steps:
            - emit: {client: a, event: echo, data: {k: "${k}"}, ack: {k: 1}}
  - id: http
    name: HTTP with body, JSON match and save
    steps:
      - http:
          method: POST
          path: /echo
          body: {message: hi}
          expect: {status: 200, headers: {Content-Type: /json/, X-Nope: "<absent>"}, json: {got: {message: hi}, method: POST}}
          save: {id: id}
      - http: {method: POST, path: "/echo", body: {again: "${id}"}, expect: {json: {got: {again: 7}}}}
  - id: sse
    name: SSE events with multi-line data
    steps:
      - sse: {path: /stream, events: 3, within: 2s, expect: {headers: {Content-Type: /^text\/event-stream/}}, data: {n: "<integer>", price: "<number 10..30>"}}
  - id: bad-var
    name: an unknown variable is the scenario's fault
    steps:
      - connect: a
      - emit: {client: a, event: echo, data: {x: "${nope}"}}
`)
	r := runQuick(t, sc, url)
	want := map[string]Status{"refused": Pass, "refused-wrong": Fail, "via": Pass, "loops": Pass, "repeat-fails": Fail,
		"http": Pass, "sse": Pass, "bad-var": Fail}
	got := statuses(r)
	for id, st := range want {
		if got[id] != st {
			dump(t, r)
			t.Fatalf("%s: %s, want %s", id, got[id], st)
		}
	}
	by := map[string]CheckResult{}
	for _, c := range r.Checks {
		by[c.ID] = c
	}
	if m := by["refused-wrong"].Message(); !strings.Contains(m, "TOKEN_EXPIRED") || !strings.Contains(m, "NO_TOKEN") {
		t.Errorf("refused-wrong: %q", m)
	}
	if m := by["repeat-fails"].Reason; !strings.HasPrefix(m, "round 2 of 3: ") {
		t.Errorf("repeat-fails: %q", m)
	}
	if !by["bad-var"].Harness || !strings.Contains(by["bad-var"].Reason, "${nope} is not set") {
		t.Errorf("bad-var: %+v", by["bad-var"])
	}
}

func TestNamespacePrefix(t *testing.T) {
	t.Parallel()
	srv := socketio.NewServer(nil)
	for _, ns := range []string{"/q99", "/q99/admin"} {
		srv.Of(ns).OnConnect(func(s *socketio.Socket) { s.Emit("hello", map[string]any{"ns": ns}) })
	}
	url := serve(t, srv, func() { srv.Close() })
	sc := mustParse(t, `
exercise: q99
title: Prefix
checks:
  - id: main
    name: the prefix replaces the main namespace
    steps:
      - connect: a
      - expect: {client: a, event: hello, data: {ns: /q99}}
  - id: admin
    name: the prefix goes in front of others
    steps:
      - connect: {client: b, namespace: /admin}
      - expect: {client: b, event: hello, data: {ns: /q99/admin}}
`)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r := Run(ctx, sc, &Options{URL: url, Timeout: time.Second, NamespacePrefix: "/{exercise}"})
	if !r.Passed() {
		dump(t, r)
		t.Fatal("prefixed namespaces")
	}
}
