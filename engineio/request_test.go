package engineio

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestKeptRequest: what Conn.Request gives back is the handshake request's
// method, URL, host, headers (every value of each), peer and TLS state,
// with an empty body.
func TestKeptRequest(t *testing.T) {
	r := httptest.NewRequest("GET", "http://example.test:3000/socket.io/?EIO=4&transport=websocket&token=a%20b", nil)
	r.Header.Set("Origin", "http://localhost:5173")
	r.Header.Add("Cookie", "a=1")
	r.Header.Add("Cookie", "b=2")
	r.Header.Set("Authorization", "Bearer x.y.z")
	r.RemoteAddr = "[::1]:51234"
	r.TLS = &tls.ConnectionState{ServerName: "example.test"}

	k := keepRequest(r)
	got := k.request()
	require.NotNil(t, got)
	require.Equal(t, "GET", got.Method)
	require.Equal(t, "example.test:3000", got.Host)
	require.Equal(t, "/socket.io/?EIO=4&transport=websocket&token=a%20b", got.URL.RequestURI())
	require.Equal(t, "a b", got.URL.Query().Get("token"))
	require.Equal(t, []string{"a=1", "b=2"}, got.Header.Values("Cookie"))
	require.Equal(t, "http://localhost:5173", got.Header.Get("Origin"))
	require.Equal(t, "Bearer x.y.z", got.Header.Get("Authorization"))
	require.Empty(t, got.Header.Get("Host"), "Host is the request's Host, as net/http gives it")
	require.Equal(t, "[::1]:51234", got.RemoteAddr)
	require.Equal(t, "example.test", got.TLS.ServerName)
	require.Equal(t, http.NoBody, got.Body)
}
