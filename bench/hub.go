package bench

import (
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// hub is the state one transport's run shares between the update scheduler,
// the server handlers and the simulated clients: per user, the updates
// published so far, when each was sent, and when each was received.
type hub struct {
	opts  *Options
	users []*user
	tr    *tracker
	// base is the server's URL, http://127.0.0.1:PORT.
	base string
	// stop is closed when the run ends, so that handlers holding a request
	// (long polls, streams, WebSockets) return.
	stop chan struct{}

	bgMu     sync.Mutex
	bgClosed bool
	bg       sync.WaitGroup // goroutines servers start outside requests
	closers  []func()       // run when the server closes

	published atomic.Int64
	delivered atomic.Int64
	dups      atomic.Int64
	errors    atomic.Int64 // client-side errors (failed requests, broken streams)
}

// user is one simulated user. The scheduler publishes to it; a server handler
// sends what was published since the client's last update; the client records
// arrivals. Sequence numbers start at 1.
type user struct {
	id     int
	mu     sync.Mutex
	latest int           // last published sequence number
	wake   chan struct{} // closed and replaced on each publish
	sentAt []atomic.Int64
	recvAt []atomic.Int64
}

func newHub(o *Options, tr *tracker) *hub {
	// Room for warm-up and window, plus slack for timers firing late.
	slots := int((o.Warmup+o.Window+time.Second)/o.Interval) + 8
	h := &hub{opts: o, tr: tr, stop: make(chan struct{}), users: make([]*user, o.Users)}
	for i := range h.users {
		h.users[i] = &user{id: i, wake: make(chan struct{}), sentAt: make([]atomic.Int64, slots), recvAt: make([]atomic.Int64, slots)}
	}
	return h
}

// publish makes the next update of u available to its transport and stamps
// its send time. It reports false when u has no slot left.
func (h *hub) publish(u *user) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	seq := u.latest + 1
	if seq >= len(u.sentAt) {
		return false
	}
	u.sentAt[seq].Store(time.Now().UnixNano())
	u.latest = seq
	close(u.wake)
	u.wake = make(chan struct{})
	h.published.Add(1)
	return true
}

// goBackground runs f on a goroutine the server's close waits for; after
// close it does nothing.
func (h *hub) goBackground(f func()) {
	h.bgMu.Lock()
	defer h.bgMu.Unlock()
	if h.bgClosed {
		return
	}
	h.bg.Add(1)
	go func() { defer h.bg.Done(); f() }()
}

// onClose registers f to run when the server closes.
func (h *hub) onClose(f func()) {
	h.bgMu.Lock()
	defer h.bgMu.Unlock()
	h.closers = append(h.closers, f)
}

// closeBackground runs the closers and waits (at most d) for background
// goroutines.
func (h *hub) closeBackground(d time.Duration) {
	h.bgMu.Lock()
	h.bgClosed = true
	closers := h.closers
	h.bgMu.Unlock()
	for _, f := range closers {
		f()
	}
	waitTimeout(&h.bg, d)
}

// pending returns the last published sequence number and a channel closed at
// the next publish.
func (u *user) pending() (latest int, wake <-chan struct{}) {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.latest, u.wake
}

// stopping reports whether the run has ended: a client whose stream or
// request ends after that was ended by the teardown, not by a fault.
func (h *hub) stopping() bool {
	select {
	case <-h.stop:
		return true
	default:
		return false
	}
}

// received records that the client of u saw update seq now.
func (h *hub) received(u *user, seq int) {
	if seq <= 0 || seq >= len(u.recvAt) {
		h.errors.Add(1)
		return
	}
	if !u.recvAt[seq].CompareAndSwap(0, time.Now().UnixNano()) {
		h.dups.Add(1)
		return
	}
	h.delivered.Add(1)
}

// wrote counts an update the server wrote, for the payload/framing split.
func (h *hub) wrote(n int) {
	h.tr.payloadOut.Add(int64(n * h.opts.Payload))
	h.tr.messages.Add(int64(n))
}

// schedule publishes one update per user per interval until stop is closed
// or the slots run out. Users are spread evenly over the interval, as real
// users' updates would be, instead of all at once.
func (h *hub) schedule(stop <-chan struct{}) {
	n := len(h.users)
	interval := h.opts.Interval
	t0 := time.Now()
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	idx, round := 0, 0
	for {
		now := time.Now()
		for {
			due := t0.Add(time.Duration(round)*interval + time.Duration(idx)*interval/time.Duration(n))
			if due.After(now) {
				break
			}
			if !h.publish(h.users[idx]) {
				return
			}
			idx++
			if idx == n {
				idx, round = 0, round+1
			}
		}
		select {
		case <-stop:
			return
		case <-tick.C:
		}
	}
}

// userOf returns the user the query parameter u names, or false when it
// names none: every transport's server is told its user that way.
func (h *hub) userOf(q url.Values) (*user, bool) {
	id, err := strconv.Atoi(q.Get("u"))
	if err != nil || id < 0 || id >= len(h.users) {
		return nil, false
	}
	return h.users[id], true
}

// userHandler serves pattern with serve, given the user the request's u
// parameter names; a request that names none is answered 400.
func (h *hub) userHandler(pattern string, serve func(w http.ResponseWriter, r *http.Request, u *user)) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		u, ok := h.userOf(r.URL.Query())
		if !ok {
			http.Error(w, "bad user", http.StatusBadRequest)
			return
		}
		serve(w, r, u)
	})
	return mux
}

// push is the loop of the servers that hold a stream to the client (SSE,
// WebSocket, Socket.IO): it sends u's updates after last, each as soon as
// it is published, until the run ends (stopped true) or done is closed or
// a send fails (false).
func (h *hub) push(u *user, last int, done <-chan struct{}, send func(seq int) error) (stopped bool) {
	for {
		latest, wake := u.pending()
		for seq := last + 1; seq <= latest; seq++ {
			if err := send(seq); err != nil {
				return false
			}
			h.wrote(1)
		}
		last = latest
		select {
		case <-wake:
		case <-h.stop:
			return true
		case <-done:
			return false
		}
	}
}
