package graders

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode/utf8"

	"rtlab/graders/scenario"
	"rtlab/internal/exercise"
	"rtlab/internal/rawws"
)

// The WebSocket probes of Q2, Q4 and Q5 speak RFC 6455 by hand (package
// rawws): a library client would refuse a wrong Sec-WebSocket-Accept before
// the grader could say what was wrong with it, and would never send an
// unmasked frame or invalid UTF-8 on purpose.
func init() {
	RegisterProbe("ws-handshake", wsHandshakeProbe)
	RegisterProbe("ws-refuse", wsRefuseProbe)
	RegisterProbe("ws-echo", wsEchoProbe)
	RegisterProbe("ws-close", wsCloseProbe)
	RegisterProbe("ws-sigterm", wsSigtermProbe)
	RegisterProbe("ws-reset", wsResetProbe)
	RegisterExplainer("q2", explainHandshake)
}

// wsTarget is the ws:// (or wss://) URL of path on the server, and the TLS
// settings of the run's HTTP client, so that a certificate the run trusts
// is trusted here too.
func wsTarget(env *ProbeEnv, params map[string]any) (string, *tls.Config, error) {
	path, _ := params["path"].(string)
	if path == "" {
		path = "/ws"
	}
	u, err := env.URL.Parse(path)
	if err != nil {
		return "", nil, &ScenarioError{fmt.Sprintf("bad path %q", path)}
	}
	return wsURLOf(u), tlsOf(env.HTTP), nil
}

func wsURLOf(u *url.URL) string {
	v := *u
	switch v.Scheme {
	case "https":
		v.Scheme = "wss"
	case "http":
		v.Scheme = "ws"
	}
	return v.String()
}

func tlsOf(c *http.Client) *tls.Config {
	if c != nil {
		if t, ok := c.Transport.(*http.Transport); ok && t.TLSClientConfig != nil {
			return t.TLSClientConfig.Clone()
		}
	}
	return nil
}

// probeTimeout is the deadline of one exchange: --timeout, or params
// "timeout" when it parses.
func probeTimeout(env *ProbeEnv, params map[string]any) time.Duration {
	if s, ok := params["timeout"].(string); ok {
		if d, err := time.ParseDuration(s); err == nil && d > 0 {
			return d
		}
	}
	if env.Timeout > 0 {
		return env.Timeout
	}
	return 2 * time.Second
}

// dialWS sends hs to target and reads the response head.
func dialWS(ctx context.Context, target string, cfg *tls.Config, hs *rawws.Handshake, timeout time.Duration) (*rawws.Conn, error) {
	hs.TLSConfig = cfg
	dctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	c, err := rawws.Dial(dctx, target, hs)
	if err != nil {
		return nil, &Failure{Reason: "the WebSocket handshake to " + target + " got no HTTP answer",
			Actual: scenario.Shorten(err.Error(), 300)}
	}
	c.SetDeadline(time.Now().Add(timeout))
	return c, nil
}

// openWS does a correct handshake and insists on 101 with the right
// Sec-WebSocket-Accept, for the probes that need an open connection.
func openWS(ctx context.Context, target string, cfg *tls.Config, timeout time.Duration) (*rawws.Conn, error) {
	hs := rawws.NewHandshake()
	c, err := dialWS(ctx, target, cfg, hs, timeout)
	if err != nil {
		return nil, err
	}
	if c.Response.StatusCode != http.StatusSwitchingProtocols {
		c.Close()
		return nil, &Failure{Reason: "the WebSocket handshake was refused", Expected: "101 Switching Protocols",
			Actual: statusLine(c.Response)}
	}
	return c, nil
}

func statusLine(r *http.Response) string {
	return strconv.Itoa(r.StatusCode) + " " + http.StatusText(r.StatusCode)
}

