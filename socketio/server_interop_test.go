package socketio

import (
	"encoding/base64"
	"testing"
	"time"

	"rtlab/engineio"
)

// These tests run the real npm socket.io-client@4 against our Server.

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func TestNodeClientRoundTrip(t *testing.T) {
	for _, tc := range clientModes {
		t.Run(tc.name, func(t *testing.T) {
			ts := newTestServer(t, nil)
			steps := nodeClient(t, ts.URL, map[string]any{
				"transports": tc.transports, "upgrade": tc.opts.Upgrade,
				"auth":  map[string]any{"token": "abc"},
				"query": map[string]any{"q": "1"},
				"steps": []map[string]any{
					{"op": "connect"},
					{"op": "transport", "waitUpgrade": tc.opts.Upgrade},
					{"op": "emitMulti", "event": "whoami"},
					{"op": "emitMulti", "event": "echo", "args": []any{map[string]any{"a": 1}, "two", 3}},
					{"op": "emit", "event": "echo", "args": []any{"no-ack", nil}},
					{"op": "wait", "event": "echo"},
					{"op": "emit", "event": "ask", "args": []any{map[string]any{"q": "?"}}},
					{"op": "wait", "event": "question", "reply": []any{"yes", map[string]any{"n": 1}}},
					{"op": "wait", "event": "answer"},
					{"op": "emitMulti", "event": "binary", "args": []any{"hello"}, "binary": []int{0}},
					{"op": "emit", "event": "binary", "args": []any{"abc"}, "binary": []int{0}},
					{"op": "wait", "event": "binary"},
					{"op": "emitMulti", "event": "echo", "args": []any{"bin", "xyz"}, "binary": []int{1}},
				},
			})
			if len(steps) != 13 {
				t.Fatalf("steps: %v", steps)
			}
			jsonEq(t, `"`+tc.final+`"`, steps[1]["transport"])
			who := steps[2]["ack"].([]any)[0].(map[string]any)
			jsonEq(t, `{"token":"abc"}`, who["auth"])
			jsonEq(t, `"1"`, who["query"])
			jsonEq(t, `"/"`, who["nsp"])
			if who["id"] != steps[0]["id"] {
				t.Errorf("whoami id %v, connect id %v", who["id"], steps[0]["id"])
			}
			jsonEq(t, `[{"a":1},"two",3]`, steps[3]["ack"])
			jsonEq(t, `["no-ack",null]`, steps[5]["args"])
			jsonEq(t, `{"ack":true,"args":[{"q":"?"}],"i":7,"op":"wait"}`, steps[7])
			jsonEq(t, `["yes",{"n":1}]`, steps[8]["args"])
			jsonEq(t, `[{"$bin":"`+b64("olleh")+`"},{"len":5}]`, steps[9]["ack"])
			jsonEq(t, `[{"$bin":"`+b64("cba")+`"},{"len":3}]`, steps[11]["args"])
			jsonEq(t, `["bin",{"$bin":"`+b64("xyz")+`"}]`, steps[12]["ack"])
			ts.waitEvent(t, "disconnect / client namespace disconnect")
		})
	}
}

func TestNodeClientRefused(t *testing.T) {
	ts := newTestServer(t, nil)
	steps := nodeClient(t, ts.URL, map[string]any{
		"nsp":   "/refused",
		"steps": []map[string]any{{"op": "connect", "expectError": true}},
	})
	jsonEq(t, `{"message":"not allowed","data":{"reason":"test","code":42}}`, steps[0]["error"])
	steps = nodeClient(t, ts.URL, map[string]any{
		"nsp":   "/nope",
		"steps": []map[string]any{{"op": "connect", "expectError": true}},
	})
	jsonEq(t, `{"message":"Invalid namespace"}`, steps[0]["error"])
}

