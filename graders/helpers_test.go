package graders

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"rtlab/graders/scenario"
	"rtlab/socketio"
)

// miniServer is a small correct server for Q17, Q18 and Q20 built on our
// socketio package, with switches for the mistakes students make. It lets
// the engine's tests run before (and apart from) the reference servers.
type miniServer struct {
	noInitialCount bool // Q17: the newcomer is not told the count
	ignoreDrops    bool // Q17: abrupt disconnects are not counted
	broadcastAsIO  bool // Q20: "broadcast" reaches the sender too
	log            io.Writer
}

func (m *miniServer) url(t *testing.T) string {
	h, closeFn := m.handler()
	return serve(t, h, closeFn)
}

func (m *miniServer) handler() (http.Handler, func()) {
	srv := socketio.NewServer(nil)
	root := srv.Of("/")
	var mu sync.Mutex
	count := 0
	next := 0
	root.OnConnect(func(s *socketio.Socket) {
		if m.log != nil {
			fmt.Fprintln(m.log, "connected:", s.ID())
		}
		mu.Lock()
		count++
		n := count
		mu.Unlock()
		if m.noInitialCount {
			s.Broadcast().Emit("user-count", map[string]any{"count": n})
		} else {
			root.Emit("user-count", map[string]any{"count": n})
		}
		s.OnDisconnect(func(r socketio.Reason) {
			if m.log != nil {
				fmt.Fprintln(m.log, "disconnected:", s.ID(), r)
			}
			if m.ignoreDrops && r == socketio.ReasonTransportClose {
				return
			}
			mu.Lock()
			count--
			n := count
			mu.Unlock()
			root.Emit("user-count", map[string]any{"count": n})
		})
		s.On("emit-demo", func(e *socketio.Event) {
			var p struct{ Mode string }
			if len(e.Args) > 0 {
				json.Unmarshal(e.Args[0], &p)
			}
			payload := map[string]any{"mode": p.Mode}
			switch p.Mode {
			case "emit":
				s.Emit("demo", payload)
			case "io":
				root.Emit("demo", payload)
			case "broadcast":
				if m.broadcastAsIO {
					root.Emit("demo", payload)
				} else {
					s.Broadcast().Emit("demo", payload)
				}
			}
		})
		s.On("save-task", func(e *socketio.Event) {
			if e.Ack == nil {
				return
			}
			var t map[string]any
			if len(e.Args) == 0 || json.Unmarshal(e.Args[0], &t) != nil || t == nil {
				e.Ack(map[string]any{"status": "error", "message": "The task must be an object."})
				return
			}
			title, ok := t["title"].(string)
			if !ok || strings.TrimSpace(title) == "" || len([]rune(strings.TrimSpace(title))) > 200 {
				e.Ack(map[string]any{"status": "error", "message": "A title of 1 to 200 characters is required."})
				return
			}
			if d, present := t["description"]; present {
				if _, ok := d.(string); !ok {
					e.Ack(map[string]any{"status": "error", "message": "The description must be text."})
					return
				}
			}
			mu.Lock()
			next++
			id := next
			mu.Unlock()
			e.Ack(map[string]any{"status": "ok", "taskId": id})
		})
	})
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", srv)
	mux.HandleFunc("/api/status", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"status":"online"}`))
	})
	return mux, func() { srv.Close() }
}

// serve runs h on a loopback port until the test ends.
func serve(t *testing.T, h http.Handler, closeFn func()) string {
	return serveTS(t, h, closeFn).URL
}

func serveTS(t *testing.T, h http.Handler, closeFn func()) *httptest.Server {
	t.Helper()
	ts := httptest.NewServer(h)
	t.Cleanup(func() {
		if closeFn != nil {
			closeFn()
		}
		ts.CloseClientConnections()
		ts.Close()
	})
	return ts
}

func mustParse(t *testing.T, src string) *scenario.Scenario {
	t.Helper()
	sc, err := scenario.Parse(t.Name()+".yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// runQuick grades with short deadlines, as a test can afford.
func runQuick(t *testing.T, sc *scenario.Scenario, url string) *Report {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	return Run(ctx, sc, &Options{URL: url, Probes: testProbes, Timeout: time.Second, QuietPeriod: 200 * time.Millisecond, CheckTimeout: 8 * time.Second})
}

func statuses(r *Report) map[string]Status {
	m := map[string]Status{}
	for _, c := range r.Checks {
		m[c.ID] = c.Status
	}
	return m
}

func dump(t *testing.T, r *Report) {
	t.Helper()
	var b strings.Builder
	WriteText(&b, []*Report{r}, nil)
	t.Log("\n" + b.String())
}

func asErr[T error](err error, target *T) bool { return errors.As(err, target) }
