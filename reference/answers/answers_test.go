package answers

import (
	"context"
	"flag"
	"os"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"rtlab/internal/rawws"
	"rtlab/reference"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var update = flag.Bool("update", false, "rewrite q07_transports_compared.md's table from reports/bench/latest/results.json")

const resultsPath = "../../reports/bench/latest/results.json"

// TestQ7TableIsCurrent: the table in q07_transports_compared.md is exactly what the bench's
// latest results render to.
func TestQ7TableIsCurrent(t *testing.T) {
	res, err := os.ReadFile(resultsPath)
	if err != nil {
		t.Skipf("no bench results (%v): run make bench", err)
	}
	table, err := Q7Table(res)
	if err != nil {
		t.Fatal(err)
	}
	md, err := os.ReadFile("q07_transports_compared.md")
	if err != nil {
		t.Fatal(err)
	}
	want, err := Splice(string(md), table)
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile("q07_transports_compared.md", []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if want != string(md) {
		t.Fatal("q07_transports_compared.md's table differs from reports/bench/latest/results.json: run go test ./reference/answers -run Q7 -update")
	}
}

func TestQ7TableFromFigures(t *testing.T) {
	res := []byte(`{"started":"2026-11-01T10:00:00Z","host":{"cpus":2},"config":{"users":10,"interval_seconds":1,"payload_bytes":8},"transports":[
	{"name":"short-polling","status":"ok","per_minute":{"app_bytes":1234567.4,"wire_bytes":2000000,"requests":600},"latency":{"kind":"staleness","p50_ms":500,"p95_ms":950}},
	{"name":"long-polling","status":"ok","per_minute":{"app_bytes":1,"wire_bytes":1,"requests":600},"latency":{"kind":"delivery","p50_ms":0.171,"p95_ms":0.8}},
	{"name":"sse","status":"ok","per_minute":{"app_bytes":1,"wire_bytes":1},"latency":{"kind":"delivery"}},
	{"name":"websocket","status":"ok","per_minute":{"app_bytes":6000,"wire_bytes":60000},"latency":{"kind":"delivery"}},
	{"name":"socketio-websocket","status":"ok","per_minute":{"app_bytes":1,"wire_bytes":1},"latency":{"kind":"delivery"}}]}`)
	table, err := Q7Table(res)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| Short polling | client pulls | 600 | 1,234,567 | 2,000,000 | 3,333 | 500 ms / 950 ms (staleness) |",
		"0.17 ms / 0.8 ms (delivery)", "×206 what WebSocket costs in application bytes and ×33.3 on the wire"} {
		if !strings.Contains(table, want) {
			t.Errorf("no %q in:\n%s", want, table)
		}
	}
	if _, err := Q7Table([]byte(`{"config":{"users":1,"interval_seconds":1},"transports":[]}`)); err == nil {
		t.Error("missing transports did not fail")
	}
}

// TestQ13PlainWebSocketCannotTalk checks what q13_socketio_wire.md says about a plain
// WebSocket client and a Socket.IO server, against the Q17 reference.
func TestQ13PlainWebSocketCannotTalk(t *testing.T) {
	ts, err := reference.Start("q17", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ts.Close()
	ws := "ws" + strings.TrimPrefix(ts.URL, "http")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	// 1. new WebSocket("ws://host/"): no WebSocket there.
	c, err := rawws.Dial(ctx, ws+"/", rawws.NewHandshake())
	if err != nil {
		t.Fatal(err)
	}
	if c.Response.StatusCode == 101 {
		t.Error("a plain WebSocket at / was accepted")
	}
	c.Close()

	// 2. At the Engine.IO URL the first frame is an Engine.IO OPEN packet,
	// and a plain text message is not a packet: the server closes.
	c, err = rawws.Dial(ctx, ws+"/socket.io/?EIO=4&transport=websocket", rawws.NewHandshake())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.Response.StatusCode != 101 {
		t.Fatalf("status %d at the Engine.IO URL", c.Response.StatusCode)
	}
	c.SetDeadline(time.Now().Add(5 * time.Second))
	f, err := c.ReadFrame()
	if err != nil || !strings.HasPrefix(string(f.Payload), `0{"sid":`) {
		t.Fatalf("first frame %q, %v; want an Engine.IO OPEN packet", f.Payload, err)
	}
	if err := c.WriteFrame(rawws.Frame{Fin: true, Opcode: rawws.OpText, Masked: true, Payload: []byte(`{"type":"chat","text":"hi"}`)}); err != nil {
		t.Fatal(err)
	}
	for {
		f, err := c.ReadFrame()
		if err != nil || f.Opcode == rawws.OpClose {
			break // closed: what q13_socketio_wire.md says
		}
		if strings.HasPrefix(string(f.Payload), "42") {
			t.Fatalf("the server answered a plain message with an event: %q", f.Payload)
		}
	}
}
