package bench

import (
	"context"
	"net/http"
	"sort"
)

// transport is one way of getting updates from the server to users. Each has
// its server side (an http.Handler) and its client side (one goroutine per
// user), and says whether it promises delivery of every update.
type transport struct {
	name        string
	description string
	// promise is true when no update may go missing. All transports here
	// promise it: even short polling answers with everything since the
	// client's last poll, so it delivers every update, only late.
	promise bool
	// handler returns the server side. It is mounted at "/".
	handler func(h *hub) http.Handler
	// client runs the user u until ctx ends. It calls ready once connected
	// (or at its first request) and h.received for every update.
	client func(ctx context.Context, h *hub, c *clientEnv, u *user, ready func()) error
	// available reports whether the transport can run in this build; when it
	// cannot, the reason is reported and the row is marked "not run".
	available func() (bool, string)
}

var transports = map[string]*transport{}

func registerTransport(t *transport) { transports[t.name] = t }

func lookupTransport(name string) *transport { return transports[name] }

// DefaultTransports is what Run measures when Options.Transports is empty, in
// this order.
var DefaultTransports = []string{"short-polling", "long-polling", "sse", "websocket", "socketio-websocket", "socketio-polling"}

// TransportNames lists every transport Run knows, sorted.
func TransportNames() []string {
	names := make([]string, 0, len(transports))
	for n := range transports {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
