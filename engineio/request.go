package engineio

import (
	"bufio"
	"crypto/tls"
	"net/http"
	"strings"
)

// keptRequest is a session's handshake request as the session keeps it:
// the request line and headers in one string, the peer's address and the
// TLS state. An *http.Request kept for the session's lifetime (its header
// map, URL, the strings behind them) was a third of an idle WebSocket
// session's live heap, most of it asked for once, when a socket joins, or
// never. Conn.Request parses it back on demand.
type keptRequest struct {
	raw    string // "GET /socket.io/?EIO=4… HTTP/1.1\r\nHost: …\r\n…\r\n\r\n"
	remote string
	tls    *tls.ConnectionState
}

// keepRequest records what Conn.Request returns later: method, request
// URI, host and headers (the body is never kept).
func keepRequest(r *http.Request) keptRequest {
	var b strings.Builder
	uri := r.RequestURI
	if uri == "" {
		uri = r.URL.RequestURI() // a request built by hand (tests)
	}
	b.Grow(64 + len(uri) + 32*len(r.Header))
	b.WriteString(r.Method)
	b.WriteByte(' ')
	b.WriteString(uri)
	b.WriteString(" HTTP/1.1\r\nHost: ")
	b.WriteString(r.Host)
	b.WriteString("\r\n")
	r.Header.WriteSubset(&b, map[string]bool{"Host": true})
	b.WriteString("\r\n")
	// The builder's buffer has room to spare (it grows by doubling): what
	// the session keeps is an exact copy.
	return keptRequest{raw: strings.Clone(b.String()), remote: r.RemoteAddr, tls: r.TLS}
}

// request parses the kept request back. It cannot fail on what
// keepRequest wrote from a request net/http had parsed; a nil return is
// defensive.
func (k *keptRequest) request() *http.Request {
	if k.raw == "" {
		return nil
	}
	r, err := http.ReadRequest(bufio.NewReaderSize(strings.NewReader(k.raw), len(k.raw)))
	if err != nil {
		return nil
	}
	r.RemoteAddr = k.remote
	r.TLS = k.tls
	return r
}
