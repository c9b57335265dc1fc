package engineio

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rtlab/internal/nodetest"
)

// nodeServer starts testdata/node/eio-server.js with opts and returns its
// base URL.
func nodeServer(t *testing.T, opts map[string]any) (*nodetest.Process, string) {
	t.Helper()
	b, _ := json.Marshal(opts)
	p := nodetest.Start(t, "eio-server.js", "0", string(b))
	port, err := p.WaitFor("listening", 20*time.Second)
	require.NoError(t, err)
	return p, "http://127.0.0.1:" + port
}

// nodeSaid waits for the node server's line "<what> <id> <rest>" and
// returns rest.
func nodeSaid(t *testing.T, p *nodetest.Process, what, id string) string {
	t.Helper()
	rest, err := p.WaitFor(what+" "+id, 10*time.Second)
	require.NoError(t, err)
	return strings.TrimSpace(rest)
}

func TestGoClientNodeServer(t *testing.T) {
	p, base := nodeServer(t, map[string]any{"pingInterval": 100, "pingTimeout": 500, "lifetime": 120000})
	for _, mode := range transportModes {
		t.Run(mode.name, func(t *testing.T) {
			rec := newRecorder()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			c, err := Dial(ctx, base, &DialOptions{Transport: mode.transport, Upgrade: mode.upgrade}, rec)
			require.NoError(t, err)
			defer c.Drop()
			assert.Equal(t, mode.transport, nodeSaid(t, p, "connection", c.ID()))
			assert.Equal(t, Handshake{SID: c.ID(), Upgrades: c.Handshake().Upgrades, PingInterval: 100, PingTimeout: 500, MaxPayload: 1000000}, c.Handshake())
			if mode.upgrade {
				assert.Equal(t, "websocket", nodeSaid(t, p, "upgrade", c.ID()))
			}
			assert.Equal(t, mode.final, c.Transport())

			require.NoError(t, c.Send([]byte("héllo"), false))
			require.NoError(t, c.Send([]byte{0, 1, 2, 0xff}, true))
			msgs := rec.waitMessages(t, 2)
			assertSamePacket(t, Packet{Type: MessagePacket, Data: []byte("héllo")}, msgs[0])
			assertSamePacket(t, Packet{Type: MessagePacket, Data: []byte{0, 1, 2, 0xff}, Binary: true}, msgs[1])
			assert.Equal(t, "text 5", nodeSaid(t, p, "message", c.ID()))
			assert.Equal(t, "binary 4", nodeSaid(t, p, "message", c.ID()))

			requireAliveAfter(t, c.Done(), 700*time.Millisecond) // several ping intervals
			require.NoError(t, c.Close())
			reason, _ := rec.waitClose(t)
			assert.Equal(t, ReasonForcedClose, reason)
			// engine.io ignores a close packet on WebSocket and waits for the
			// close frame; a ping it writes in between fails on the closing
			// socket and makes it a transport error (a race of the JS server).
			assert.Contains(t, []string{ReasonTransportClose, ReasonTransportError}, nodeSaid(t, p, "close", c.ID()))
		})
	}
}

func TestGoClientNodeServerCloseReasons(t *testing.T) {
	p, base := nodeServer(t, map[string]any{"pingInterval": 100, "pingTimeout": 200, "lifetime": 120000})
	cases := []struct {
		name       string
		act        func(c *ClientConn)
		nodeReason string
		ourReason  string
	}{
		{"server closes", func(c *ClientConn) { c.Send([]byte("close-me"), false) }, ReasonForcedClose, ReasonTransportClose},
		{"client ignores pings", func(c *ClientConn) { c.SetIgnorePings(true) }, ReasonPingTimeout, ReasonTransportClose},
		{"client pings", func(c *ClientConn) { c.SendPacket(Packet{Type: Ping}) }, ReasonTransportError, ReasonTransportClose},
		{"client sends garbage", func(c *ClientConn) { c.SendRaw([]byte("zz"), false) }, ReasonParseError, ReasonTransportClose},
		{"client drops", func(c *ClientConn) { c.Drop() }, "", ReasonForcedClose},
	}
	for _, tc := range cases {
		for _, tr := range []string{"websocket", "polling"} {
			t.Run(tc.name+"/"+tr, func(t *testing.T) {
				rec := newRecorder()
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				c, err := Dial(ctx, base, &DialOptions{Transport: tr}, rec)
				require.NoError(t, err)
				defer c.Drop()
				nodeSaid(t, p, "connection", c.ID())
				if tr == "polling" {
					time.Sleep(50 * time.Millisecond) // let the first GET reach the server
				}
				tc.act(c)
				want := tc.nodeReason
				if want == "" { // a dropped poll is an error to engine.io, a dropped socket a close
					want = map[string]string{"websocket": ReasonTransportClose, "polling": ReasonTransportError}[tr]
				}
				assert.Equal(t, want, nodeSaid(t, p, "close", c.ID()))
				reason, _ := rec.waitClose(t)
				assert.Equal(t, tc.ourReason, reason)
			})
		}
	}
}

