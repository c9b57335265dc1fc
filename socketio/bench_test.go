package socketio

import (
	"context"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"rtlab/engineio"
)

func BenchmarkEncodeEvent(b *testing.B) {
	payload := map[string]any{"room": "lobby", "text": "hello everyone", "ts": 1700000000000}
	b.ReportAllocs()
	for b.Loop() {
		p, err := NewEventPacket("/chat", "message", payload)
		if err != nil {
			b.Fatal(err)
		}
		if _, _, err := Encode(p); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeEvent(b *testing.B) {
	msg := []byte(`2/chat,12["message",{"room":"lobby","text":"hello everyone","ts":1700000000000}]`)
	var d Decoder
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		p, err := d.Add(msg, false)
		if err != nil || p == nil {
			b.Fatal(err)
		}
		if _, err := eventOf(p); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeBinaryEvent(b *testing.B) {
	msg := []byte(`51-["upload",{"_placeholder":true,"num":0},{"name":"a.bin"}]`)
	att := make([]byte, 1024)
	var d Decoder
	b.ReportAllocs()
	for b.Loop() {
		if _, err := d.Add(msg, false); err != nil {
			b.Fatal(err)
		}
		p, err := d.Add(att, true)
		if err != nil || p == nil {
			b.Fatal(err)
		}
	}
}

// countingHandler is the lightest possible receiver: it joins "/" and
// counts the messages that follow.
type countingHandler struct {
	joined chan struct{}
	once   sync.Once
	total  *atomic.Int64
}

func (h *countingHandler) OnMessage(data []byte, binary bool) {
	if len(data) > 0 && data[0] == '0' {
		h.once.Do(func() { close(h.joined) })
		return
	}
	h.total.Add(1)
}

func (h *countingHandler) OnClose(string, error) {}

// BenchmarkBroadcast1000 emits one event to 1000 WebSocket connections on
// loopback per operation, and waits until every connection has received
// it. ns/op is the cost of one broadcast delivered 1000 times; the
// deliveries/s metric compares with node's (about 129k/s on 2 cores).
func BenchmarkBroadcast1000(b *testing.B) {
	const n = 1000
	srv := NewServer(nil)
	hs := httptest.NewServer(srv)
	defer func() { srv.Close(); hs.Close() }()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var total atomic.Int64
	conns := make([]*engineio.ClientConn, 0, n)
	defer func() {
		for _, c := range conns {
			c.Drop()
		}
	}()
	for i := 0; i < n; i++ {
		h := &countingHandler{joined: make(chan struct{}), total: &total}
		c, err := engineio.Dial(ctx, hs.URL, &engineio.DialOptions{Path: "/socket.io/"}, h)
		if err != nil {
			b.Fatalf("dial %d: %v", i, err)
		}
		conns = append(conns, c)
		if err := c.Send([]byte("0"), false); err != nil {
			b.Fatal(err)
		}
		select {
		case <-h.joined:
		case <-ctx.Done():
			b.Fatalf("connection %d never joined", i)
		}
	}
	nsp := srv.Of("/")
	payload := map[string]any{"text": "hello everyone", "ts": 1700000000000}
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		if err := nsp.Emit("message", payload); err != nil {
			b.Fatal(err)
		}
		// Keep at most a few broadcasts in flight, like a real chat.
		for total.Load() < int64(i-3)*n && ctx.Err() == nil {
			time.Sleep(50 * time.Microsecond)
		}
	}
	want := int64(b.N) * n
	for total.Load() < want {
		if ctx.Err() != nil {
			b.Fatalf("delivered %d of %d", total.Load(), want)
		}
		time.Sleep(100 * time.Microsecond)
	}
	el := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(want)/el.Seconds(), "deliveries/s")
}
