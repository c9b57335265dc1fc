package loadtest

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"rtlab/reference"
)

// startFixture serves the loadtest reference in this process.
func startFixture(t *testing.T) string {
	t.Helper()
	ex, ok := reference.Lookup("loadtest")
	if !ok {
		t.Fatal("no loadtest reference")
	}
	srv, err := ex.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		srv.Close()
		hs.Close()
	})
	return hs.URL
}

func runOK(t *testing.T, url string, o *Options) *Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := Run(ctx, url, o)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if res.Failures > 0 || res.Connected != o.Clients {
		t.Fatalf("connected %d of %d, failures %v", res.Connected, o.Clients, res.FailureSamples)
	}
	return res
}

func TestBroadcast(t *testing.T) {
	url := startFixture(t)
	res := runOK(t, url, &Options{Mode: ModeBroadcast, Clients: 5, Messages: 20, Size: 10})
	if res.Deliveries != 100 || res.Lost != 0 || res.OutOfOrder != 0 {
		t.Errorf("deliveries %d lost %d out of order %d, want 100, 0, 0", res.Deliveries, res.Lost, res.OutOfOrder)
	}
	if res.ServerAck == nil || res.ServerAck.Sent != 20 {
		t.Errorf("server ack %+v, want sent 20", res.ServerAck)
	}
	if res.Latency == nil || res.Latency.Count != 100 || res.DeliveriesPerSec <= 0 {
		t.Errorf("latency %+v, %f deliveries/s", res.Latency, res.DeliveriesPerSec)
	}
}

func TestEcho(t *testing.T) {
	url := startFixture(t)
	res := runOK(t, url, &Options{Mode: ModeEcho, Clients: 3, Duration: 300 * time.Millisecond})
	if res.Acks == 0 || res.AcksPerSec <= 0 || res.Latency == nil || res.Latency.Count != res.Acks {
		t.Errorf("acks %d (%f/s), latency %+v", res.Acks, res.AcksPerSec, res.Latency)
	}
}

func TestIdle(t *testing.T) {
	url := startFixture(t)
	res := runOK(t, url, &Options{Mode: ModeIdle, Clients: 4, Duration: 100 * time.Millisecond})
	if res.Connect.Count != 4 || res.Disconnects != 0 {
		t.Errorf("connect %+v, disconnects %d", res.Connect, res.Disconnects)
	}
}
