package engineio

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"rtlab/internal/wire"
)

// Direction says which way a traced packet went.
type Direction int

// Directions of a Trace, seen from the client.
const (
	Out Direction = iota // client to server
	In                   // server to client
)

func (d Direction) String() string {
	if d == Out {
		return "out"
	}
	return "in"
}

// Trace is one packet as the client sent or received it: the raw bytes
// (one WebSocket frame, or one packet's segment of a polling payload) and
// their decoding. Raw sent with SendRaw is traced undecoded.
type Trace struct {
	Time      time.Time
	Dir       Direction
	Transport string
	Raw       []byte
	Binary    bool
	Packet    Packet
}

// DialOptions configures Dial. nil means every default.
type DialOptions struct {
	// Path of the Engine.IO endpoint. Default "/engine.io/".
	Path string
	// Transport to open the session on: "websocket" (the default) or
	// "polling".
	Transport string
	// Upgrade, with polling, upgrades to WebSocket right after the
	// handshake when the server offers it. Default false.
	Upgrade bool
	// Header is added to every HTTP request and the WebSocket handshake.
	Header http.Header
	// Query is added to every request's query string; EIO=4, transport and
	// sid are set by Dial.
	Query url.Values
	// TLSConfig for https:// and wss:// URLs. Default: Go's defaults.
	TLSConfig *tls.Config
	// Counter receives the bytes of every TCP connection of the session.
	// Default: a new Counter (see ClientConn.Counter).
	Counter *wire.Counter
	// Observer, when set, sees every packet in and out, in order, one call
	// at a time. It must not block.
	Observer func(Trace)
	// HandshakeTimeout bounds the handshake and the upgrade. Default 10s.
	HandshakeTimeout time.Duration
}

// requestTimeout bounds every POST and the wait for a close handshake.
const requestTimeout = 10 * time.Second

// ClientConn is a client session. Its Handler runs on one goroutine per
// connection, the one that reads; every goroutine of the session ends
// after Close, Drop or a failure.
type ClientConn struct {
	opts    DialOptions
	h       Handler
	base    *url.URL // http(s) endpoint, query without transport/sid
	hs      Handshake
	counter *wire.Counter
	tr      *http.Transport
	hc      *http.Client

	ctx    context.Context // cancelled at shutdown: ends polling requests
	cancel context.CancelFunc

	sendMu sync.Mutex // one POST or one frame write at a time, in order

	mu        sync.Mutex
	transport string
	ws        *websocket.Conn
	reason    string
	err       error
	pingTimer *time.Timer

	ignorePings atomic.Bool
	runG        atomic.Uint64 // id of the goroutine that runs the Handler
	obsMu       sync.Mutex
	pending     []rawPacket // packets that came with the polling handshake
	done        chan struct{}

	// Upgrade handshake between the probe goroutine and the poll loop.
	pauseReq atomic.Bool   // probe answered: stop polling after this GET
	paused   chan struct{} // poll loop → probe: no GET in flight
	upgraded chan struct{} // probe → poll loop: switched (or gave up)
	probeWG  sync.WaitGroup
}

type rawPacket struct {
	raw []byte
	p   Packet
}

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
	c.pingTimer = time.AfterFunc(c.heartbeatWindow(), c.pingExpired)
	go c.run()
	return c, nil
}

func (c *ClientConn) heartbeatWindow() time.Duration {
	return time.Duration(c.hs.PingInterval+c.hs.PingTimeout) * time.Millisecond
}

func (c *ClientConn) pingExpired() { c.shutdown(ReasonPingTimeout, nil) }

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

// get performs one polling GET.
func (c *ClientConn) get(ctx context.Context) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.urlFor("polling"), nil)
	if err != nil {
		return nil, err
	}
	for k, v := range c.opts.Header {
		req.Header[k] = v
	}
	res, err := c.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusOK {
		return nil, newHTTPError(res.StatusCode, body)
	}
	return body, nil
}