// echoServer is our Server on loopback, mounted at /engine.io/, echoing
// every message; "close-me" closes the session. Close reasons go to reasons.
func echoServer(t *testing.T, opts *ServerOptions) (string, chan string) {
	t.Helper()
	reasons := make(chan string, 100)
	opts.OnConnection = func(c *Conn) {
		c.SetHandler(&echoHandler{c: c, reasons: reasons})
	}
	s := NewServer(opts)
	mux := http.NewServeMux()
	mux.Handle("/engine.io/", s)
	return serveLoopback(t, s, mux), reasons
}

type echoHandler struct {
	c       *Conn
	reasons chan string
}

func (h *echoHandler) OnMessage(data []byte, binary bool) {
	if !binary && string(data) == "close-me" {
		h.c.Close()
		return
	}
	h.c.SendMessage(data, binary)
}

func (h *echoHandler) OnClose(reason string, err error) { h.reasons <- reason }

// runNodeClient runs eio-client.js and returns its JSON lines by tag.
func runNodeClient(t *testing.T, url string, cfg map[string]any) map[string]map[string]any {
	t.Helper()
	b, _ := json.Marshal(cfg)
	p := nodetest.Start(t, "eio-client.js", url, string(b))
	out := map[string]map[string]any{}
	echoes := 0
	for {
		line, err := p.Line(20 * time.Second)
		require.NoError(t, err)
		if strings.HasPrefix(line, "fail") {
			t.Fatalf("node client: %s\nlines so far: %v", line, out)
		}
		if line == "done" {
			break
		}
		tag, rest, _ := strings.Cut(line, " ")
		var v map[string]any
		require.NoError(t, json.Unmarshal([]byte(rest), &v), line)
		if tag == "echo" {
			echoes++
			tag = fmt.Sprintf("echo%d", echoes)
		}
		out[tag] = v
	}
	select {
	case <-p.Done():
		require.Equal(t, 0, p.ExitCode())
	case <-time.After(10 * time.Second):
		if cfg["end"] != "none" {
			t.Fatal("node client did not exit")
		}
	}
	return out
}

func TestNodeClientGoServer(t *testing.T) {
	url, reasons := echoServer(t, &ServerOptions{PingInterval: 100 * time.Millisecond, PingTimeout: 500 * time.Millisecond})
	msgs := []map[string]string{{"text": "hello"}, {"binary": "AAEC/w=="}, {"text": "ünïcode ✓"}}
	for _, tc := range []struct {
		name       string
		cfg        map[string]any
		transport  string
		clientSays string
		serverSays string
	}{
		{"websocket", map[string]any{"transports": []string{"websocket"}}, "websocket", "forced close", ReasonTransportClose},
		{"polling", map[string]any{"transports": []string{"polling"}}, "polling", "forced close", ReasonTransportClose},
		{"upgrade", map[string]any{"waitUpgrade": true}, "websocket", "forced close", ReasonTransportClose},
		{"server closes websocket", map[string]any{"transports": []string{"websocket"}, "end": "server"}, "websocket", "transport close", ReasonForcedClose},
		{"server closes polling", map[string]any{"transports": []string{"polling"}, "end": "server"}, "polling", "transport close", ReasonForcedClose},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg["messages"] = msgs
			tc.cfg["pings"] = 4
			out := runNodeClient(t, url, tc.cfg)
			for i := 1; i <= 3; i++ {
				assert.Equal(t, true, out[fmt.Sprintf("echo%d", i)]["ok"], "%v", out)
			}
			assert.Equal(t, tc.transport, out["pings"]["transport"])
			assert.Equal(t, tc.clientSays, out["closed"]["reason"])
			select {
			case r := <-reasons:
				assert.Equal(t, tc.serverSays, r)
			case <-time.After(10 * time.Second):
				t.Fatal("server session did not close")
			}
		})
	}
}

