package engineio

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

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
