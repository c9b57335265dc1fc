package socketio

import (
	"context"
	"fmt"
	"testing"
	"time"

	"rtlab/engineio"
)

// Issue 12: our server dropped every WebSocket client that used acks 20 s
// into the conversation (the deadline of the last ping stayed on the socket
// and the ack's non-blocking write failed once it had passed). These tests
// hold an acked conversation over more than twenty heartbeats in a couple
// of seconds, on each transport, with the npm client against our server and
// our client against the npm server (and ours).
//
// heartbeatInterval is the test heartbeat; heartbeatWrite the server's
// write timeout, shorter than the interval so that the deadline of each
// ping passes before the next one, as 20 s passes before 25 s by default.
const (
	heartbeatInterval = 60 * time.Millisecond
	heartbeatWrite    = 20 * time.Millisecond
	heartbeats        = 20
)

// heartbeatServer is our server with the test heartbeat. Over polling no
// raw write happens (the trap cannot be sprung), and the write timeout also
// bounds the read of a POST body, which a busy machine may deliver later
// than 20 ms after its headers: polling keeps the default.
func heartbeatServer(t *testing.T, transports []string) *testServer {
	eo := &engineio.ServerOptions{PingInterval: heartbeatInterval, PingTimeout: 2 * time.Second}
	if len(transports) > 1 || transports[0] == "websocket" {
		eo.WriteTimeout = heartbeatWrite
	}
	return newTestServer(t, eo)
}

// TestNodeClientAcksOverHeartbeats: the npm socket.io-client emits with an
// ack, pausing now and then so that a ping's deadline passes between two
// acks, for more than twenty of our server's heartbeats.
func TestNodeClientAcksOverHeartbeats(t *testing.T) {
	for _, tc := range clientModes {
		t.Run(tc.name, func(t *testing.T) {
			ts := heartbeatServer(t, tc.transports)
			steps := []map[string]any{{"op": "connect"}, {"op": "transport", "waitUpgrade": len(tc.transports) > 1}}
			const emits = 90
			for i := range emits {
				steps = append(steps, map[string]any{"op": "emit", "event": "echo", "args": []any{i}, "ack": true})
				if i%3 == 2 {
					steps = append(steps, map[string]any{"op": "sleep", "ms": 5 * heartbeatInterval.Milliseconds() / 6})
				}
			}
			steps = append(steps, map[string]any{"op": "heartbeats"})
			start := time.Now()
			got := nodeClient(t, ts.URL, map[string]any{
				"transports": tc.transports, "upgrade": len(tc.transports) > 1,
				"timeout": 5000, "lifetime": 60000, "steps": steps,
			})
			if len(got) != len(steps) {
				t.Fatalf("%d steps of %d: %v", len(got), len(steps), got)
			}
			last := got[len(got)-1]
			t.Logf("%d acks over %v, %v pings", emits, time.Since(start).Round(time.Millisecond), last["pings"])
			if last["disconnect"] != nil {
				t.Fatalf("the client saw a disconnect: %v", last["disconnect"])
			}
			if n, _ := last["pings"].(float64); n < heartbeats {
				t.Errorf("the conversation held %v heartbeats, want at least %d", n, heartbeats)
			}
			jsonEq(t, `"`+map[bool]string{true: "websocket", false: tc.transports[0]}[len(tc.transports) > 1]+`"`, got[1]["transport"])
		})
	}
}

// TestClientAcksOverHeartbeats: our client holds the same conversation
// against the npm socket.io server and against ours.
func TestClientAcksOverHeartbeats(t *testing.T) {
	for _, server := range []string{"node", "go"} {
		for _, tc := range clientModes {
			t.Run(server+"/"+tc.name, func(t *testing.T) {
				var url string
				if server == "node" {
					url, _ = nodeServer(t, fmt.Sprintf("--pingInterval=%d", heartbeatInterval.Milliseconds()), "--pingTimeout=2000")
				} else {
					url = heartbeatServer(t, tc.transports).URL
				}
				ctx := testCtx(t)
				opts := tc.opts
				s := dialSocket(t, ctx, url, "/", &opts)
				c := s.Client()
				start := time.Now()
				i := 0
				for ; time.Since(start) < (heartbeats+2)*heartbeatInterval || i < 3*heartbeats; i++ {
					actx, cancel := context.WithTimeout(ctx, 5*time.Second)
					got, err := s.EmitWithAck(actx, "echo", i)
					cancel()
					if err != nil {
						t.Fatalf("ack %d, %v in: %v (connection: %q)", i, time.Since(start), err, c.Reason())
					}
					jsonEq(t, fmt.Sprintf("[%d]", i), got)
					if i%3 == 2 {
						time.Sleep(2 * heartbeatInterval / 3)
					}
				}
				if tc.opts.Upgrade && c.Transport() != "websocket" {
					t.Errorf("transport %s after %v, want websocket", c.Transport(), time.Since(start))
				}
				t.Logf("%d acks over %v", i, time.Since(start).Round(time.Millisecond))
			})
		}
	}
}
