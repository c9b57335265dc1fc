package bench

import (
	"net"
	"net/http"
	"sync"
	"time"
)

// clientEnv holds the HTTP machinery of the simulated users of one run, so
// that all of it is closed at the end and no connection survives.
type clientEnv struct {
	// shared serves transports whose users each hold one long-lived
	// connection (streams, WebSocket handshakes): every concurrent request
	// gets its own connection anyway.
	shared *http.Transport

	mu      sync.Mutex
	perUser []*http.Transport
}

func newClientEnv() *clientEnv {
	return &clientEnv{shared: newHTTPTransport(0)}
}

func newHTTPTransport(idle int) *http.Transport {
	return &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second}).DialContext,
		MaxIdleConns:        idle,
		MaxIdleConnsPerHost: idle,
		IdleConnTimeout:     90 * time.Second,
		ForceAttemptHTTP2:   false,
	}
}

// userClient returns an HTTP client with a connection pool of its own, as a
// browser tab has: a polling user keeps its one keep-alive connection instead
// of sharing a pool with every other user.
func (c *clientEnv) userClient() *http.Client {
	t := newHTTPTransport(1)
	c.mu.Lock()
	c.perUser = append(c.perUser, t)
	c.mu.Unlock()
	return &http.Client{Transport: t}
}

// close closes every idle connection the run's clients hold.
func (c *clientEnv) close() {
	c.shared.CloseIdleConnections()
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, t := range c.perUser {
		t.CloseIdleConnections()
	}
}
