package loadtest

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"rtlab/engineio"
	"rtlab/internal/rawws/rawwstest"
	"rtlab/socketio"
)

// silentServer accepts Socket.IO clients over WebSocket, advertises a
// 100 ms + 100 ms heartbeat and then never pings: a server every
// socket.io-client cuts off ("ping timeout") after 200 ms.
func silentServer(t *testing.T) string {
	return rawwstest.NewServer(t, func(c *rawwstest.Conn) {
		c.WriteText(`0{"sid":"silent","upgrades":[],"pingInterval":100,"pingTimeout":100,"maxPayload":1000000}`)
		for {
			f, err := c.ReadFrame()
			if err != nil {
				return
			}
			if string(f.Payload) == "40" {
				c.WriteText(`40{"sid":"s1"}`)
			}
		}
	})
}

// TestSilentServerIsAPingTimeout: a load client once waited forever on a
// server that stopped pinging, and the run counted no drop. It now gives
// up after pingInterval+pingTimeout, as socket.io-client does, and the
// drop is counted with its reason.
func TestSilentServerIsAPingTimeout(t *testing.T) {
	url := silentServer(t)
	res := runOK(t, url, &Options{Mode: ModeIdle, Clients: 3, Duration: 1500 * time.Millisecond})
	if res.Disconnects != 3 || res.DisconnectReasons["ping timeout"] != 3 {
		t.Fatalf("disconnects %d %v (%v), want 3 ping timeouts", res.Disconnects, res.DisconnectReasons, res.DisconnectSamples)
	}
	var b strings.Builder
	WriteText(&b, res)
	if !strings.Contains(b.String(), "closed by the server: 3 clients (ping timeout: 3)") {
		t.Errorf("summary does not say why the clients were dropped:\n%s", b.String())
	}
}

// kickServer is a Socket.IO server that closes every connection 300 ms
// after it joined: load clients must count the drop, whatever the
// transport.
func kickServer(t *testing.T) string {
	t.Helper()
	io := socketio.NewServer(&socketio.ServerOptions{Engine: &engineio.ServerOptions{PingInterval: 100 * time.Millisecond}})
	io.Of("/").OnConnect(func(s *socketio.Socket) {
		time.AfterFunc(300*time.Millisecond, func() { s.Disconnect(true) })
	})
	hs := httptest.NewServer(io)
	t.Cleanup(func() {
		io.Close()
		hs.Close()
	})
	return hs.URL
}

func TestServerDropsAreCounted(t *testing.T) {
	for _, tr := range []string{"websocket", "polling"} {
		t.Run(tr, func(t *testing.T) {
			url := kickServer(t)
			res := runOK(t, url, &Options{Mode: ModeIdle, Transport: tr, Clients: 3, Duration: 1500 * time.Millisecond})
			if res.Disconnects != 3 || res.DisconnectReasons["io server disconnect"] != 3 {
				t.Fatalf("disconnects %d %v (%v), want 3 io server disconnect", res.Disconnects, res.DisconnectReasons, res.DisconnectSamples)
			}
		})
	}
}

// TestHeartbeatHoldsPastTheWindow holds idle clients over many heartbeat
// windows of a live server: the deadline the load client sets must move
// with every PING and never cut off a server that pings in time.
func TestHeartbeatHoldsPastTheWindow(t *testing.T) {
	io := socketio.NewServer(&socketio.ServerOptions{Engine: &engineio.ServerOptions{
		PingInterval: 50 * time.Millisecond, PingTimeout: 400 * time.Millisecond}})
	io.Of("/").OnConnect(func(s *socketio.Socket) {
		s.On("echo", func(e *socketio.Event) { e.Ack("ok") })
	})
	hs := httptest.NewServer(io)
	t.Cleanup(func() {
		io.Close()
		hs.Close()
	})
	res := runOK(t, hs.URL, &Options{Mode: ModeEcho, Clients: 2, Duration: 1500 * time.Millisecond})
	if res.Disconnects != 0 || res.Acks == 0 {
		t.Fatalf("disconnects %d %v (%v), acks %d", res.Disconnects, res.DisconnectReasons, res.DisconnectSamples, res.Acks)
	}
}