// post sends one polling payload.
func (c *ClientConn) post(body []byte, contentType string) error {
	// Not c.ctx: the close packet's POST must survive the server's "1"
	// arriving on the pending GET, which shuts the session down meanwhile.
	ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.urlFor("polling"), bytes.NewReader(body))
	if err != nil {
		return err
	}
	for k, v := range c.opts.Header {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", contentType)
	res, err := c.hc.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	rb, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
	if res.StatusCode != http.StatusOK {
		return newHTTPError(res.StatusCode, rb)
	}
	return nil
}

// splitPayload decodes a polling body, tracing each packet.
func (c *ClientConn) splitPayload(body []byte) ([]rawPacket, error) {
	var out []rawPacket
	off := 0
	for {
		seg := body[off:]
		end := bytes.IndexByte(seg, recordSeparator)
		if end >= 0 {
			seg = seg[:end]
		}
		p, err := parseSegment(seg, off)
		c.observe(In, "polling", seg, false, p)
		if err != nil {
			return nil, err
		}
		out = append(out, rawPacket{seg, p})
		if end < 0 {
			return out, nil
		}
		off += end + 1
	}
}

func (c *ClientConn) observe(dir Direction, transport string, raw []byte, binary bool, p Packet) {
	if c.opts.Observer == nil {
		return
	}
	c.obsMu.Lock()
	defer c.obsMu.Unlock()
	c.opts.Observer(Trace{Time: time.Now(), Dir: dir, Transport: transport, Raw: raw, Binary: binary, Packet: p})
}

// ID returns the session id.
func (c *ClientConn) ID() string { return c.hs.SID }

// Handshake returns the server's open packet.
func (c *ClientConn) Handshake() Handshake { return c.hs }

// Counter returns the byte counter of the session's TCP connections.
func (c *ClientConn) Counter() *wire.Counter { return c.counter }

// Transport returns "polling" or "websocket"; it changes after an upgrade.
func (c *ClientConn) Transport() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.transport
}

// Done is closed once the session has ended and OnClose has returned.
func (c *ClientConn) Done() <-chan struct{} { return c.done }

// SetIgnorePings makes the client stop (or resume) answering pings, so that
// the server's ping timeout can be tested.
func (c *ClientConn) SetIgnorePings(ignore bool) { c.ignorePings.Store(ignore) }

// Send sends one message.
func (c *ClientConn) Send(data []byte, binary bool) error {
	return c.SendPacket(Packet{Type: MessagePacket, Data: data, Binary: binary})
}

// SendPacket sends a packet of any type, e.g. an unsolicited ping.
func (c *ClientConn) SendPacket(p Packet) error {
	c.sendMu.Lock()
	defer c.sendMu.Unlock()
	if c.isDone() {
		return ErrClosed
	}
	return c.sendLocked(p)
}

func (c *ClientConn) sendLocked(p Packet) error {
	c.mu.Lock()
	transport, ws := c.transport, c.ws
	c.mu.Unlock()
	if transport == "websocket" {
		raw := AppendPacket(nil, p)
		c.observe(Out, transport, raw, p.Binary, p)
		return c.writeFrame(ws, raw, p.Binary)
	}
	raw := AppendPayload(nil, []Packet{p})
	c.observe(Out, transport, raw, false, p)
	return c.post(raw, "text/plain;charset=UTF-8")
}

func (c *ClientConn) writeFrame(ws *websocket.Conn, raw []byte, binary bool) error {
	typ := websocket.MessageText
	if binary {
		typ = websocket.MessageBinary
	}
	ctx, cancel := context.WithTimeout(c.ctx, requestTimeout)
	defer cancel()
	return ws.Write(ctx, typ, raw)
}

