package reference

import (
	"strings"
	"sync"
	"time"

	"rtlab/socketio"
)

func init() { registerFaults("q34", q34Variants, newQ34) }

// chatLimit is how many chat-message events a user may send per window.
const chatLimit = 30

type q34Faults struct {
	fixedWindow  bool // a counter reset when its window (started by the first message) ends
	clockWindow  bool // a counter reset on the clock: windows are multiples of the length since the epoch
	perSocket    bool // the limit is kept per socket: a second tab doubles it
	countRefused bool // a refused attempt is recorded as if accepted
	retryWindow  bool // retryAfter is always the whole window
}

var q34Variants = map[string]q34Faults{
	"fixed-window":       {fixedWindow: true},
	"fixed-window-clock": {fixedWindow: true, clockWindow: true},
	"per-socket":         {perSocket: true},
	"count-refused":      {countRefused: true},
	"retry-after-window": {retryWindow: true},
}

// slidingLimiter allows limit events per key in any interval of length
// window: it keeps the times of the accepted events of the last window
// and refuses when there are limit of them. Unlike a counter reset every
// window (fixed window), it never lets 2×limit through across a boundary.
type slidingLimiter struct {
	limit  int
	window time.Duration
	f      q34Faults

	mu    sync.Mutex
	hits  map[string][]time.Time // accepted events in the last window, oldest first
	fixed map[string]*fixedCount // fixed-window variant
}

type fixedCount struct {
	start time.Time
	n     int
}

// allow records an event of key at now when the limit allows it, and
// otherwise returns the time until a slot frees.
func (l *slidingLimiter) allow(key string, now time.Time) (ok bool, wait time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f.fixedWindow {
		c := l.fixed[key]
		if c == nil || now.Sub(c.start) >= l.window {
			start := now
			if l.f.clockWindow {
				start = now.Truncate(l.window)
			}
			c = &fixedCount{start: start}
			l.fixed[key] = c
		}
		if c.n >= l.limit {
			return false, c.start.Add(l.window).Sub(now)
		}
		c.n++
		return true, 0
	}
	h := l.hits[key]
	cut := 0
	for cut < len(h) && now.Sub(h[cut]) >= l.window {
		cut++
	}
	h = h[cut:]
	if len(h) >= l.limit {
		wait = h[0].Add(l.window).Sub(now)
		if l.f.countRefused {
			h = append(h, now)
		}
		l.hits[key] = h
		return false, wait
	}
	l.hits[key] = append(h, now)
	return true, 0
}

// forget drops a key's state once its window is over, so that the map
// does not keep every user ever seen. Called on disconnect.
func (l *slidingLimiter) forget(key string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if h := l.hits[key]; len(h) == 0 || now.Sub(h[len(h)-1]) >= l.window {
		delete(l.hits, key)
	}
}

// retryAfterSeconds rounds a wait up to whole seconds, at least 1: a
// client told "0" would retry at once and be refused again.
func retryAfterSeconds(wait time.Duration) int {
	s := int((wait + time.Second - 1) / time.Second)
	return max(s, 1)
}

// newQ34 authenticates with jwtMiddleware and limits chat-message to 30
// per user (the token's sub, so every tab of a user shares the budget)
// per sliding window of Options.RateLimitWindow (RATE_LIMIT_WINDOW_MS).
func newQ34(o Options, f q34Faults) (Server, error) {
	lim := &slidingLimiter{limit: chatLimit, window: o.RateLimitWindow, f: f,
		hits: map[string][]time.Time{}, fixed: map[string]*fixedCount{}}
	srv, io := ioServer(o)
	nsp := io.Of("/")
	nsp.Use(jwtMiddleware(o.JWTSecret, authFaults{}))
	nsp.OnConnect(func(s *socketio.Socket) {
		userID := socketClaims(s).Subject
		key := userID
		if f.perSocket {
			key = s.ID()
		}
		s.On("chat-message", func(e *socketio.Event) {
			var m struct {
				Text *string `json:"text"`
			}
			if !objectArg(e, &m) || m.Text == nil || strings.TrimSpace(*m.Text) == "" {
				ackError(e, "A message needs a text.")
				return
			}
			ok, wait := lim.allow(key, time.Now())
			if !ok {
				secs := retryAfterSeconds(wait)
				if f.retryWindow {
					secs = retryAfterSeconds(o.RateLimitWindow)
				}
				ack(e, map[string]any{"status": "error", "code": "RATE_LIMITED",
					"message":    "You are sending messages too fast: wait a moment.",
					"retryAfter": secs})
				return
			}
			s.Broadcast().Emit("chat-message", map[string]string{"from": userID, "text": *m.Text})
			ackOK(e, nil)
		})
		s.OnDisconnect(func(socketio.Reason) { lim.forget(key, time.Now()) })
	})
	return srv, nil
}
