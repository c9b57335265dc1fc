package engineio

import (
	"io"
	"net/http"
	"slices"
	"strconv"
	"sync/atomic"
	"time"
)

// pollState is what a session opened on polling needs besides what every
// session has: its GET and POST in progress, the wake-up of a pending GET,
// the timer of a graceful close, and its upgrade to WebSocket. A session
// opened on WebSocket has none (Conn.poll is nil), and the bytes of these
// fields with it. Guarded by Conn.mu.
type pollState struct {
	postsIn    int           // POSTs being served (from their start): one may carry the pong
	wake       chan struct{} // cap 1: the pending GET has something to do
	closeTimer *time.Timer   // graceful close over polling waits this long for a GET
	probe      *wsConn
	// probeStep is closed (and cleared) whenever the upgrade moves on;
	// see awaitProbeLocked.
	probeStep  chan struct{}
	upgradedAt time.Time // when "5" switched the session to WebSocket
	getActive  bool
	postActive bool
	// upgrading: the probe succeeded; a pending GET is answered with a
	// noop so that the client can pause polling and send the upgrade
	// packet.
	upgrading bool
	// An upgrade is under way from before its 101 is written
	// (probeStarting) until it succeeds or fails. probeIdle: its reader
	// has handled every message it took from the socket.
	probeStarting bool
	probeIdle     bool
}

// servePollingHandshake answers the handshake GET with the open packet
// alone, as the JavaScript server does; what OnConnection sends waits for
// the next GET.
func (c *Conn) servePollingHandshake(w http.ResponseWriter, r *http.Request, open *Message) {
	if !c.srv.register(c) {
		http.Error(w, "engine.io server closed", http.StatusServiceUnavailable)
		return
	}
	c.startHeartbeat()
	c.callOnConnection()
	writePayload(w, open.segment())
}

func (c *Conn) callOnConnection() {
	if f := c.srv.opts.OnConnection; f != nil {
		f(c)
	}
}

// servePoll holds a GET until there is something to send, then sends all
// of it as one payload.
func (c *Conn) servePoll(w http.ResponseWriter, r *http.Request) {
	if h := testHookRequest.Load(); h != nil {
		(*h)(r)
	}
	c.mu.Lock()
	if !c.admitLocked(w, r) {
		return
	}
	p := c.poll
	if p.getActive {
		c.mu.Unlock()
		w.WriteHeader(http.StatusBadRequest)
		c.terminate(ReasonTransportError, errPollOverlap, false)
		return
	}
	p.getActive = true
	for {
		if c.onWS {
			// Upgraded while this GET waited: it is answered with a noop
			// and the queue belongs to the WebSocket.
			p.getActive = false
			c.mu.Unlock()
			writePayload(w, msgNoop.segment())
			return
		}
		if len(c.queue) > 0 {
			break
		}
		if c.closed {
			p.getActive = false
			c.mu.Unlock()
			writePayload(w, msgClose.segment())
			return
		}
		if p.upgrading {
			p.getActive = false
			c.mu.Unlock()
			writePayload(w, msgNoop.segment())
			return
		}
		done := c.doneLocked()
		c.mu.Unlock()
		select {
		case <-p.wake:
		case <-done:
		case <-r.Context().Done():
			// The JS server calls this a transport error too.
			c.mu.Lock()
			p.getActive = false
			c.mu.Unlock()
			c.terminate(ReasonTransportError, errPollAborted, false)
			return
		}
		c.mu.Lock()
	}
	q := c.queue
	c.queue = nil
	if c.closing {
		// The close packet goes in a poll of its own, after what was
		// queued before it, as engine.io sends it: socket.io-client
		// handles the packets of a payload a tick later than a close, so
		// a DISCONNECT sharing the close's payload was never seen and a
		// server's disconnect(true) read as "transport close".
		if i := slices.Index(q, msgClose); i > 0 {
			c.queue = q[i:]
			q = q[:i]
		}
	}
	p.getActive = false
	closing := c.closing
	c.mu.Unlock()

	writePayload(w, appendSegments(make([]byte, 0, payloadSize(q)), q))
	if closing && q[len(q)-1] == msgClose {
		c.terminate(ReasonForcedClose, nil, false)
	}
}

// admitLocked puts a poll or POST in its place among what the client sent
// before it: after what it sent on an upgrading WebSocket, after the
// heartbeat timers that were due. The session may turn out ended (400
// "Session ID unknown", but a GET the client sent before its close packet
// gets its noop: see rememberEnded) or upgraded (400 "Bad request"), and
// then the request is answered here and false returned. c.mu is held on
// entry, and on return only when true.
func (c *Conn) admitLocked(w http.ResponseWriter, r *http.Request) bool {
	c.awaitProbeLocked(r)
	timedOut := c.checkHeartbeatLocked()
	closed := c.closed
	if closed || timedOut || c.onWS {
		c.mu.Unlock()
		switch {
		case timedOut:
			c.terminate(ReasonPingTimeout, nil, false)
			c.srv.abort(w, false, CodeUnknownSID)
		case closed:
			if r.Method == http.MethodGet && c.srv.takeEnded(c.id) {
				writePayload(w, msgNoop.segment())
			} else {
				c.srv.abort(w, false, CodeUnknownSID)
			}
		default:
			c.pauseAfterUpgrade()
			c.srv.abort(w, false, CodeBadRequest)
		}
		return false
	}
	return true
}