// wsHandshakeProbe checks one property of the answer to a correct opening
// handshake. Params:
//
//	path   the endpoint (default /ws)
//	check  status (101), upgrade (Upgrade: websocket), connection
//	       (Connection: Upgrade) or accept (Sec-WebSocket-Accept equal to
//	       base64(SHA-1(key + GUID)))
func wsHandshakeProbe(ctx context.Context, env *ProbeEnv, params map[string]any) error {
	target, cfg, err := wsTarget(env, params)
	if err != nil {
		return err
	}
	check, _ := params["check"].(string)
	hs := rawws.NewHandshake()
	key := hs.Header.Get("Sec-WebSocket-Key")
	c, err := dialWS(ctx, target, cfg, hs, probeTimeout(env, params))
	if err != nil {
		return err
	}
	defer c.Close()
	resp := c.Response
	if check != "status" && resp.StatusCode != http.StatusSwitchingProtocols {
		return &Failure{Reason: "the handshake was not accepted, so its headers cannot be checked",
			Expected: "101 Switching Protocols", Actual: statusLine(resp)}
	}
	switch check {
	case "status":
		if resp.StatusCode != http.StatusSwitchingProtocols {
			return &Failure{Reason: "a correct version-13 handshake was not accepted",
				Expected: "101 Switching Protocols", Actual: statusLine(resp) + " " + scenario.Shorten(readBody(resp), 200)}
		}
	case "upgrade":
		if !strings.EqualFold(strings.TrimSpace(resp.Header.Get("Upgrade")), "websocket") {
			return &Failure{Reason: "the 101 response does not say which protocol it switches to",
				Expected: "Upgrade: websocket", Actual: headerShown(resp.Header, "Upgrade")}
		}
	case "connection":
		if !headerToken(resp.Header, "Connection", "upgrade") {
			return &Failure{Reason: "the 101 response lacks the Connection: Upgrade header",
				Expected: "Connection: Upgrade", Actual: headerShown(resp.Header, "Connection")}
		}
	case "accept":
		want := rawws.AcceptKey(key)
		if got := resp.Header.Get("Sec-WebSocket-Accept"); got != want {
			return &Failure{Reason: "Sec-WebSocket-Accept is not base64(SHA-1(key + \"258EAFA5-E914-47DA-95CA-C5AB0DC85B11\"))",
				Expected: fmt.Sprintf("Sec-WebSocket-Accept: %s (for Sec-WebSocket-Key: %s)", want, key),
				Actual:   headerShown(resp.Header, "Sec-WebSocket-Accept")}
		}
	default:
		return &ScenarioError{"ws-handshake: params.check must be status, upgrade, connection or accept"}
	}
	return nil
}

func headerShown(h http.Header, name string) string {
	vs := h.Values(name)
	if len(vs) == 0 {
		return "no " + name + " header"
	}
	return name + ": " + strings.Join(vs, ", ")
}

// headerToken reports whether a comma-separated header holds token, in
// any case ("keep-alive, Upgrade" holds "upgrade").
func headerToken(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// readBody reads a little of a refusal's body (the response head was read
// by rawws; what follows on the connection is the body).
func readBody(r *http.Response) string {
	if r.Body == nil {
		return ""
	}
	b, _ := io.ReadAll(io.LimitReader(r.Body, 512))
	return strings.TrimSpace(string(b))
}

// wsRefuseProbe sends a spoiled handshake and requires a refusal. Params:
//
//	path    the endpoint (default /ws)
//	drop    a header to leave out (Sec-WebSocket-Key)
//	set     headers to replace ({Sec-WebSocket-Version: "99"})
//	status  the exact status required (400), or "4xx" for any client error
func wsRefuseProbe(ctx context.Context, env *ProbeEnv, params map[string]any) error {
	target, cfg, err := wsTarget(env, params)
	if err != nil {
		return err
	}
	hs := rawws.NewHandshake()
	var what []string
	if d, _ := params["drop"].(string); d != "" {
		hs.Header.Del(d)
		what = append(what, "without "+d)
	}
	if set, ok := params["set"].(map[string]any); ok {
		for k, v := range set {
			hs.Header.Set(k, fmt.Sprint(v))
			what = append(what, fmt.Sprintf("with %s: %v", k, v))
		}
	}
	want := fmt.Sprint(params["status"])
	c, err := dialWS(ctx, target, cfg, hs, probeTimeout(env, params))
	if err != nil {
		return err
	}
	defer c.Close()
	got := c.Response.StatusCode
	ok := false
	switch {
	case want == "4xx":
		ok = got >= 400 && got <= 499
		want = "a 4xx refusal (400, or 426 with Sec-WebSocket-Version: 13 as RFC 6455 §4.4 suggests)"
	default:
		n, err := strconv.Atoi(want)
		if err != nil {
			return &ScenarioError{"ws-refuse: params.status must be a number or 4xx"}
		}
		ok = got == n
		want = fmt.Sprintf("%d %s", n, http.StatusText(n))
	}
	if !ok {
		actual := statusLine(c.Response)
		if got == http.StatusSwitchingProtocols {
			actual += ": the server opened a WebSocket anyway"
		}
		return &Failure{Reason: "a handshake " + strings.Join(what, " and ") + " was not refused as it should be",
			Expected: want, Actual: actual}
	}
	return nil
}

// wsEchoProbe opens a connection, sends a masked text message and wants the
// same text back. Params: path (default /ws), text (default a fresh token
// with a non-ASCII letter, so that an encoding slip shows).
func wsEchoProbe(ctx context.Context, env *ProbeEnv, params map[string]any) error {
	target, cfg, err := wsTarget(env, params)
	if err != nil {
		return err
	}
	timeout := probeTimeout(env, params)
	text, _ := params["text"].(string)
	if text == "" {
		text = "rtlab é " + randomToken()
	}
	c, err := openWS(ctx, target, cfg, timeout)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(timeout))
	if err := c.WriteFrame(rawws.Frame{Fin: true, Opcode: rawws.OpText, Masked: true, Payload: []byte(text)}); err != nil {
		return &Failure{Reason: "could not send a text message", Actual: err.Error()}
	}
	for {
		f, err := c.ReadFrame()
		if err != nil {
			return &Failure{Reason: "the text message was not echoed", Expected: fmt.Sprintf("a text frame %q within %s", text, timeout),
				Actual: describeReadErr(err)}
		}
		switch f.Opcode {
		case rawws.OpPing, rawws.OpPong:
			continue
		case rawws.OpText:
			if string(f.Payload) != text {
				return &Failure{Reason: "the echo differs from the message sent", Expected: fmt.Sprintf("%q", text),
					Actual: fmt.Sprintf("%q", scenario.Shorten(string(f.Payload), 200))}
			}
			if f.Masked {
				return &Failure{Reason: "the server masked its frame; RFC 6455 §5.1 says a server must not", Expected: "an unmasked text frame", Actual: "a masked one"}
			}
			return nil
		default:
			return &Failure{Reason: "the text message was not echoed", Expected: fmt.Sprintf("a text frame %q", text), Actual: describeFrame(f)}
		}
	}
}

