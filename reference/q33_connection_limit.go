package reference

import (
	"fmt"
	"net"
	"strings"
	"sync"

	"rtlab/socketio"
)

func init() { registerFaults("q33", q33Variants, newQ33) }

// maxPerIP is the contract's limit of concurrent connections per address.
const maxPerIP = 5

type q33Faults struct {
	countRefused bool // the count goes up before the check and a refusal never gives it back
	leakOnDrop   bool // only a polite disconnect gives the slot back
	trustXFF     bool // the address is read from X-Forwarded-For when the client sends one
}

var q33Variants = map[string]q33Faults{
	"count-refused": {countRefused: true},
	"leak-on-drop":  {leakOnDrop: true},
	"trust-xff":     {trustXFF: true},
}

// ipLimiter counts the open sockets of each address. A slot is taken only
// when a connection is accepted and given back exactly once, on
// "disconnect", whatever its reason: the two places a hand-kept counter
// leaks (refusals and abrupt drops) are where the variants go wrong.
type ipLimiter struct {
	mu    sync.Mutex
	count map[string]int
}

// acquire takes a slot for ip, or reports that its limit is reached.
func (l *ipLimiter) acquire(ip string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.count[ip] >= maxPerIP {
		return false
	}
	l.count[ip]++
	return true
}

// release gives a slot back; an address with none left is forgotten, so
// the map does not grow with every client ever seen.
func (l *ipLimiter) release(ip string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.count[ip]--; l.count[ip] <= 0 {
		delete(l.count, ip)
	}
}

// clientIP is the address of the TCP connection, as socket.handshake.address
// gives it. Headers such as X-Forwarded-For are written by the client and
// prove nothing unless a proxy the server trusts sets them.
func clientIP(s *socketio.Socket, trustXFF bool) string {
	if xff := s.Handshake().Header.Get("X-Forwarded-For"); trustXFF && xff != "" {
		return strings.TrimSpace(strings.Split(xff, ",")[0])
	}
	addr := s.Handshake().Address
	if host, _, err := net.SplitHostPort(addr); err == nil {
		return host
	}
	return addr
}

// newQ33 allows at most five concurrent connections per IP address. The
// middleware refuses the sixth with TOO_MANY_CONNECTIONS; the slot taken
// by an accepted connection is released in its disconnect handler, which
// socket.io calls for every reason, the abrupt "transport close" included.
func newQ33(o Options, f q33Faults) (Server, error) {
	lim := &ipLimiter{count: map[string]int{}}
	srv, io := ioServer(o)
	nsp := io.Of("/")
	nsp.Use(func(s *socketio.Socket) error {
		ip := clientIP(s, f.trustXFF)
		if f.countRefused {
			lim.mu.Lock()
			lim.count[ip]++ // counted first, checked after: a refused attempt keeps its slot
			n := lim.count[ip]
			lim.mu.Unlock()
			if n > maxPerIP {
				return refusal("TOO_MANY_CONNECTIONS", fmt.Sprintf("Too many connections from your address: at most %d at a time.", maxPerIP))
			}
		} else if !lim.acquire(ip) {
			return refusal("TOO_MANY_CONNECTIONS", fmt.Sprintf("Too many connections from your address: at most %d at a time.", maxPerIP))
		}
		s.Set("ip", ip)
		return nil
	})
	nsp.OnConnect(func(s *socketio.Socket) {
		ip, _ := s.Get("ip").(string)
		s.OnDisconnect(func(r socketio.Reason) {
			if f.leakOnDrop && r == socketio.ReasonTransportClose {
				return
			}
			lim.release(ip)
		})
	})
	return srv, nil
}
