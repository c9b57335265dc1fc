package loadtest

import (
	"context"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"rtlab/reference"
)

// startFixture serves the loadtest reference in this process.
func startFixture(t *testing.T) string {
	t.Helper()
	r, err := reference.Start("loadtest", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r.URL
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
	// The server runs in this process: its CPU is this process's.
	res := runOK(t, url, &Options{Mode: ModeEcho, Clients: 3, Duration: 300 * time.Millisecond, PID: os.Getpid()})
	if res.Acks == 0 || res.AcksPerSec <= 0 || res.Latency == nil || res.Latency.Count != res.Acks {
		t.Errorf("acks %d (%f/s), latency %+v", res.Acks, res.AcksPerSec, res.Latency)
	}
	if runtime.GOOS != "linux" {
		return
	}
	if res.Tool.RunCPUSeconds <= 0 || res.Tool.CPUPerOpUS <= 0 {
		t.Errorf("load tool CPU %v s, %v µs per ack; want both > 0", res.Tool.RunCPUSeconds, res.Tool.CPUPerOpUS)
	}
	// /proc counts in 10 ms ticks: the server's share may round to 0
	// over 300 ms, never exceed the whole process's.
	if s := res.Server; s == nil || s.CPUSeconds > res.Tool.CPUSeconds+0.02 || s.RSSPeakKB < s.RSSBeforeKB {
		t.Errorf("server cost %+v; want CPU within the process's %v s and peak RSS at least the start's", s, res.Tool.CPUSeconds)
	}
}

func TestIdle(t *testing.T) {
	url := startFixture(t)
	res := runOK(t, url, &Options{Mode: ModeIdle, Clients: 4, Duration: 100 * time.Millisecond})
	if res.Connect.Count != 4 || res.Disconnects != 0 {
		t.Errorf("connect %+v, disconnects %d", res.Connect, res.Disconnects)
	}
}

func TestPollingTransport(t *testing.T) {
	url := startFixture(t)
	res := runOK(t, url, &Options{Mode: ModeBroadcast, Transport: "polling", Clients: 2, Messages: 5, Size: 3})
	if res.Deliveries != 10 || res.Lost != 0 {
		t.Errorf("deliveries %d lost %d, want 10, 0", res.Deliveries, res.Lost)
	}
	res = runOK(t, url, &Options{Mode: ModeEcho, Transport: "polling", Clients: 2, Duration: 300 * time.Millisecond})
	if res.Acks == 0 {
		t.Error("no acks over polling")
	}
}

func TestBadOptions(t *testing.T) {
	for _, o := range []*Options{{Mode: "storm"}, {Transport: "carrier-pigeon"}, {Clients: -1}} {
		if _, err := Run(context.Background(), "http://127.0.0.1:1", o); err == nil {
			t.Errorf("%+v: no error", o)
		}
	}
	if _, err := Run(context.Background(), "https://example.com", nil); err == nil {
		t.Error("https accepted")
	}
}

func TestComparisonTargets(t *testing.T) {
	c := &Comparison{Servers: []string{"ours", "theirs"}, Scenarios: []ScenarioInfo{{Name: "broadcast", Mode: ModeBroadcast}, {Name: "idle", Mode: ModeIdle}}}
	add := func(srv, sc string, r *Result) { c.Runs = append(c.Runs, Run1{Server: srv, Scenario: sc, Result: r}) }
	for _, v := range []float64{300, 100, 200} {
		add("ours", "broadcast", &Result{Deliveries: 1, Expected: 1, DeliveriesPerSec: v * 1000})
		add("theirs", "broadcast", &Result{Deliveries: 1, Expected: 1, DeliveriesPerSec: 100_000})
	}
	add("ours", "idle", &Result{Connected: 10, Server: &ServerCost{RSSPerConnKB: 8}})
	add("theirs", "idle", &Result{Connected: 10, Server: &ServerCost{RSSPerConnKB: 14}})
	c.summarise()
	find := func(metric string) Row {
		for _, r := range c.Rows {
			if r.Metric == metric {
				return r
			}
		}
		t.Fatalf("no row %q", metric)
		return Row{}
	}
	r := find("deliveries per second")
	if r.Stats[0].Median != 200_000 || r.Stats[0].Min != 100_000 || r.Stats[0].Max != 300_000 || r.Ratio != 2 || !r.Met {
		t.Errorf("broadcast row %+v", r)
	}
	if r := find("server RSS per connection, settled"); r.Met || r.Target != "≤ 5 KB (ours)" {
		t.Errorf("idle row %+v: 8 KB must miss ≤ 5 KB", r)
	}
	var sb strings.Builder
	WriteComparisonText(&sb, c)
	if !strings.Contains(sb.String(), "**not met**") || !strings.Contains(sb.String(), "| 2.00 | ≥ 2 | met |") {
		t.Errorf("table:\n%s", sb.String())
	}
}