func randomToken() string {
	var b [6]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func describeReadErr(err error) string {
	var ne net.Error
	switch {
	case errors.As(err, &ne) && ne.Timeout():
		return "nothing arrived"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET):
		return "the connection ended without a close frame (a browser reports 1006)"
	}
	return err.Error()
}

func describeFrame(f rawws.Frame) string {
	switch f.Opcode {
	case rawws.OpClose:
		code, reason, err := rawws.ParseClose(f.Payload)
		switch {
		case err != nil:
			return "a malformed close frame"
		case code == rawws.CloseNoStatus:
			return "a close frame with no status code (a browser reports 1005)"
		case reason != "":
			return fmt.Sprintf("close %d (%q)", code, scenario.Shorten(reason, 80))
		}
		return fmt.Sprintf("close %d", code)
	case rawws.OpText:
		if len(f.Payload) > 80 {
			return fmt.Sprintf("a text frame of %d bytes (%q)", len(f.Payload), scenario.Shorten(string(f.Payload), 40))
		}
		return fmt.Sprintf("a text frame %q", f.Payload)
	case rawws.OpBinary:
		return fmt.Sprintf("a binary frame of %d bytes", len(f.Payload))
	}
	return fmt.Sprintf("a frame with opcode %#x", f.Opcode)
}

