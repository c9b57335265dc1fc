package engineio

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// FrontOptions tunes NewFront. Zero values take the defaults.
type FrontOptions struct {
	// IdleTimeout closes a kept-alive connection that sends no request for
	// this long. Default 5s, as Node.js and internal/httpserve.
	IdleTimeout time.Duration
	// RequestTimeout bounds how long a request may take to arrive once
	// its first byte has. Default 10s, as httpserve's ReadHeaderTimeout.
	RequestTimeout time.Duration
	// ConnState, when set, hears of the connections the front holds, as
	// http.Server.ConnState of its own: StateNew when the front takes one,
	// StateClosed when it closes it, StateHijacked when it hands it to
	// net/http (whose ConnState then hears StateNew). Default nil.
	ConnState func(net.Conn, http.ConnState)
}

func (o *FrontOptions) withDefaults() FrontOptions {
	var d FrontOptions
	if o != nil {
		d = *o
	}
	if d.IdleTimeout <= 0 {
		d.IdleTimeout = 5 * time.Second
	}
	if d.RequestTimeout <= 0 {
		d.RequestTimeout = 10 * time.Second
	}
	return d
}

// Limits of what the front serves itself; anything larger goes to
// net/http, whole.
const (
	frontMaxHead = 8 << 10
	frontMaxBody = 2 << 20
	frontBuffer  = 4 << 10
)

// errNotOurs: a request the front leaves to net/http.
var errNotOurs = errors.New("engineio: request for net/http")

// frontRequest is the head of one request the front serves, parsed.
type frontRequest struct {
	method    string
	target    string
	path      string
	rawQuery  string
	host      string
	header    http.Header
	length    int
	headLen   int
	closeConn bool // Connection: close
}

// parseFrontHead parses the request head in b (which ends with the blank
// line's CRLF CRLF at headLen), or returns errNotOurs for what the front
// does not serve: a method other than GET and POST, HTTP other than 1.1,
// a target outside prefix or one net/http would clean or unescape, a body
// that is not a plain Content-Length, an upgrade, Expect, folded or
// malformed header lines. The head is copied into one string, which the
// target, names and values are cut from, and the header's values share
// one slice: a poll's head costs four allocations, whatever its headers.
func parseFrontHead(b []byte, prefix string) (*frontRequest, error) {
	end := bytes.Index(b, []byte("\r\n\r\n"))
	if end < 0 {
		return nil, errNotOurs
	}
	var method string
	switch {
	case bytes.HasPrefix(b, []byte("GET ")):
		method = http.MethodGet
	case bytes.HasPrefix(b, []byte("POST ")):
		method = http.MethodPost
	default:
		return nil, errNotOurs
	}
	head := string(b[:end+2])
	line, rest, _ := strings.Cut(head, "\r\n")
	sp2 := strings.LastIndexByte(line, ' ')
	if sp2 <= len(method) || line[sp2+1:] != "HTTP/1.1" {
		return nil, errNotOurs
	}
	target := line[len(method)+1 : sp2]
	p, q, hasQuery := strings.Cut(target, "?")
	if !strings.HasPrefix(p, prefix) || strings.ContainsAny(p, "%\\#") ||
		strings.Contains(p, "//") || strings.Contains(p, "/.") ||
		strings.IndexFunc(target, func(r rune) bool { return r <= ' ' || r == 0x7f }) >= 0 {
		return nil, errNotOurs
	}
	r := &frontRequest{method: method, target: target, path: p, headLen: end + 4}
	if hasQuery && q != "" {
		r.rawQuery = q
	}
	values := make([]string, strings.Count(rest, "\r\n"))
	r.header = make(http.Header, len(values))
	haveLength := false
	for len(rest) > 0 {
		var l string
		l, rest, _ = strings.Cut(rest, "\r\n")
		if len(l) == 0 || l[0] == ' ' || l[0] == '\t' {
			return nil, errNotOurs
		}
		colon := strings.IndexByte(l, ':')
		if colon <= 0 || !validHeaderName(l[:colon]) {
			return nil, errNotOurs
		}
		value := strings.Trim(l[colon+1:], " \t")
		if strings.IndexFunc(value, func(r rune) bool { return (r < ' ' && r != '\t') || r == 0x7f }) >= 0 {
			return nil, errNotOurs
		}
		key := canonicalKey(l[:colon])
		switch key {
		case "Transfer-Encoding", "Upgrade", "Expect", "Te", "Trailer":
			return nil, errNotOurs
		case "Host":
			if r.host != "" {
				return nil, errNotOurs
			}
			r.host = value
			continue // net/http keeps it in Request.Host only
		case "Content-Length":
			n, err := strconv.Atoi(value)
			if err != nil || n < 0 || (haveLength && n != r.length) {
				return nil, errNotOurs
			}
			r.length, haveLength = n, true
		case "Connection":
			for tok := range strings.SplitSeq(value, ",") {
				switch strings.ToLower(strings.TrimSpace(tok)) {
				case "close":
					r.closeConn = true
				case "upgrade":
					return nil, errNotOurs
				}
			}
		}
		if vs := r.header[key]; vs != nil {
			r.header[key] = append(vs, value)
		} else {
			values[0] = value
			r.header[key] = values[:1:1]
			values = values[1:]
		}
	}
	if r.host == "" || r.length > frontMaxBody || (r.method == http.MethodGet && r.length > 0) {
		return nil, errNotOurs
	}
	return r, nil
}

