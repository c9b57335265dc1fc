package engineio

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestShutdownEndsWebSocketStream: after a graceful Conn.Close and
// Server.Close (socketio.Server.Close's order) a client that
// answers the close frame but waits for the server to end the TCP
// connection, as browsers do before they fire onclose, sees the end of
// the stream at once. Before, nothing read its close frame after the
// poller stopped and the connection stayed open for wsCloseWait (5 s).
func TestShutdownEndsWebSocketStream(t *testing.T) {
	conns := make(chan *Conn, 1)
	srv := NewServer(&ServerOptions{PingInterval: 5 * time.Second, PingTimeout: 5 * time.Second,
		OnConnection: func(c *Conn) { conns <- c }})
	hs := httptest.NewServer(srv)
	defer hs.Close()
	nc, err := net.Dial("tcp", strings.TrimPrefix(hs.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	fmt.Fprint(nc, "GET /?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"+
		"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
	br := bufio.NewReader(nc)
	res, err := http.ReadResponse(br, nil)
	if err != nil || res.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("upgrade: %v %v", res, err)
	}
	readFrame := func() (op byte, payload []byte) {
		t.Helper()
		var hdr [2]byte
		if _, err := io.ReadFull(br, hdr[:]); err != nil {
			t.Fatalf("reading a frame: %v", err)
		}
		n := int(hdr[1] & 0x7f)
		if n == 126 {
			var ext [2]byte
			io.ReadFull(br, ext[:])
			n = int(ext[0])<<8 | int(ext[1])
		}
		payload = make([]byte, n)
		io.ReadFull(br, payload)
		return hdr[0] & 0x0f, payload
	}
	if op, p := readFrame(); op != 1 || p[0] != '0' {
		t.Fatalf("want the open packet, got op %d %q", op, p)
	}
	// As socketio.Server.Close does: each session closed gracefully, then
	// the Engine.IO server.
	c := <-conns
	go func() {
		c.Close()
		srv.Close()
	}()
	nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		op, _ := readFrame()
		if op == 8 {
			break
		}
	}
	// Our close frame, masked with a zero key, then wait for the server.
	nc.Write([]byte{0x88, 0x82, 0, 0, 0, 0, 0x03, 0xe8})
	start := time.Now()
	_, err = br.ReadByte()
	if err == nil {
		t.Fatal("data after the close frame")
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("the server ended the stream %v after its close frame, want at once (%v)", d.Round(time.Millisecond), err)
	}
}