// wsCloseProbe provokes the server and requires a close frame with a
// given code. Params:
//
//	path   the endpoint (default /ws)
//	send   close (a masked close 1000), unmasked (an unmasked text frame),
//	       invalid-utf8 (a text frame holding 0xC3 0x28), or too-big (a
//	       text message of size bytes)
//	size   for too-big (default 1 MiB + 1)
//	code   the close code required
func wsCloseProbe(ctx context.Context, env *ProbeEnv, params map[string]any) error {
	target, cfg, err := wsTarget(env, params)
	if err != nil {
		return err
	}
	want, ok := scenario.ToFloat(params["code"])
	if !ok {
		return &ScenarioError{"ws-close needs params.code"}
	}
	timeout := probeTimeout(env, params)
	var f rawws.Frame
	var did string
	send, _ := params["send"].(string)
	switch send {
	case "close":
		f = rawws.Frame{Fin: true, Opcode: rawws.OpClose, Masked: true, Payload: rawws.ClosePayload(rawws.CloseNormal, "bye")}
		did = "the client closed with 1000"
	case "unmasked":
		f = rawws.Frame{Fin: true, Opcode: rawws.OpText, Payload: []byte("unmasked " + randomToken())}
		did = "the client sent an unmasked text frame"
	case "invalid-utf8":
		f = rawws.Frame{Fin: true, Opcode: rawws.OpText, Masked: true, Payload: []byte{'a', 0xC3, 0x28, 'b'}}
		did = "the client sent a text frame that is not UTF-8 (61 C3 28 62)"
	case "too-big":
		size := 1<<20 + 1
		if v, ok := scenario.ToFloat(params["size"]); ok && v > 0 {
			size = int(v)
		}
		p := make([]byte, size)
		for i := range p {
			p[i] = 'x'
		}
		f = rawws.Frame{Fin: true, Opcode: rawws.OpText, Masked: true, Payload: p}
		did = fmt.Sprintf("the client sent a %d-byte text message (1 MiB is %d)", size, 1<<20)
		timeout += 3 * time.Second // the upload itself takes a moment
	default:
		return &ScenarioError{"ws-close: params.send must be close, unmasked, invalid-utf8 or too-big"}
	}
	c, err := openWS(ctx, target, cfg, probeTimeout(env, params))
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(timeout))
	// The write goes on its own goroutine: a server may close in the
	// middle of a large upload, and the answer must still be read.
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		c.WriteFrame(f)
	}()
	defer wg.Wait()
	defer c.Close() // runs first: unblocks the writer
	expected := fmt.Sprintf("a close frame with code %d after %s", int(want), did)
	for {
		fr, err := c.ReadFrame()
		if err != nil {
			return &Failure{Reason: fmt.Sprintf("no close %d: %s", int(want), did), Expected: expected, Actual: describeReadErr(err)}
		}
		switch fr.Opcode {
		case rawws.OpPing, rawws.OpPong:
			continue
		case rawws.OpClose:
			code, _, perr := rawws.ParseClose(fr.Payload)
			if perr == nil && code == int(want) {
				return nil
			}
			return &Failure{Reason: fmt.Sprintf("the server closed with another code than %d: %s", int(want), did),
				Expected: expected, Actual: describeFrame(fr)}
		default:
			return &Failure{Reason: fmt.Sprintf("the server did not close with %d: %s", int(want), did),
				Expected: expected, Actual: describeFrame(fr) + " (the server took the frame as valid)"}
		}
	}
}

// wsResetProbe ends a connection with a TCP reset (no close frame: the
// server's side sees 1006, abnormal closure) in the middle of a message,
// then requires a new connection to be accepted and echoed. A Node server
// that has no 'error' listener on the socket crashes on ECONNRESET; this
// is the check that finds it. Params: path (default /ws).
func wsResetProbe(ctx context.Context, env *ProbeEnv, params map[string]any) error {
	target, cfg, err := wsTarget(env, params)
	if err != nil {
		return err
	}
	timeout := probeTimeout(env, params)
	c, err := openWS(ctx, target, cfg, timeout)
	if err != nil {
		return err
	}
	// Half a frame, then RST: the server is reading when the reset comes.
	frame := rawws.AppendFrame(nil, rawws.Frame{Fin: true, Opcode: rawws.OpText, Masked: true, Key: [4]byte{1, 2, 3, 4}, Payload: []byte("cut short")})
	c.Write(frame[:len(frame)/2])
	if tc, ok := c.Conn.(*net.TCPConn); ok {
		tc.SetLinger(0) // Close sends RST instead of FIN
	}
	c.Close()
	t := time.NewTimer(300 * time.Millisecond)
	select {
	case <-t.C:
	case <-ctx.Done():
		t.Stop()
		return ctx.Err()
	}
	if err := wsEchoProbe(ctx, env, params); err != nil {
		var f *Failure
		if errors.As(err, &f) {
			f.Reason = "after a client reset its connection, the server no longer works: " + f.Reason
			f.Expected = "the server survives a client's TCP reset (it sees 1006) and echoes on a new connection; " + f.Expected
		}
		return err
	}
	return nil
}

