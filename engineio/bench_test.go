package engineio

import (
	"context"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
)

var benchText = []byte(`2["chat",{"from":"alice","text":"hello, world","ts":1700000000000}]`)

func BenchmarkAppendPacket(b *testing.B) {
	p := Packet{Type: MessagePacket, Data: benchText}
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendPacket(buf[:0], p)
	}
}

func BenchmarkParsePacket(b *testing.B) {
	frame := AppendPacket(nil, Packet{Type: MessagePacket, Data: benchText})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParsePacket(frame, false); err != nil {
			b.Fatal(err)
		}
	}
}

func benchPackets() []Packet {
	pkts := make([]Packet, 0, 10)
	for i := 0; i < 8; i++ {
		pkts = append(pkts, Packet{Type: MessagePacket, Data: benchText})
	}
	return append(pkts, Packet{Type: MessagePacket, Data: make([]byte, 64), Binary: true}, Packet{Type: Ping})
}

func BenchmarkAppendPayload(b *testing.B) {
	pkts := benchPackets()
	buf := make([]byte, 0, 2048)
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendPayload(buf[:0], pkts)
	}
	b.SetBytes(int64(len(buf)))
}

func BenchmarkParsePayload(b *testing.B) {
	body := AppendPayload(nil, benchPackets())
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParsePayload(body); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBroadcast1000 sends one Message to 1000 WebSocket sessions of an
// in-process server; an op is one broadcast, done when every client has
// read it. It also reports the heap per connection (server and client
// sides together, both in this process).
func BenchmarkBroadcast1000(b *testing.B) {
	const n = 1000
	var mu sync.Mutex
	var conns []*Conn
	srv := NewServer(&ServerOptions{PingInterval: time.Hour, PingTimeout: time.Hour, OnConnection: func(c *Conn) {
		mu.Lock()
		conns = append(conns, c)
		mu.Unlock()
	}})
	hs := httptest.NewServer(srv)
	defer hs.Close()
	defer srv.Close()
	url := "ws" + strings.TrimPrefix(hs.URL, "http") + "/?EIO=4&transport=websocket"

	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)

	var received atomic.Int64
	round := make(chan struct{}, 1)
	var readers sync.WaitGroup
	clients := make([]*websocket.Conn, 0, n)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for i := 0; i < n; i++ {
		ws, _, err := websocket.Dial(ctx, url, nil)
		if err != nil {
			b.Fatal(err)
		}
		if _, _, err := ws.Read(ctx); err != nil { // open packet
			b.Fatal(err)
		}
		clients = append(clients, ws)
		readers.Add(1)
		go func() {
			defer readers.Done()
			for {
				if _, _, err := ws.Read(context.Background()); err != nil {
					return
				}
				if received.Add(1)%n == 0 {
					round <- struct{}{}
				}
			}
		}()
	}
	defer func() {
		for _, ws := range clients {
			ws.CloseNow()
		}
		readers.Wait()
	}()
	for srv.Count() < n {
		time.Sleep(time.Millisecond)
	}
	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	heapPerConn := float64(after.HeapAlloc-before.HeapAlloc) / n

	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		m := NewMessage(benchText, false)
		for _, c := range conns {
			c.Send(m)
		}
		select {
		case <-round:
		case <-ctx.Done():
			b.Fatal("broadcast not delivered")
		}
	}
	b.ReportMetric(heapPerConn, "heapB/conn-pair")
}