func TestNodeClientRoomsAndBroadcast(t *testing.T) {
	ts := newTestServer(t, nil)
	ctx := testCtx(t)
	// Two Go clients share the namespace with the node client.
	a := dialSocket(t, ctx, ts.URL, "/", nil)
	b := dialSocket(t, ctx, ts.URL, "/", nil)
	aIn, bIn := collect(a), collect(b)
	if _, err := a.EmitWithAck(ctx, "join", "red"); err != nil {
		t.Fatal(err)
	}
	steps := nodeClient(t, ts.URL, map[string]any{
		"steps": []map[string]any{
			{"op": "connect"},
			{"op": "emitMulti", "event": "join", "args": []any{"red"}},
			{"op": "emitMulti", "event": "room-size", "args": []any{"red"}},
			{"op": "emit", "event": "to-room", "args": []any{"red", "news", "to-red"}},
			{"op": "emit", "event": "io-to-room", "args": []any{"red", "news", "io-red"}},
			{"op": "wait", "event": "news"},
			{"op": "emit", "event": "broadcast", "args": []any{"news", "bcast"}},
			{"op": "emit", "event": "except", "args": []any{"red", "news", "not-red"}},
			{"op": "none", "event": "news", "ms": 300},
		},
	})
	jsonEq(t, `[2]`, steps[2]["ack"])
	jsonEq(t, `["io-red"]`, steps[5]["args"])
	// a (in red) saw to-red, io-red, bcast; b saw bcast and not-red.
	expectArgs(t, aIn, "news", `["to-red"]`, `["io-red"]`, `["bcast"]`)
	expectArgs(t, bIn, "news", `["bcast"]`, `["not-red"]`)
}

func TestNodeClientDisconnectReasons(t *testing.T) {
	// The server ends the socket on the client's request, by leaving the
	// namespace or by closing the whole connection: either way
	// socket.io-client must see "io server disconnect", and our server
	// "server namespace disconnect".
	for _, tc := range []struct {
		name, event string
		transports  []string // nil: the client's default
	}{
		{"server namespace disconnect", "disconnect-me", nil},
		{"close connection", "close-me", nil},
		// The DISCONNECT must reach the client before the Engine.IO close
		// packet, in an earlier poll: in one payload, socket.io-client
		// saw "transport close".
		{"close connection over polling", "close-me", []string{"polling"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := newTestServer(t, nil)
			cfg := map[string]any{"steps": []map[string]any{
				{"op": "connect"}, {"op": "emit", "event": tc.event}, {"op": "waitDisconnect"},
			}}
			if tc.transports != nil {
				cfg["transports"] = tc.transports
			}
			steps := nodeClient(t, ts.URL, cfg)
			jsonEq(t, `"io server disconnect"`, steps[2]["reason"])
			ts.waitEvent(t, "disconnect / server namespace disconnect")
		})
	}
	t.Run("client namespace disconnect", func(t *testing.T) {
		ts := newTestServer(t, nil)
		nodeClient(t, ts.URL, map[string]any{"steps": []map[string]any{{"op": "connect"}, {"op": "disconnect"}}})
		ts.waitEvent(t, "disconnect / client namespace disconnect")
	})
	t.Run("heartbeat", func(t *testing.T) {
		ts := newTestServer(t, &engineio.ServerOptions{PingInterval: 100 * time.Millisecond, PingTimeout: 200 * time.Millisecond})
		steps := nodeClient(t, ts.URL, map[string]any{"steps": []map[string]any{
			{"op": "connect"}, {"op": "sleep", "ms": 700}, {"op": "emitMulti", "event": "echo", "args": []any{"alive"}},
		}})
		jsonEq(t, `["alive"]`, steps[2]["ack"])
	})
	t.Run("server shutting down", func(t *testing.T) {
		ts := newTestServer(t, nil)
		ctx := testCtx(t)
		s := dialSocket(t, ctx, ts.URL, "/", nil)
		go func() {
			time.Sleep(300 * time.Millisecond)
			ts.Server.Close()
		}()
		select {
		case <-s.Done():
		case <-time.After(5 * time.Second):
			t.Fatal("client not disconnected by Server.Close")
		}
		ts.waitEvent(t, "disconnect / server shutting down")
	})
}