// wsSigtermProbe opens clients, sends SIGTERM to the managed server and
// requires a close frame 1001 (going away) on each. It stops the server,
// so it belongs in the last check. Params: path (default /ws), clients
// (default 2).
//
// A reference server running in-process cannot be signalled; there the
// check is skipped ("needs --cmd").
func wsSigtermProbe(ctx context.Context, env *ProbeEnv, params map[string]any) error {
	if env.Server == nil {
		return &ScenarioError{"ws-sigterm needs --cmd (mark the check needs_cmd: true)"}
	}
	target, cfg, err := wsTarget(env, params)
	if err != nil {
		return err
	}
	n := 2
	if v, ok := scenario.ToFloat(params["clients"]); ok && v >= 1 {
		n = int(v)
	}
	timeout := probeTimeout(env, params)
	var conns []*rawws.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range n {
		c, err := openWS(ctx, target, cfg, timeout)
		if err != nil {
			return err
		}
		conns = append(conns, c)
	}
	if err := env.Server.Signal(syscall.SIGTERM); err != nil {
		return Skipf("needs --cmd: the server runs in-process and cannot be sent SIGTERM (%v)", err)
	}
	wait := timeout + 5*time.Second // a graceful shutdown may take a moment
	for i, c := range conns {
		c.SetDeadline(time.Now().Add(wait))
		for {
			f, err := c.ReadFrame()
			if err != nil {
				return &Failure{Reason: fmt.Sprintf("client %d of %d got no close 1001 when the server received SIGTERM", i+1, n),
					Expected: "close 1001 (going away) to every open client, then exit",
					Actual:   describeReadErr(err)}
			}
			if f.Opcode != rawws.OpClose {
				continue
			}
			if code, _, err := rawws.ParseClose(f.Payload); err != nil || code != rawws.CloseGoingAway {
				return &Failure{Reason: fmt.Sprintf("client %d of %d was closed with another code than 1001 on SIGTERM", i+1, n),
					Expected: "close 1001 (going away)", Actual: describeFrame(f)}
			}
			break
		}
	}
	return nil
}

// The live part of `rtlab explain q2`.

// ExplainFunc prints, for `rtlab explain`, what a live server does in an
// exercise beyond what its checks say: Q2 draws the captured handshake.
// It talks to the server at base with client's TLS settings, and returns
// by ctx's deadline.
type ExplainFunc func(ctx context.Context, w io.Writer, base *url.URL, client *http.Client) error

var (
	explainMu  sync.RWMutex
	explainers = map[string]ExplainFunc{}
)

// RegisterExplainer adds a live part to `rtlab explain EXERCISE`. Call it
// from init; a duplicate panics.
func RegisterExplainer(id string, f ExplainFunc) {
	explainMu.Lock()
	defer explainMu.Unlock()
	id = exercise.Normalize(id)
	if _, dup := explainers[id]; dup {
		panic("graders: duplicate explainer " + id)
	}
	explainers[id] = f
}

// Explainer returns the live part of an exercise's explanation, if any.
func Explainer(id string) (ExplainFunc, bool) {
	explainMu.RLock()
	defer explainMu.RUnlock()
	f, ok := explainers[exercise.Normalize(id)]
	return f, ok
}

// diagramWidth is the distance between the client's and the server's
// lifelines.
const diagramWidth = 66

