//go:build !unix

package loadtest

// rawCall is the state of the raw round trip of rawcall_unix.go, which
// has no counterpart here.
type rawCall struct{}

// sendAndWait writes the text frame made of parts; call reads the answer.
func (c *wsClient) sendAndWait(parts ...[]byte) error { return c.writeText(parts...) }