// canonicalKey is textproto.CanonicalMIMEHeaderKey, without an allocation
// for the names clients send most.
func canonicalKey(name string) string {
	for _, k := range commonHeaders {
		if strings.EqualFold(name, k) {
			return k
		}
	}
	return textproto.CanonicalMIMEHeaderKey(name)
}

var commonHeaders = [...]string{
	"Host", "Content-Length", "Content-Type", "Connection", "User-Agent", "Accept",
	"Accept-Encoding", "Accept-Language", "Origin", "Referer", "Cookie", "Pragma",
	"Cache-Control", "Sec-Fetch-Site", "Sec-Fetch-Mode", "Sec-Fetch-Dest",
	"Sec-Ch-Ua", "Sec-Ch-Ua-Mobile", "Sec-Ch-Ua-Platform", "Authorization",
}

func validHeaderName(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

// frontWriter is the ResponseWriter of a request the front serves: the
// whole answer is kept and written at once when the handler returns.
type frontWriter struct {
	h      http.Header
	status int
	body   []byte
}

func (w *frontWriter) Header() http.Header { return w.h }

func (w *frontWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

func (w *frontWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.body = append(w.body, p...)
	return len(p), nil
}

// SetReadDeadline is what http.ResponseController asks for: the body has
// been read whole before the handler runs, so there is nothing to bound.
func (w *frontWriter) SetReadDeadline(time.Time) error { return nil }

// appendResponse writes the status line, w's headers, Content-Length and
// Date, and the body.
func (w *frontWriter) appendResponse(b []byte, closeConn bool) []byte {
	status := w.status
	if status == 0 {
		status = http.StatusOK
	}
	b = append(b, "HTTP/1.1 "...)
	b = strconv.AppendInt(b, int64(status), 10)
	b = append(b, ' ')
	b = append(b, http.StatusText(status)...)
	b = append(b, "\r\n"...)
	bodyAllowed := status >= 200 && status != http.StatusNoContent && status != http.StatusNotModified
	if bodyAllowed && len(w.body) > 0 && len(w.h["Content-Type"]) == 0 {
		w.h["Content-Type"] = []string{http.DetectContentType(w.body)}
	}
	for k, vs := range w.h {
		switch k {
		case "Content-Length", "Transfer-Encoding", "Connection", "Date":
			continue
		}
		for _, v := range vs {
			b = append(b, k...)
			b = append(b, ": "...)
			b = appendHeaderValue(b, v)
			b = append(b, "\r\n"...)
		}
	}
	if bodyAllowed {
		b = append(b, "Content-Length: "...)
		b = strconv.AppendInt(b, int64(len(w.body)), 10)
		b = append(b, "\r\n"...)
	}
	b = append(b, "Date: "...)
	b = append(b, httpDate()...)
	b = append(b, "\r\n"...)
	if closeConn {
		b = append(b, "Connection: close\r\n"...)
	}
	b = append(b, "\r\n"...)
	if bodyAllowed {
		b = append(b, w.body...)
	}
	return b
}

// appendHeaderValue writes v with CR and LF as spaces, as net/http does.
func appendHeaderValue(b []byte, v string) []byte {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == '\r' || c == '\n' {
			c = ' '
		}
		b = append(b, c)
	}
	return b
}

// httpDate is the Date header's value, made once a second.
func httpDate() string {
	now := time.Now().Unix()
	if d := cachedDate.Load(); d != nil && d.unix == now {
		return d.s
	}
	d := &dateCache{unix: now, s: time.Unix(now, 0).UTC().Format(http.TimeFormat)}
	cachedDate.Store(d)
	return d.s
}

type dateCache struct {
	unix int64
	s    string
}

var cachedDate atomic.Pointer[dateCache]

// bodyReader is a request body already read whole.
type bodyReader struct{ b []byte }

func (r *bodyReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	return n, nil
}

func (r *bodyReader) Close() error { return nil }

// prefixConn is a connection handed to net/http with the bytes the front
// had already read from it.
type prefixConn struct {
	net.Conn
	mu     sync.Mutex
	prefix []byte
}

func (c *prefixConn) Read(p []byte) (int, error) {
	c.mu.Lock()
	if len(c.prefix) > 0 {
		n := copy(p, c.prefix)
		c.prefix = c.prefix[n:]
		if len(c.prefix) == 0 {
			c.prefix = nil // a WebSocket keeps this connection for hours
		}
		c.mu.Unlock()
		return n, nil
	}
	c.mu.Unlock()
	return c.Conn.Read(p)
}

// CloseWrite lets net/http half-close the connection, as it does a TCP one.
func (c *prefixConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// SyscallConn gives a hijacked WebSocket the descriptor, once the bytes
// read ahead are spent (they are read first, through Read, before it).
func (c *prefixConn) SyscallConn() (syscall.RawConn, error) {
	c.mu.Lock()
	left := len(c.prefix)
	c.mu.Unlock()
	sc, ok := c.Conn.(syscall.Conn)
	if left > 0 || !ok {
		return nil, errors.New("engineio: bytes read ahead are not spent")
	}
	return sc.SyscallConn()
}

// newFrontRequest makes the *http.Request a handler sees.
func newFrontRequest(ctx context.Context, fr *frontRequest, body *bodyReader, remote string) *http.Request {
	r := &http.Request{
		Method:        fr.method,
		URL:           &url.URL{Path: fr.path, RawQuery: fr.rawQuery},
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        fr.header,
		Body:          http.NoBody,
		ContentLength: int64(fr.length),
		Host:          fr.host,
		RemoteAddr:    remote,
		RequestURI:    fr.target,
		Close:         fr.closeConn,
	}
	if fr.length > 0 {
		r.Body = body
	}
	return r.WithContext(ctx)
}
