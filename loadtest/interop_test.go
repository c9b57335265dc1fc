package loadtest

import (
	"testing"
	"time"

	"rtlab/internal/nodetest"
)

// TestAgainstNodeServer runs each mode, over both transports, against the
// Node.js fixture on the npm socket.io server.
func TestAgainstNodeServer(t *testing.T) {
	nodetest.Require(t)
	p := nodetest.Start(t, "loadtest-server.js", "0", "--lifetime=60000")
	port, err := p.WaitFor("listening", 20*time.Second)
	if err != nil {
		t.Fatalf("node fixture: %v (stderr: %s)", err, p.Stderr())
	}
	url := "http://127.0.0.1:" + port
	for _, tr := range []string{"websocket", "polling"} {
		t.Run(tr, func(t *testing.T) {
			res := runOK(t, url, &Options{Mode: ModeBroadcast, Transport: tr, Clients: 3, Messages: 10, Size: 20})
			if res.Deliveries != 30 || res.Lost != 0 || res.OutOfOrder != 0 || res.ServerAck == nil || res.ServerAck.Sent != 10 {
				t.Errorf("broadcast: %d delivered, %d lost, %d out of order, ack %+v", res.Deliveries, res.Lost, res.OutOfOrder, res.ServerAck)
			}
			res = runOK(t, url, &Options{Mode: ModeEcho, Transport: tr, Clients: 2, Duration: 300 * time.Millisecond})
			if res.Acks == 0 {
				t.Error("echo: no acks")
			}
			runOK(t, url, &Options{Mode: ModeIdle, Transport: tr, Clients: 3, Duration: 100 * time.Millisecond})
		})
	}
}