// explainHandshake runs one opening handshake, one echoed text message and
// a close handshake against base's /ws, and draws them as a sequence
// diagram: the request and response exactly as captured, the frames with
// their first bytes, and whether Sec-WebSocket-Accept is right.
func explainHandshake(ctx context.Context, w io.Writer, base *url.URL, client *http.Client) error {
	u, err := base.Parse("/ws")
	if err != nil {
		return err
	}
	target := wsURLOf(u)
	hs := rawws.NewHandshake()
	hs.TLSConfig = tlsOf(client)
	key := hs.Header.Get("Sec-WebSocket-Key")
	dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	c, err := rawws.Dial(dctx, target, hs)
	if err != nil {
		return fmt.Errorf("the handshake to %s got no answer: %w", target, err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	d := &diagram{w: w}
	d.title(fmt.Sprintf("Live handshake with %s", target))
	d.heads("client (rtlab)", "server "+u.Host)
	d.send(crlfLines(c.Request))
	d.recv(crlfLines(c.RawResp))
	want := rawws.AcceptKey(key)
	got := c.Response.Header.Get("Sec-WebSocket-Accept")
	d.note(fmt.Sprintf("expected Sec-WebSocket-Accept = base64(SHA-1(%q + GUID)) = %s", key, want))
	if c.Response.StatusCode != http.StatusSwitchingProtocols {
		d.note(fmt.Sprintf("✗ the server answered %d: no WebSocket was opened", c.Response.StatusCode))
		return d.err
	}
	if got == want {
		d.note("✓ Sec-WebSocket-Accept matches: the server read this key, and the connection is now WebSocket frames")
	} else {
		d.note(fmt.Sprintf("✗ Sec-WebSocket-Accept is %q: a browser would close the connection here", got))
	}
	msg := rawws.Frame{Fin: true, Opcode: rawws.OpText, Masked: true, Payload: []byte("hello")}
	rand4(&msg.Key)
	d.send([]string{frameLine(msg)})
	if err := c.WriteFrame(msg); err != nil {
		return err
	}
	if f, err := c.ReadFrame(); err == nil {
		d.recv([]string{frameLine(f)})
	} else {
		d.note("no echo: " + describeReadErr(err))
		return d.err
	}
	bye := rawws.Frame{Fin: true, Opcode: rawws.OpClose, Masked: true, Payload: rawws.ClosePayload(rawws.CloseNormal, "")}
	rand4(&bye.Key)
	d.send([]string{frameLine(bye)})
	if err := c.WriteFrame(bye); err != nil {
		return err
	}
	if f, err := c.ReadFrame(); err == nil {
		d.recv([]string{frameLine(f)})
	} else {
		d.note("no close frame back: " + describeReadErr(err))
	}
	d.end()
	return d.err
}

func rand4(k *[4]byte) {
	copy(k[:], []byte(randomToken())[:4])
}

// crlfLines splits a captured HTTP head into its lines, without the blank
// line that ends it.
func crlfLines(b []byte) []string {
	var out []string
	for _, l := range strings.Split(strings.TrimRight(string(b), "\r\n"), "\r\n") {
		out = append(out, l)
	}
	return out
}

// frameLine describes a frame and its first wire bytes, the header a
// student decodes by hand in the course.
func frameLine(f rawws.Frame) string {
	wire := rawws.AppendFrame(nil, f)
	n := min(len(wire), 8)
	head := hex.EncodeToString(wire[:n])
	var sp []string
	for i := 0; i < len(head); i += 2 {
		sp = append(sp, head[i:i+2])
	}
	masked := "unmasked"
	if f.Masked {
		masked = "masked"
	}
	var what string
	switch f.Opcode {
	case rawws.OpText:
		what = fmt.Sprintf("text %q", scenario.Shorten(string(f.Payload), 30))
	case rawws.OpClose:
		what = describeFrame(f)
	default:
		what = describeFrame(f)
	}
	return fmt.Sprintf("%s, %s  [%s…]", what, masked, strings.Join(sp, " "))
}

// diagram draws two lifelines and the messages between them.
type diagram struct {
	w   io.Writer
	err error
}

func (d *diagram) printf(format string, args ...any) {
	if d.err == nil {
		_, d.err = fmt.Fprintf(d.w, format, args...)
	}
}

func (d *diagram) title(s string) { d.printf("\n%s\n\n", s) }

func (d *diagram) heads(left, right string) {
	d.printf("  %s%s%s\n", left, strings.Repeat(" ", max(1, diagramWidth+2-utf8.RuneCountInString(left)-utf8.RuneCountInString(right))), right)
	d.line("")
}

// line prints the two lifelines with text between them, left-aligned.
func (d *diagram) line(text string) {
	text = clipRunes(text, diagramWidth-2)
	d.printf("  │ %s%s │\n", text, strings.Repeat(" ", diagramWidth-2-utf8.RuneCountInString(text)))
}

func (d *diagram) rline(text string) {
	text = clipRunes(text, diagramWidth-2)
	d.printf("  │ %s%s │\n", strings.Repeat(" ", diagramWidth-2-utf8.RuneCountInString(text)), text)
}

func (d *diagram) send(lines []string) {
	for _, l := range lines {
		d.line(l)
	}
	d.printf("  ├%s▶│\n", strings.Repeat("─", diagramWidth-1))
	d.line("")
}

func (d *diagram) recv(lines []string) {
	for _, l := range lines {
		d.rline(l)
	}
	d.printf("  │◀%s┤\n", strings.Repeat("─", diagramWidth-1))
	d.line("")
}

func (d *diagram) note(s string) {
	line := ""
	for _, w := range strings.Fields(s) {
		if line != "" && utf8.RuneCountInString(line)+1+utf8.RuneCountInString(w) > diagramWidth-8 {
			d.line("  » " + line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	d.line("  » " + line)
	d.line("")
}

func (d *diagram) end() { d.printf("  ┴%s┴\n", strings.Repeat(" ", diagramWidth)) }

func clipRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