// pauseAfterUpgrade delays the 400 of a polling request refused because
// the session has just been upgraded, until upgradedRefusalPause after the
// upgrade. The upgrade's reader answered the probe on the WebSocket just
// before; the JS server, reading its sockets in order, answers the probe
// well before such a request, and a client that handles both sockets in
// one turn of its event loop could otherwise take the 400 first. Only a
// client that polls after its own upgrade packet meets it (the official
// suite's "ignores HTTP requests with same sid after upgrade" does, and
// then expects the WebSocket's next message to be its own echo).
func (c *Conn) pauseAfterUpgrade() {
	if c.poll == nil {
		return // opened on WebSocket: never upgraded
	}
	c.mu.Lock()
	at := c.poll.upgradedAt
	c.mu.Unlock()
	if at.IsZero() {
		return
	}
	if d := upgradedRefusalPause - time.Since(at); d > 0 {
		time.Sleep(d)
	}
}

const upgradedRefusalPause = 25 * time.Millisecond

// testHookRequest, when set by a test, is called as a poll or POST starts,
// to delay it behind what the test makes happen meanwhile.
var testHookRequest atomic.Pointer[func(*http.Request)]

func payloadSize(q []*Message) int {
	n := len(q)
	for _, m := range q {
		n += len(m.frame)
		if m.binary {
			n += len(m.frame)/3 + 4
		}
	}
	return n
}

// The headers of every poll and POST answer, shared: net/http copies the
// header map when the status is written and never changes a value in
// place, and a []string made per header per answer was a tenth of the
// allocations of a polling load.
var (
	hdrTextPlain = []string{"text/plain; charset=UTF-8"}
	hdrTextHTML  = []string{"text/html"}
	hdrNoStore   = []string{"no-store"}
	hdrLength2   = []string{"2"}
)

// autoLengthBelow: net/http writes the Content-Length of an answer itself
// when the handler returns with the whole body still in its 2048-byte
// buffer. A longer body is written before the handler returns, and would
// go out chunked without a Content-Length set here.
const autoLengthBelow = 2048

func writePayload(w http.ResponseWriter, body []byte) {
	h := w.Header()
	h["Content-Type"] = hdrTextPlain
	if len(body) >= autoLengthBelow {
		h["Content-Length"] = []string{strconv.Itoa(len(body))}
	}
	h["Cache-Control"] = hdrNoStore
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}

// servePost reads one payload from the client: 413 over MaxPayload,
// otherwise "ok" (text/html) and the packets are handled in order.
func (c *Conn) servePost(w http.ResponseWriter, r *http.Request) {
	p := c.poll
	if p == nil {
		// Opened on WebSocket (a POST with transport=websocket and no
		// upgrade): admitLocked refuses it.
		c.mu.Lock()
		c.admitLocked(w, r)
		return
	}
	c.mu.Lock()
	p.postsIn++
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		p.postsIn--
		c.mu.Unlock()
	}()
	if h := testHookRequest.Load(); h != nil {
		(*h)(r)
	}
	c.mu.Lock()
	if !c.admitLocked(w, r) {
		return
	}
	if p.postActive {
		c.mu.Unlock()
		w.WriteHeader(http.StatusBadRequest)
		c.terminate(ReasonTransportError, errPostOverlap, false)
		return
	}
	p.postActive = true
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		p.postActive = false
		c.mu.Unlock()
	}()

	if r.Header.Get("Content-Type") == "application/octet-stream" {
		w.WriteHeader(http.StatusBadRequest)
		c.terminate(ReasonTransportError, errBinaryPost, false)
		return
	}
	// A client that trickles its body must not hold the session (or
	// Server.Close) forever.
	http.NewResponseController(w).SetReadDeadline(time.Now().Add(c.srv.writeTimeout))
	max := c.srv.opts.MaxPayload
	if r.ContentLength > int64(max) {
		w.WriteHeader(http.StatusRequestEntityTooLarge)
		return
	}
	body, err := readBody(r, max)
	if err != nil {
		c.terminate(ReasonTransportError, err, false)
		return
	}
	if len(body) > max {
		w.WriteHeader(http.StatusRequestEntityTooLarge)
		return
	}
	pkts, perr := ParsePayload(body)
	h := w.Header()
	h["Content-Type"] = hdrTextHTML
	h["Content-Length"] = hdrLength2
	h["Cache-Control"] = hdrNoStore
	w.WriteHeader(http.StatusOK)
	w.Write([]byte("ok"))
	if perr != nil {
		c.terminate(ReasonParseError, perr, false)
		return
	}
	for _, pkt := range pkts {
		if !c.handlePacket(pkt) {
			return
		}
	}
}

// readBody reads a POST's body, up to max+1 bytes: when its length is
// known, into a buffer of that size at once (the packets keep it).
func readBody(r *http.Request, max int) ([]byte, error) {
	if n := r.ContentLength; n >= 0 && n <= int64(max) {
		body := make([]byte, n)
		if _, err := io.ReadFull(r.Body, body); err != nil {
			return nil, err
		}
		return body, nil
	}
	return io.ReadAll(io.LimitReader(r.Body, int64(max)+1))
}
