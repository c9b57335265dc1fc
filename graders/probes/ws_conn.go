package probes

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
	"syscall"
	"time"

	"rtlab/graders"

	"rtlab/graders/scenario"
	"rtlab/internal/rawws"
)

// wsTarget is the ws:// (or wss://) URL of path on the server, and the TLS
// settings of the run's HTTP client, so that a certificate the run trusts
// is trusted here too.
func wsTarget(env *graders.ProbeEnv, params map[string]any) (string, *tls.Config, error) {
	path, _ := params["path"].(string)
	if path == "" {
		path = "/ws"
	}
	u, err := env.URL.Parse(path)
	if err != nil {
		return "", nil, &graders.ScenarioError{Msg: fmt.Sprintf("bad path %q", path)}
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

// dialWS sends hs to target and reads the response head.
func dialWS(ctx context.Context, target string, cfg *tls.Config, hs *rawws.Handshake, timeout time.Duration) (*rawws.Conn, error) {
	hs.TLSConfig = cfg
	dctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	c, err := rawws.Dial(dctx, target, hs)
	if err != nil {
		return nil, &graders.Failure{Reason: "the WebSocket handshake to " + target + " got no HTTP answer",
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
		return nil, &graders.Failure{Reason: "the WebSocket handshake was refused", Expected: "101 Switching Protocols",
			Actual: statusLine(c.Response)}
	}
	return c, nil
}

func statusLine(r *http.Response) string {
	return strconv.Itoa(r.StatusCode) + " " + http.StatusText(r.StatusCode)
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