// TestNodeClientServerPingTimeout: a node client that stops answering
// pings is closed by our server with "ping timeout", and the client sees a
// "transport close", on either transport.
func TestNodeClientServerPingTimeout(t *testing.T) {
	url, reasons := echoServer(t, &ServerOptions{PingInterval: 100 * time.Millisecond, PingTimeout: 200 * time.Millisecond})
	for _, tr := range []string{"websocket", "polling"} {
		t.Run(tr, func(t *testing.T) {
			out := runNodeClient(t, url, map[string]any{"transports": []string{tr}, "ignorePings": true})
			assert.Equal(t, "transport close", out["closed"]["reason"])
			select {
			case r := <-reasons:
				assert.Equal(t, ReasonPingTimeout, r)
			case <-time.After(10 * time.Second):
				t.Fatal("no ping timeout")
			}
		})
	}
}

// TestErrorAnswersMatchNode sends the same bad requests to the npm server
// and ours and compares status, content type and body.
func TestErrorAnswersMatchNode(t *testing.T) {
	cors := map[string]any{"origin": []string{"http://a.example", "http://b.example"}, "credentials": true}
	_, nodeURL := nodeServer(t, map[string]any{"cors": cors, "maxHttpBufferSize": 100})
	ourURL, _ := echoServer(t, &ServerOptions{MaxPayload: 100, CORS: &CORSOptions{Origins: []string{"http://a.example", "http://b.example"}, Credentials: true}})
	type req struct {
		name, method, query string
		hdr                 map[string]string
	}
	origin := map[string]string{"Origin": "http://b.example"}
	upgradeHdr := map[string]string{"Origin": "http://b.example", "Connection": "Upgrade", "Upgrade": "websocket",
		"Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}
	reqs := []req{
		{"unknown transport", "GET", "EIO=4&transport=foo", origin},
		{"unknown sid", "GET", "EIO=4&transport=polling&sid=abc", origin},
		{"bad method", "PUT", "EIO=4&transport=polling", nil},
		{"websocket without upgrade", "GET", "EIO=4&transport=websocket", nil},
		{"EIO 3", "GET", "EIO=3&transport=polling", origin},
		{"preflight", "OPTIONS", "EIO=4&transport=polling", map[string]string{"Origin": "http://a.example", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "x-y"}},
		{"upgrade, unknown transport", "GET", "EIO=4&transport=foo", upgradeHdr},
		{"upgrade, unknown sid", "GET", "EIO=4&transport=websocket&sid=abc", upgradeHdr},
		// Not compared: an upgrade with EIO=3, which engine.io 6.6 accepts
		// (101) and then answers with a raw HTTP 400 inside the WebSocket
		// stream; ours answers a plain 400.
		{"preflight other origin", "OPTIONS", "EIO=4&transport=polling", map[string]string{"Origin": "http://evil.example"}},
	}
	headers := []string{"Content-Type", "Access-Control-Allow-Origin", "Access-Control-Allow-Credentials", "Access-Control-Allow-Methods", "Access-Control-Allow-Headers", "Vary"}
	for _, r := range reqs {
		t.Run(r.name, func(t *testing.T) {
			want := do(t, r.method, nodeURL+"/engine.io/?"+r.query, "", r.hdr)
			got := do(t, r.method, ourURL+"/engine.io/?"+r.query, "", r.hdr)
			assert.Equal(t, want.status, got.status)
			assert.Equal(t, want.body, got.body)
			for _, h := range headers {
				assert.Equal(t, want.header.Get(h), got.header.Get(h), h)
			}
		})
	}
	t.Run("handshake and post", func(t *testing.T) {
		for _, base := range []string{nodeURL, ourURL} {
			a := do(t, "GET", base+"/engine.io/?EIO=4&transport=polling", "", origin)
			assert.Equal(t, "text/plain; charset=UTF-8", a.header.Get("Content-Type"), base)
			assert.Equal(t, "http://b.example", a.header.Get("Access-Control-Allow-Origin"), base)
			var hs Handshake
			require.NoError(t, json.Unmarshal([]byte(a.body[1:]), &hs))
			url := base + "/engine.io/?EIO=4&transport=polling&sid=" + hs.SID
			big := do(t, "POST", url, "4"+strings.Repeat("x", 100), nil)
			assert.Equal(t, 413, big.status, base)
			ok := do(t, "POST", url, "4hi", nil)
			assert.Equal(t, 200, ok.status, base)
			assert.Equal(t, "ok", ok.body, base)
			assert.Equal(t, "text/html", ok.header.Get("Content-Type"), base)
		}
	})
}
