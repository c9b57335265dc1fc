package rawws

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Handshake is an opening handshake written by hand, so that a probe can
// leave out or spoil any header.
type Handshake struct {
	// Header is sent as given, in addition to Host. Use NewHandshake for
	// a correct one, then edit it.
	Header http.Header
	// TLSConfig is used for wss:// URLs (nil: the system roots).
	TLSConfig *tls.Config
}

// NewHandshake returns the headers of a correct version-13 handshake with
// a fresh key.
func NewHandshake() *Handshake {
	var k [16]byte
	rand.Read(k[:])
	h := http.Header{}
	h.Set("Upgrade", "websocket")
	h.Set("Connection", "Upgrade")
	h.Set("Sec-WebSocket-Key", base64.StdEncoding.EncodeToString(k[:]))
	h.Set("Sec-WebSocket-Version", "13")
	return &Handshake{Header: h}
}

// Conn is a connection after the handshake: the raw request and response,
// and the stream to read and write frames on.
type Conn struct {
	net.Conn
	R        *bufio.Reader
	Request  []byte         // the request exactly as sent
	Response *http.Response // the response head (its body is not read)
	RawResp  []byte         // the response head exactly as received
}

// Dial connects to rawURL (ws://, wss://, http:// or https://), sends the
// handshake and reads the response head, whatever its status. The caller
// checks the status and headers and closes the Conn.
func Dial(ctx context.Context, rawURL string, hs *Handshake) (*Conn, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	secure := u.Scheme == "wss" || u.Scheme == "https"
	host := u.Host
	if u.Port() == "" {
		if secure {
			host += ":443"
		} else {
			host += ":80"
		}
	}
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", host)
	if err != nil {
		return nil, err
	}
	if secure {
		cfg := hs.TLSConfig.Clone()
		if cfg == nil {
			cfg = &tls.Config{}
		}
		cfg.ServerName = u.Hostname()
		tc := tls.Client(nc, cfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			nc.Close()
			return nil, err
		}
		nc = tc
	}
	if dl, ok := ctx.Deadline(); ok {
		nc.SetDeadline(dl)
	} else {
		nc.SetDeadline(time.Now().Add(10 * time.Second))
	}
	var req strings.Builder
	path := u.RequestURI()
	fmt.Fprintf(&req, "GET %s HTTP/1.1\r\nHost: %s\r\n", path, u.Host)
	for k, vs := range hs.Header {
		for _, v := range vs {
			fmt.Fprintf(&req, "%s: %s\r\n", k, v)
		}
	}
	req.WriteString("\r\n")
	if _, err := io.WriteString(nc, req.String()); err != nil {
		nc.Close()
		return nil, err
	}
	c := &Conn{Conn: nc, Request: []byte(req.String())}
	rec := &recorder{r: nc}
	c.R = bufio.NewReader(rec)
	resp, err := http.ReadResponse(c.R, nil)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("reading the handshake response: %w", err)
	}
	// What the head took: everything read so far less what is buffered.
	c.RawResp = rec.buf[:len(rec.buf)-c.R.Buffered()]
	rec.buf = nil
	rec.off = true
	c.Response = resp
	nc.SetDeadline(time.Time{})
	return c, nil
}

// recorder keeps what is read through it until switched off.
type recorder struct {
	r   io.Reader
	buf []byte
	off bool
}

func (r *recorder) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if !r.off {
		r.buf = append(r.buf, p[:n]...)
	}
	return n, err
}

// WriteFrame writes one frame, masked with a fresh key unless f says
// otherwise by leaving Masked false on purpose.
func (c *Conn) WriteFrame(f Frame) error {
	if f.Masked && f.Key == [4]byte{} {
		rand.Read(f.Key[:])
	}
	_, err := c.Write(AppendFrame(nil, f))
	return err
}

// ReadFrame reads the next frame from the server, with no size limit.
func (c *Conn) ReadFrame() (Frame, error) { return ReadFrame(c.R, 0) }

// CloseCode reads frames until the server's close frame, at most until
// timeout, and returns its code: 1005 for a close frame without one. When
// the connection ends without a close frame it returns 1006 (what a
// browser would report) and the error.
func (c *Conn) CloseCode(timeout time.Duration) (int, error) {
	c.SetReadDeadline(time.Now().Add(timeout))
	for {
		f, err := c.ReadFrame()
		if err != nil {
			return CloseAbnormal, fmt.Errorf("no close frame: %w", err)
		}
		if f.Opcode != OpClose {
			continue
		}
		if len(f.Payload) == 0 {
			return CloseNoStatus, nil
		}
		code, _, err := ParseClose(f.Payload)
		return code, err
	}
}