// SendRaw sends raw unchecked: one WebSocket frame (binary or text), or
// one POST body (binary: as application/octet-stream), for fault injection.
func (c *ClientConn) SendRaw(raw []byte, binary bool) error {
	c.sendMu.Lock()
	defer c.sendMu.Unlock()
	if c.isDone() {
		return ErrClosed
	}
	c.mu.Lock()
	transport, ws := c.transport, c.ws
	c.mu.Unlock()
	p, _ := ParsePacket(raw, binary)
	c.observe(Out, transport, raw, binary, p)
	if transport == "websocket" {
		return c.writeFrame(ws, raw, binary)
	}
	ct := "text/plain;charset=UTF-8"
	if binary {
		ct = "application/octet-stream"
	}
	return c.post(raw, ct)
}

// Close ends the session gracefully: a close packet, then the transport.
// The reason is "forced close". It returns once OnClose has returned,
// unless called from the Handler itself.
func (c *ClientConn) Close() error {
	c.sendMu.Lock()
	if c.isDone() {
		c.sendMu.Unlock()
		c.wait()
		return nil
	}
	c.setReason(ReasonForcedClose, nil)
	err := c.sendLocked(Packet{Type: Close})
	c.mu.Lock()
	ws := c.ws
	c.mu.Unlock()
	c.sendMu.Unlock()
	if ws != nil {
		// The reader goroutine reads the server's close frame meanwhile.
		ws.Close(websocket.StatusNormalClosure, "")
	}
	c.shutdown(ReasonForcedClose, nil)
	c.wait()
	return err
}

// Drop closes the TCP connections without a close packet or close frame,
// as a crashed client would. The reason is "forced close".
func (c *ClientConn) Drop() error {
	c.shutdown(ReasonForcedClose, nil)
	c.wait()
	return nil
}

func (c *ClientConn) wait() {
	if goroutineID() == c.runG.Load() {
		return // called from the Handler: the session ends when it returns
	}
	<-c.done
	// A last POST may have finished after the session's goroutine ended.
	c.tr.CloseIdleConnections()
}

func (c *ClientConn) isDone() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.reason != ""
}

func (c *ClientConn) setReason(reason string, err error) {
	c.mu.Lock()
	if c.reason == "" {
		c.reason, c.err = reason, err
	}
	c.mu.Unlock()
}

// shutdown records reason (the first one wins) and tears the transport
// down; the run goroutine then reports the close.
func (c *ClientConn) shutdown(reason string, err error) {
	c.setReason(reason, err)
	c.mu.Lock()
	ws := c.ws
	c.pingTimer.Stop()
	c.mu.Unlock()
	c.cancel()
	if ws != nil {
		ws.CloseNow()
	}
}

// run reads the session until it ends, then calls OnClose.
func (c *ClientConn) run() {
	c.runG.Store(goroutineID())
	defer close(c.done)
	defer c.tr.CloseIdleConnections()
	defer c.probeWG.Wait()
	if c.Transport() == "polling" {
		for _, rp := range c.pending {
			c.handle(rp.p)
		}
		c.pending = nil
		if c.opts.Upgrade && slices.Contains(c.hs.Upgrades, "websocket") {
			c.paused = make(chan struct{})
			c.upgraded = make(chan struct{})
			c.probeWG.Add(1)
			go c.probe()
		}
	}
	for c.ctx.Err() == nil {
		if c.Transport() == "websocket" {
			c.readFrame()
			continue
		}
		if c.pauseReq.Load() {
			// Paused: no GET in flight while the probe sends "5".
			select {
			case c.paused <- struct{}{}:
			case <-c.ctx.Done():
				continue
			}
			select {
			case <-c.upgraded:
			case <-c.ctx.Done():
			}
			continue
		}
		c.poll()
	}
	c.shutdown(ReasonTransportClose, nil)
	c.mu.Lock()
	reason, err := c.reason, c.err
	c.mu.Unlock()
	c.h.OnClose(reason, err)
}

