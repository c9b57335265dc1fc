package reference

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestHeartbeatOptionsReachEveryServer opens an Engine.IO session on every
// reference server that has one and reads the heartbeat its open packet
// advertises: Options.PingInterval and PingTimeout must reach them all
// (rtlab serve --ping-interval, the soak's short heartbeats), and the zero
// Options must keep socket.io's 25 s / 20 s.
func TestHeartbeatOptionsReachEveryServer(t *testing.T) {
	withSIO := 0
	for _, ex := range All() {
		t.Run(ex.ID, func(t *testing.T) {
			got, ok := openHeartbeat(t, ex, &Options{PingInterval: 1234 * time.Millisecond, PingTimeout: 567 * time.Millisecond})
			if !ok {
				return // no Socket.IO here (raw WebSocket, SSE, polling exercises)
			}
			withSIO++
			if got != [2]int{1234, 567} {
				t.Errorf("open packet advertises pingInterval %d, pingTimeout %d; want 1234, 567 from Options", got[0], got[1])
			}
			def, _ := openHeartbeat(t, ex, nil)
			want := [2]int{25000, 20000}
			if ex.ID == "conformance" {
				want = [2]int{300, 200}
			}
			if def != want {
				t.Errorf("default heartbeat %v, want %v", def, want)
			}
		})
	}
	if withSIO < 20 {
		t.Errorf("only %d reference servers answered an Engine.IO handshake", withSIO)
	}
}

// openHeartbeat makes ex's server with opts, asks /socket.io/ for a polling
// handshake and returns the advertised pingInterval and pingTimeout; false
// when the server has no Socket.IO endpoint.
func openHeartbeat(t *testing.T, ex *Exercise, opts *Options) ([2]int, bool) {
	t.Helper()
	srv, err := ex.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	defer func() {
		srv.Close()
		hs.Close()
	}()
	c := &http.Client{Timeout: 10 * time.Second}
	res, err := c.Get(hs.URL + "/socket.io/?EIO=4&transport=polling")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(string(body), "0{") {
		return [2]int{}, false
	}
	var open struct{ PingInterval, PingTimeout int }
	if err := json.Unmarshal(body[1:], &open); err != nil {
		t.Fatalf("open packet %q: %v", body, err)
	}
	return [2]int{open.PingInterval, open.PingTimeout}, true
}
