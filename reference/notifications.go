package reference

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// notification is one item of Q9 and Q10's feed.
type notification struct {
	ID        string `json:"id"`
	Message   string `json:"message"`
	CreatedAt int64  `json:"createdAt"` // epoch ms
}

// notifications is the feed behind Q9's short polling and Q10's long
// polling: an append-only list in creation order, and the waiters of long
// polls, released together by the next post.
type notifications struct {
	mu      sync.Mutex
	items   []notification
	nextID  int
	changed chan struct{} // closed and replaced on every post
	faults  notificationFaults
	claims  sync.Map // for the wakeOne fault
	// offset shifts the feed's clock (Hooks.ClockOffset); maxWait caps
	// a quiet long poll (Hooks.LongPollCap, else maxLongPoll).
	offset  time.Duration
	maxWait time.Duration
}

// notificationFaults are the mistakes of a polling server the broken
// variants make.
type notificationFaults struct {
	sinceInclusive bool // returns createdAt >= since: the last item comes back forever
	noSinceCheck   bool // treats a malformed since as 0 instead of 400
	newestFirst    bool // returns the newest first
	wakeOne        bool // a post releases only one long-poll waiter
	noWake         bool // long polls return only at their timeout
	timeout200     bool // a long poll that times out answers 200 with an empty list
}

func newNotifications(f notificationFaults, h *Hooks) *notifications {
	n := &notifications{changed: make(chan struct{}), faults: f, offset: h.clockOffset(), maxWait: maxLongPoll}
	if h != nil && h.LongPollCap > 0 {
		n.maxWait = h.LongPollCap
	}
	return n
}

// now is the feed's clock: the machine's, shifted by the hooks' offset.
func (n *notifications) now() int64 { return time.Now().Add(n.offset).UnixMilli() }

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

// post handles POST /api/notifications {"message":"..."}.
func (n *notifications) post(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Message *string `json:"message"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10)).Decode(&body); err != nil {
		writeError(w, http.StatusBadRequest, "the body must be JSON: {\"message\":\"...\"}")
		return
	}
	if body.Message == nil || strings.TrimSpace(*body.Message) == "" {
		writeError(w, http.StatusBadRequest, "message must be a non-empty string")
		return
	}
	n.mu.Lock()
	n.nextID++
	now := n.now()
	// createdAt strictly increases, so that "since the last one I saw"
	// never loses or repeats an item posted in the same millisecond.
	if k := len(n.items); k > 0 && now <= n.items[k-1].CreatedAt {
		now = n.items[k-1].CreatedAt + 1
	}
	item := notification{ID: strconv.Itoa(n.nextID), Message: *body.Message, CreatedAt: now}
	n.items = append(n.items, item)
	woken := n.changed
	n.changed = make(chan struct{})
	n.mu.Unlock()
	if !n.faults.noWake {
		close(woken)
	}
	writeJSON(w, http.StatusCreated, item)
}

// parseSince reads ?since=MS; missing means 0.
func (n *notifications) parseSince(r *http.Request) (int64, bool) {
	s := r.URL.Query().Get("since")
	if s == "" {
		return 0, true
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v < 0 {
		return 0, n.faults.noSinceCheck
	}
	return v, true
}

// since returns the items created after ms, oldest first, and the channel
// that the next post closes.
func (n *notifications) since(ms int64) ([]notification, <-chan struct{}) {
	n.mu.Lock()
	defer n.mu.Unlock()
	out := []notification{}
	for _, it := range n.items {
		if it.CreatedAt > ms || (n.faults.sinceInclusive && it.CreatedAt == ms) {
			out = append(out, it)
		}
	}
	if n.faults.newestFirst {
		for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
			out[i], out[j] = out[j], out[i]
		}
	}
	return out, n.changed
}

type feed struct {
	Notifications []notification `json:"notifications"`
	ServerTime    int64          `json:"serverTime"`
}

// get handles GET /api/notifications?since=MS (Q9).
func (n *notifications) get(w http.ResponseWriter, r *http.Request) {
	since, ok := n.parseSince(r)
	if !ok {
		writeError(w, http.StatusBadRequest, "since must be a number of epoch milliseconds")
		return
	}
	items, _ := n.since(since)
	writeJSON(w, http.StatusOK, feed{items, n.now()})
}

// maxLongPoll caps ?timeout=: below the 60 s idle limit of common proxies,
// so that the server, not a proxy, ends a quiet request.
const maxLongPoll = 60 * time.Second

// longPoll handles GET /api/notifications/long-poll?since=MS&timeout=S
// (Q10): it answers at once when newer items exist, otherwise waits for the
// next post or the timeout (204).
func (n *notifications) longPoll(w http.ResponseWriter, r *http.Request) {
	since, ok := n.parseSince(r)
	if !ok {
		writeError(w, http.StatusBadRequest, "since must be a number of epoch milliseconds")
		return
	}
	timeout := 25 * time.Second
	if s := r.URL.Query().Get("timeout"); s != "" {
		secs, err := strconv.ParseFloat(s, 64)
		if err != nil || secs <= 0 {
			writeError(w, http.StatusBadRequest, "timeout must be a positive number of seconds")
			return
		}
		timeout = time.Duration(secs * float64(time.Second))
	}
	timeout = min(timeout, n.maxWait)
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		items, changed := n.since(since)
		if len(items) > 0 {
			writeJSON(w, http.StatusOK, feed{items, n.now()})
			return
		}
		select {
		case <-changed:
			if n.faults.wakeOne && !n.claimWake(changed) {
				<-timer.C
				n.timedOut(w)
				return
			}
		case <-timer.C:
			n.timedOut(w)
			return
		case <-r.Context().Done():
			return // the client gave up
		}
	}
}

// claimWake is the wakeOne fault: only the first waiter of each post wins.
func (n *notifications) claimWake(ch <-chan struct{}) bool {
	_, taken := n.claims.LoadOrStore(ch, true)
	return !taken
}

func (n *notifications) timedOut(w http.ResponseWriter) {
	if n.faults.timeout200 {
		writeJSON(w, http.StatusOK, feed{[]notification{}, n.now()})
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// mount adds the feed's routes to s; withLongPoll adds Q10's.
func (n *notifications) mount(s *server, withLongPoll bool) {
	s.HandleFunc("POST /api/notifications", n.post)
	s.HandleFunc("GET /api/notifications", n.get)
	if withLongPoll {
		s.HandleFunc("GET /api/notifications/long-poll", n.longPoll)
	}
}
