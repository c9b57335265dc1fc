package engineio

import (
	"bufio"
	"bytes"
	"net/http"
	"testing"
)

// FuzzFrontHead: every request head the front takes for itself is one
// net/http reads the same way: method, path, query, Host, length and
// headers. What it is unsure of it leaves to net/http.
func FuzzFrontHead(f *testing.F) {
	for _, s := range []string{
		"GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\n\r\n",
		"POST /socket.io/?EIO=4&transport=polling&sid=a HTTP/1.1\r\nHost: 127.0.0.1:3000\r\nContent-Type: text/plain;charset=UTF-8\r\nContent-Length: 5\r\n\r\nhello",
		"GET /socket.io/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-A: 1\r\nx-a: 2\r\n\r\n",
		"GET /socket.io/%2e HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET /other HTTP/1.1\r\nHost: x\r\n\r\n",
		"POST /socket.io/ HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		fr, err := parseFrontHead(b, "/socket.io/")
		if err != nil {
			return
		}
		r, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(b)))
		if err != nil {
			t.Fatalf("the front took %q, net/http refuses it: %v", b, err)
		}
		if r.Method != fr.method || r.URL.Path != fr.path || r.URL.RawQuery != fr.rawQuery || r.Host != fr.host ||
			r.ContentLength != int64(fr.length) || r.Close != fr.closeConn {
			t.Fatalf("%q: front %+v, net/http %s %s ? %s host %s length %d close %v", b, fr, r.Method, r.URL.Path, r.URL.RawQuery, r.Host, r.ContentLength, r.Close)
		}
		if len(r.Header) != len(fr.header) {
			t.Fatalf("%q: headers: front %q, net/http %q", b, fr.header, r.Header)
		}
		for k, vs := range r.Header {
			if got := fr.header[k]; len(got) != len(vs) {
				t.Fatalf("%q: header %s: front %q, net/http %q", b, k, got, vs)
			}
		}
	})
}
