package soak

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"rtlab/engineio"
	"rtlab/internal/nodetest"
	"rtlab/socketio"
)

// faults are the ways a hostile loadtest fixture goes wrong.
type faults struct {
	dropAfter time.Duration // disconnect each socket this long after it joined
	loseEvery int           // leave every n-th echo unanswered
	skipTicks bool          // ack bcast without sending the tick
}

// hostileFixture serves the loadtest fixture's events, wrong as f says.
func hostileFixture(t *testing.T, f faults) string {
	t.Helper()
	io := socketio.NewServer(&socketio.ServerOptions{Engine: &engineio.ServerOptions{PingInterval: 200 * time.Millisecond}})
	root := io.Of("/")
	var echoes atomic.Int64
	root.OnConnect(func(s *socketio.Socket) {
		if f.dropAfter > 0 {
			time.AfterFunc(f.dropAfter, func() { s.Disconnect(true) })
		}
		s.On("echo", func(e *socketio.Event) {
			if f.loseEvery > 0 && echoes.Add(1)%int64(f.loseEvery) == 0 {
				return
			}
			e.Ack(json.RawMessage(e.Args[0]))
		})
		s.On("bcast", func(e *socketio.Event) {
			if !f.skipTicks {
				root.Emit("tick", map[string]int{"seq": 1})
			}
			e.Ack(map[string]int{"sent": 1})
		})
	})
	hs := httptest.NewServer(io)
	t.Cleanup(func() {
		io.Close()
		hs.Close()
	})
	return hs.URL
}

// TestSoakFindsWhatGoesWrong: each check of the soak fails on a server
// wrong in exactly that way, and says so.
func TestSoakFindsWhatGoesWrong(t *testing.T) {
	for _, tc := range []struct {
		name  string
		f     faults
		stats func(context.Context) (Stats, error)
		node  bool
		want  string
	}{
		{"drops its clients", faults{dropAfter: 700 * time.Millisecond}, nil, true, "was disconnected: io server disconnect (after "},
		{"loses acks", faults{loseEvery: 7}, nil, false, "lost "},
		{"loses broadcasts", faults{skipTicks: true}, nil, false, "received 0 of "},
		{"leaks goroutines", faults{}, leakingStats(), false, "the server's own goroutines grew 20% (from 100 to 120, HTTP connections aside), more than 10% and 3: a leak"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			target := Target{Name: "hostile", Fixture: FixtureLoadtest, URL: hostileFixture(t, tc.f), Stats: tc.stats}
			o := &Options{Duration: 1500 * time.Millisecond, Clients: 1, AckTimeout: 300 * time.Millisecond,
				BroadcastEvery: 200 * time.Millisecond}
			if _, err := exec.LookPath("node"); err == nil && tc.node {
				o.NodeDir = nodetest.Require(t)
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			rep, err := Run(ctx, []Target{target}, o)
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			WriteText(&b, rep)
			if rep.OK() || !strings.Contains(b.String(), tc.want) {
				t.Fatalf("the report does not say %q:\n%s", tc.want, b.String())
			}
			if testing.Verbose() {
				t.Log("\n" + b.String())
			}
			if tc.node && o.NodeDir != "" && !strings.Contains(b.String(), "node client (websocket) was disconnected") {
				t.Errorf("the npm client's disconnect is not reported:\n%s", b.String())
			}
		})
	}
}

// leakingStats reports 100 goroutines, then 120.
func leakingStats() func(context.Context) (Stats, error) {
	var calls atomic.Int64
	return func(context.Context) (Stats, error) {
		if calls.Add(1) <= 20 {
			return Stats{Goroutines: 100, RSSKB: 1000}, nil
		}
		return Stats{Goroutines: 120, RSSKB: 1000}, nil
	}
}
