package engineio

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/coder/websocket"

	"rtlab/internal/wire"
)

// Dial opens an Engine.IO session at rawURL (http://, https://, ws:// or
// wss://; EIO=4 is added to the query) and returns once the handshake is
// done. h receives the session's messages and its close.
func Dial(ctx context.Context, rawURL string, opts *DialOptions, h Handler) (*ClientConn, error) {
	c := &ClientConn{h: h, done: make(chan struct{})}
	if opts != nil {
		c.opts = *opts
	}
	if c.h == nil {
		c.h = nopHandler{}
	}
	o := &c.opts
	if o.Path == "" {
		o.Path = "/engine.io/"
	}
	if o.Transport == "" {
		o.Transport = "websocket"
	}
	if o.Transport != "websocket" && o.Transport != "polling" {
		return nil, fmt.Errorf("engineio: unknown transport %q (want websocket or polling)", o.Transport)
	}
	if o.HandshakeTimeout <= 0 {
		o.HandshakeTimeout = 10 * time.Second
	}
	c.counter = o.Counter
	if c.counter == nil {
		c.counter = new(wire.Counter)
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("engineio: bad URL %q: %w", rawURL, err)
	}
	switch u.Scheme {
	case "http", "https":
	case "ws":
		u.Scheme = "http"
	case "wss":
		u.Scheme = "https"
	default:
		return nil, fmt.Errorf("engineio: bad URL %q: scheme must be http, https, ws or wss", rawURL)
	}
	u.Path = o.Path
	q := url.Values{}
	for k, v := range o.Query {
		q[k] = slices.Clone(v)
	}
	q.Set("EIO", "4")
	u.RawQuery = q.Encode()
	c.base = u

	c.tr = &http.Transport{
		DialContext:         wire.Dialer(nil, c.counter),
		TLSClientConfig:     o.TLSConfig,
		MaxIdleConnsPerHost: 4,
		IdleConnTimeout:     30 * time.Second,
	}
	c.hc = &http.Client{Transport: c.tr}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	c.transport = o.Transport

	hctx, hcancel := context.WithTimeout(ctx, o.HandshakeTimeout)
	defer hcancel()
	if o.Transport == "websocket" {
		err = c.openWebSocket(hctx)
	} else {
		err = c.openPolling(hctx)
	}
	if err != nil {
		c.cancel()
		c.tr.CloseIdleConnections()
		return nil, err
	}
	c.startHeartbeat()
	go c.run()
	return c, nil
}

// urlFor returns the endpoint URL for transport, with the sid once known.
func (c *ClientConn) urlFor(transport string) string {
	u := *c.base
	q := u.Query()
	q.Set("transport", transport)
	if c.hs.SID != "" {
		q.Set("sid", c.hs.SID)
	}
	u.RawQuery = q.Encode()
	if transport == "websocket" {
		u.Scheme = strings.Replace(u.Scheme, "http", "ws", 1)
	}
	return u.String()
}

func (c *ClientConn) dialWebSocket(ctx context.Context) (*websocket.Conn, error) {
	ws, res, err := websocket.Dial(ctx, c.urlFor("websocket"), &websocket.DialOptions{
		HTTPClient: c.hc,
		HTTPHeader: c.opts.Header,
	})
	if err != nil {
		if res != nil && res.StatusCode != http.StatusSwitchingProtocols {
			body, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
			return nil, newHTTPError(res.StatusCode, body)
		}
		return nil, fmt.Errorf("engineio: websocket handshake: %w", err)
	}
	ws.SetReadLimit(64 << 20)
	return ws, nil
}

func newHTTPError(status int, body []byte) *HTTPError {
	e := &HTTPError{Status: status, Code: -1, Message: strings.TrimSpace(string(body))}
	var j struct {
		Code    *int   `json:"code"`
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &j) == nil && j.Code != nil {
		e.Code, e.Message = *j.Code, j.Message
	}
	return e
}

func (c *ClientConn) openWebSocket(ctx context.Context) error {
	ws, err := c.dialWebSocket(ctx)
	if err != nil {
		return err
	}
	typ, data, err := ws.Read(ctx)
	if err != nil {
		ws.CloseNow()
		return fmt.Errorf("engineio: waiting for the open packet: %w", err)
	}
	p, err := ParsePacket(data, typ == websocket.MessageBinary)
	c.observe(In, "websocket", data, typ == websocket.MessageBinary, p)
	if err == nil {
		err = c.parseOpen(p)
	}
	if err != nil {
		ws.CloseNow()
		return err
	}
	c.ws = ws
	return nil
}

func (c *ClientConn) parseOpen(p Packet) error {
	if p.Type != Open {
		return fmt.Errorf("engineio: first packet is %s, want open", p.Type)
	}
	if err := json.Unmarshal(p.Data, &c.hs); err != nil {
		return fmt.Errorf("engineio: open packet: %w", err)
	}
	if c.hs.SID == "" || c.hs.PingInterval <= 0 || c.hs.PingTimeout <= 0 {
		return fmt.Errorf("engineio: open packet lacks sid, pingInterval or pingTimeout: %s", p.Data)
	}
	return nil
}

func (c *ClientConn) openPolling(ctx context.Context) error {
	body, err := c.get(ctx)
	if err != nil {
		return err
	}
	pkts, err := c.splitPayload(body)
	if err != nil {
		return err
	}
	if err := c.parseOpen(pkts[0].p); err != nil {
		return err
	}
	c.pending = pkts[1:]
	return nil
}
