package engineio

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeHijacker hands over one end of a pipe with bytes already buffered.
type fakeHijacker struct {
	http.ResponseWriter
	conn     net.Conn
	buffered string
}

func (f fakeHijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	br := bufio.NewReaderSize(io.MultiReader(strings.NewReader(f.buffered), f.conn), 4096)
	br.Peek(len(f.buffered))
	return f.conn, bufio.NewReadWriter(br, bufio.NewWriterSize(f.conn, 4096)), nil
}

func TestLeanHijackKeepsBufferedBytes(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	w := leanWriter(fakeHijacker{conn: a, buffered: "early "})
	_, brw, err := w.(http.Hijacker).Hijack()
	require.NoError(t, err)
	assert.Equal(t, wsBufferSize, brw.Reader.Size())
	// coder/websocket takes what is buffered, then reads the conn itself.
	require.Equal(t, len("early "), brw.Reader.Buffered())
	assert.Equal(t, wsBufferSize, brw.Writer.Size())
	go func() { b.Write([]byte("late")); b.Close() }()
	got, err := io.ReadAll(brw.Reader)
	require.NoError(t, err)
	assert.Equal(t, "early late", string(got))
}

// unwrapOnly is middleware's writer that forwards Hijack only through
// Unwrap, as http.ResponseController expects.
type unwrapOnly struct {
	http.ResponseWriter
	status int
}

func (u *unwrapOnly) WriteHeader(code int) {
	u.status = code
	u.ResponseWriter.WriteHeader(code)
}

func (u *unwrapOnly) Unwrap() http.ResponseWriter { return u.ResponseWriter }

// A server behind a wrapper that offers Unwrap but not Hijack still
// upgrades: before, acceptWS asserted http.Hijacker on the wrapper and
// answered 500 (the page harness's recordingWriter kept every page on
// polling that way).
func TestWebSocketBehindUnwrapWrapper(t *testing.T) {
	srv := NewServer(&ServerOptions{PingInterval: 5 * time.Second, PingTimeout: 5 * time.Second,
		OnConnection: func(c *Conn) {}})
	statuses := make(chan int, 1)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		uw := &unwrapOnly{ResponseWriter: w}
		srv.ServeHTTP(uw, r)
		statuses <- uw.status
	}))
	t.Cleanup(func() {
		srv.Close()
		hs.Close()
	})
	ws, open := wsOpen(t, hs.URL)
	defer ws.CloseNow()
	assert.NotEmpty(t, open.SID)
	assert.Equal(t, http.StatusSwitchingProtocols, <-statuses, "the 101 goes out through the wrapper")
}