func (c *ClientConn) readFrame() {
	typ, data, err := c.ws.Read(c.ctx)
	if err != nil {
		c.shutdown(ReasonTransportClose, err)
		return
	}
	p, err := ParsePacket(data, typ == websocket.MessageBinary)
	c.observe(In, "websocket", data, typ == websocket.MessageBinary, p)
	if err != nil {
		c.shutdown(ReasonParseError, err)
		return
	}
	c.handle(p)
}

func (c *ClientConn) poll() {
	body, err := c.get(c.ctx)
	if err != nil {
		c.shutdown(ReasonTransportClose, err)
		return
	}
	pkts, err := c.splitPayload(body)
	if err != nil {
		c.shutdown(ReasonParseError, err)
		return
	}
	for _, rp := range pkts {
		if c.ctx.Err() != nil {
			return
		}
		c.handle(rp.p)
	}
}

func (c *ClientConn) handle(p Packet) {
	switch p.Type {
	case Ping:
		c.pingTimer.Reset(c.heartbeatWindow())
		if !c.ignorePings.Load() {
			if err := c.SendPacket(Packet{Type: Pong, Data: p.Data}); err != nil && !errors.Is(err, ErrClosed) {
				c.shutdown(ReasonTransportError, err)
			}
		}
	case MessagePacket:
		data := bytes.Clone(p.Data)
		if data == nil {
			data = []byte{}
		}
		c.h.OnMessage(data, p.Binary)
	case Close:
		c.shutdown(ReasonTransportClose, nil)
	}
}

// probe upgrades the session the way engine.io-client does: while polling
// goes on, it opens a WebSocket and sends "2probe"; once "3probe" comes
// back it asks the poll loop to pause (the server releases the pending GET
// with a noop), then sends "5" and moves the session onto the WebSocket.
// On any failure the session stays on polling.
func (c *ClientConn) probe() {
	defer c.probeWG.Done()
	ctx, cancel := context.WithTimeout(c.ctx, c.opts.HandshakeTimeout)
	defer cancel()
	ws, err := c.dialWebSocket(ctx)
	if err != nil {
		return
	}
	ok := false
	defer func() {
		if !ok {
			ws.CloseNow()
		}
	}()
	probe := Packet{Type: Ping, Data: []byte("probe")}
	raw := AppendPacket(nil, probe)
	c.observe(Out, "websocket", raw, false, probe)
	if ws.Write(ctx, websocket.MessageText, raw) != nil {
		return
	}
	typ, data, err := ws.Read(ctx)
	if err != nil {
		return
	}
	p, perr := ParsePacket(data, typ == websocket.MessageBinary)
	c.observe(In, "websocket", data, typ == websocket.MessageBinary, p)
	if perr != nil || p.Type != Pong || string(p.Data) != "probe" {
		return
	}
	c.pauseReq.Store(true)
	select {
	case <-c.paused:
	case <-ctx.Done():
		return
	}
	defer func() {
		c.pauseReq.Store(false)
		select {
		case c.upgraded <- struct{}{}:
		case <-c.ctx.Done():
		}
	}()
	// No POST may be in flight while the session switches.
	c.sendMu.Lock()
	defer c.sendMu.Unlock()
	up := Packet{Type: Upgrade}
	raw = AppendPacket(nil, up)
	c.observe(Out, "websocket", raw, false, up)
	if ws.Write(ctx, websocket.MessageText, raw) != nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.reason != "" {
		return
	}
	c.transport = "websocket"
	c.ws = ws
	ok = true
}

// goroutineID returns the id of the calling goroutine, parsed from its
// stack header ("goroutine 42 [running]:"). Close and Drop use it to tell
// a call from the Handler, which must not wait for itself.
func goroutineID() uint64 {
	var buf [32]byte
	b := buf[:runtime.Stack(buf[:], false)]
	b = bytes.TrimPrefix(b, []byte("goroutine "))
	var id uint64
	for _, ch := range b {
		if ch < '0' || ch > '9' {
			break
		}
		id = id*10 + uint64(ch-'0')
	}
	return id
}
