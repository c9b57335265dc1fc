package engineio

import (
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Conn is one Engine.IO session on the server, whichever transport carries
// it. It costs as little as the transport allows: a polling session has no
// goroutine between requests; an idle WebSocket session has neither a
// goroutine nor a read buffer (the server's poller watches its socket,
// poller_linux.go); a writer goroutine exists only while there is
// something to write; the heartbeat is one timer; and what only polling
// needs is apart (pollState). BenchmarkIdleSessions in package socketio
// measures what an idle session costs.
type Conn struct {
	srv *Server
	id  string
	req keptRequest

	// hmu serialises Handler calls; handlerClosed (under hmu) stops
	// OnMessage once OnClose is due.
	hmu     sync.Mutex
	handler Handler

	// cmu guards call, the WebSocket reader's OnMessage call (handoff.go).
	cmu  sync.Mutex
	call readerCall

	mu     sync.Mutex
	queue  []*Message
	queued int           // bytes queued since the queue was last empty (see enqueueLocked)
	done   chan struct{} // made by doneLocked
	ws     *wsConn
	// poll is what only a session opened on polling needs (pollState):
	// nil for a session opened on WebSocket, most sessions under load.
	poll *pollState

	// heartbeat is the session's one heartbeat timer: it fires when the
	// next ping is due (pingDue set), then when the client's answer to it
	// is (pongDue set). pingDue is when the next ping is due (0 while one
	// is out); pongDue when the client's answer to it is due, counted from
	// when the ping was due (0 when none is out). Both are monoNow
	// readings. A request checks them itself (see checkHeartbeatLocked)
	// rather than rely on the timer's goroutine having run.
	heartbeat *time.Timer
	pingDue   int64
	pongDue   int64

	// The flags are kept together, where they take no padding:
	// handlerClosed is guarded by hmu, callActive by cmu (handoff.go), the
	// others by mu.
	handlerClosed bool
	callActive    bool
	onWS          bool // on WebSocket: opened there, or upgraded; polling otherwise
	closing       bool // Close called: the close packet is queued, flush then end
	closed        bool
	writing       bool // a writer goroutine is running, or the reader corked (cork.go)
	corked        bool // the reader holds writes back until it has handled what it holds
}

// Transport names, as the protocol spells them. A session keeps which one
// it is on as a flag: the name a request gave is a substring of that
// request's line, which it would keep alive for the session's lifetime.
const (
	transportPolling   = "polling"
	transportWebSocket = "websocket"
)

// clockBase anchors monoNow.
var clockBase = time.Now()

// monoNow reads the monotonic clock as nanoseconds since clockBase, never
// 0 (which stands for "not set"): a heartbeat deadline kept this way takes
// 8 bytes where a time.Time takes 24, and is as immune to changes of the
// wall clock.
func monoNow() int64 { return int64(time.Since(clockBase)) + 1 }

// closeTimeout is how long a graceful close over polling waits for the
// client's next GET to carry the close packet (the JavaScript value).
const closeTimeout = 30 * time.Second

var (
	errPollOverlap = errors.New("engineio: overlapping GET requests from client")
	errPostOverlap = errors.New("engineio: overlapping POST requests from client")
	errHeartbeat   = errors.New("engineio: invalid heartbeat direction (client sent a ping)")
	errPollAborted = errors.New("engineio: poll connection closed prematurely")
	errBinaryPost  = errors.New("engineio: binary POST body (protocol 4 expects text)")
)

func (s *Server) newConn(r *http.Request, transport string) *Conn {
	// Only the request's line, headers and peer (request.go): the request
	// itself, its context chain and net/http's per-connection state behind
	// it are not kept past the handshake.
	c := &Conn{
		srv:     s,
		id:      newSID(),
		req:     keepRequest(r),
		handler: nopHandler{},
		onWS:    transport == transportWebSocket,
	}
	if !c.onWS {
		c.poll = &pollState{wake: make(chan struct{}, 1)}
	}
	return c
}

type nopHandler struct{}

func (nopHandler) OnMessage([]byte, bool) {}
func (nopHandler) OnClose(string, error)  {}

// ID returns the session id.
func (c *Conn) ID() string { return c.id }

// Request returns the handshake request (headers, query, RemoteAddr, TLS)
// with an empty body. It is parsed again from what the session kept at
// each call (see keptRequest): callers keep what they need of it.
func (c *Conn) Request() *http.Request { return c.req.request() }

// Transport returns "polling" or "websocket"; it changes after an upgrade.
func (c *Conn) Transport() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.onWS {
		return transportWebSocket
	}
	return transportPolling
}

// Done is closed when the session has ended.
func (c *Conn) Done() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.doneLocked()
}

// doneLocked returns the done channel, made on first use: most sessions
// end without anyone asking for it, and an idle server holds thousands.
func (c *Conn) doneLocked() chan struct{} {
	if c.done == nil {
		if c.closed {
			return closedChan
		}
		c.done = make(chan struct{})
	}
	return c.done
}

// closedChan is the done channel of whatever ended before anyone asked.
var closedChan = func() chan struct{} { ch := make(chan struct{}); close(ch); return ch }()

// SetHandler sets the receiver of the session's messages and close.
func (c *Conn) SetHandler(h Handler) {
	if h == nil {
		h = nopHandler{}
	}
	c.hmu.Lock()
	c.handler = h
	c.hmu.Unlock()
}

// SendMessage queues one message; see Send.
func (c *Conn) SendMessage(data []byte, binary bool) error {
	return c.Send(NewMessage(data, binary))
}

// Send queues m for the client and returns without waiting for the
// network. It returns ErrClosed once the session is closing or closed.
func (c *Conn) Send(m *Message) error {
	c.mu.Lock()
	if c.closed || c.closing {
		c.mu.Unlock()
		return ErrClosed
	}
	if c.overQueueLocked(m) {
		c.mu.Unlock()
		c.terminate(ReasonTransportError, ErrSlowConsumer, false)
		return ErrClosed
	}
	c.enqueueLocked(m)
	c.mu.Unlock()
	return nil
}

// overQueueLocked reports whether queueing m would pass MaxQueue. The count
// starts again each time the queue is found empty: every writer (the
// WebSocket writer, a poll) takes the whole queue, so counting what
// enqueueLocked adds to a non-empty queue needs nothing from them.
func (c *Conn) overQueueLocked(m *Message) bool {
	limit := c.srv.opts.MaxQueue
	if limit < 0 {
		return false
	}
	if len(c.queue) == 0 {
		c.queued = 0
	}
	return c.queued+len(m.frame) > limit
}

// SendNow is Send for a reply: when the session is on WebSocket and
// nothing is queued or being written, m is written on the calling
// goroutine with one non-blocking write, and only what the socket does not
// take is left to a writer goroutine. The hand-off to a writer goroutine
// was most of the cost of an ack under load. It never waits for the
// network. Keep Send for broadcasts, where the writer batches what queues
// up into one write.
func (c *Conn) SendNow(m *Message) error {
	c.mu.Lock()
	if c.closed || c.closing {
		c.mu.Unlock()
		return ErrClosed
	}
	ws := c.ws
	if !c.onWS || ws == nil || c.writing || len(c.queue) > 0 {
		if c.overQueueLocked(m) {
			c.mu.Unlock()
			c.terminate(ReasonTransportError, ErrSlowConsumer, false)
			return ErrClosed
		}
		c.enqueueLocked(m)
		c.mu.Unlock()
		return nil
	}
	c.writing = true // this goroutine is the writer for now
	c.mu.Unlock()
	done, err := ws.tryWrite(m)
	return c.afterTryWrite(ws, m, nil, done, err)
}

// SendNowText is SendNow for a text message given as its data, which is
// copied only when it cannot be written at once: the caller may reuse
// data as soon as SendNowText returns. An ack encoded into a reused
// buffer then costs no allocation on its way out.
func (c *Conn) SendNowText(data []byte) error {
	c.mu.Lock()
	if c.closed || c.closing {
		c.mu.Unlock()
		return ErrClosed
	}
	ws := c.ws
	if !c.onWS || ws == nil || c.writing || len(c.queue) > 0 {
		c.mu.Unlock()
		return c.SendNow(NewMessage(data, false))
	}
	c.writing = true // this goroutine is the writer for now
	c.mu.Unlock()
	done, err := ws.tryWriteFrame(wsOpText, true, data)
	return c.afterTryWrite(ws, nil, data, done, err)
}

// afterTryWrite ends a SendNow whose write went as tryWrite says: what the
// socket did not take (m, or a message of text data) goes first in the
// queue, and a writer goroutine takes over while anything is left.
func (c *Conn) afterTryWrite(ws *wsConn, m *Message, text []byte, done bool, err error) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		c.writing = false
		c.mu.Unlock()
		c.terminate(ReasonTransportError, err, false)
		c.mu.Lock()
		return nil
	}
	if !done {
		if m == nil {
			m = NewMessage(text, false)
		}
		c.queue = append([]*Message{m}, c.queue...)
	}
	if len(c.queue) > 0 || ws.hasPending() {
		c.srv.goTracked(c.writeLoop) // still the writer: c.writing stays set
		return nil
	}
	c.writing = false
	return nil
}

// enqueueLocked queues m and makes sure someone will write it.
func (c *Conn) enqueueLocked(m *Message) {
	if len(c.queue) == 0 {
		c.queued = 0
	}
	c.queued += len(m.frame)
	c.queue = append(c.queue, m)
	c.kickLocked()
}

func (c *Conn) kickLocked() {
	if c.onWS {
		if !c.writing && c.ws != nil && len(c.queue) > 0 {
			c.writing = true
			c.srv.goTracked(c.writeLoop)
		}
		return
	}
	select {
	case c.poll.wake <- struct{}{}:
	default:
	}
}

// Close ends the session gracefully: what is queued is sent, then a close
// packet, then the transport is closed. The reason is "forced close".
func (c *Conn) Close() error {
	c.mu.Lock()
	if c.closed || c.closing {
		c.mu.Unlock()
		return nil
	}
	c.closing = true
	c.stopTimersLocked()
	c.enqueueLocked(msgClose)
	if !c.onWS {
		c.poll.closeTimer = time.AfterFunc(closeTimeout, func() { c.terminate(ReasonForcedClose, nil, false) })
	}
	c.mu.Unlock()
	return nil
}

// terminate ends the session now with reason. sendClose asks for a last
// close packet where one can be written without waiting (server shutdown).
func (c *Conn) terminate(reason string, err error, sendClose bool) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	c.stopTimersLocked()
	ws := c.ws
	var probe *wsConn
	if p := c.poll; p != nil {
		if p.closeTimer != nil {
			p.closeTimer.Stop()
		}
		probe = p.probe
	}
	c.probeStepLocked()
	getActive := !c.onWS && c.poll.getActive
	remember := reason == ReasonTransportClose && !c.onWS && !getActive
	if getActive {
		// A pending GET ends as the JS server ends it: with a noop when
		// the client closed the session itself, with the close packet
		// otherwise.
		switch {
		case reason == ReasonTransportClose:
			c.queue = append(c.queue[:0], msgNoop)
		case !c.closing:
			c.queue = append(c.queue, msgClose)
		}
		c.kickLocked()
	} else {
		c.queue = nil
	}
	if c.done != nil {
		close(c.done)
	}
	c.mu.Unlock()

	if remember {
		c.srv.rememberEnded(c.id)
	}
	c.srv.unregister(c)
	if ws != nil {
		if c.closing {
			// Graceful: the close packet is out, finish with a close handshake.
			c.srv.goTracked(func() { ws.close(wsStatusNormal, "") })
		} else if sendClose {
			c.srv.goTracked(func() {
				ws.writeMessages([]*Message{msgClose}, time.Second)
				ws.closeNow()
			})
		} else {
			closeWSAfterError(c.srv, ws, reason, err)
		}
	}
	if probe != nil && probe != ws {
		probe.closeNow()
	}
	c.srv.goTracked(func() {
		c.hmu.Lock()
		defer c.hmu.Unlock()
		c.handlerClosed = true
		c.handler.OnClose(reason, err)
	})
}

// closeWSAfterError ends the WebSocket of a session that terminate ended
// for reason. An Engine.IO-level error (a packet that does not parse, a
// ping from the client, a missed pong) gets a close frame without a status
// (the client sees 1005), as the JavaScript server's ws.close() sends,
// instead of a TCP connection dropped under the client. A transport that
// failed (read or write error, the peer gone) is dropped.
func closeWSAfterError(s *Server, ws *wsConn, reason string, err error) {
	switch {
	case reason == ReasonParseError || errors.Is(err, errHeartbeat):
		// The session's reader found the error and reads no more, so this
		// goroutine may read in its place: drain, so that what the client
		// still sends does not turn the close into a reset (see
		// closeAndDrain).
		s.goTracked(func() { ws.closeAndDrain(wsStatusNoStatus, "") })
	case reason == ReasonPingTimeout:
		// A reader may still run (the poller's or readLoop): it sees the
		// client's close frame, if one comes, and drops the connection.
		// A client that never answers, or a write stuck on a client that
		// stopped reading, is dropped after wsCloseWait.
		time.AfterFunc(wsCloseWait, ws.closeNow)
		s.goTracked(func() { ws.closeSending(wsStatusNoStatus, "") })
	default:
		ws.closeNow()
	}
}

func (c *Conn) stopTimersLocked() {
	if c.heartbeat != nil {
		c.heartbeat.Stop()
	}
}

// startHeartbeat schedules the first ping, pingInterval after the open.
func (c *Conn) startHeartbeat() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	c.pingDue = monoNow() + int64(c.srv.opts.PingInterval)
	c.heartbeat = time.AfterFunc(c.srv.opts.PingInterval, c.onHeartbeat)
}

// onHeartbeat runs when the heartbeat timer fires: it sends the ping that
// is due, or ends a session whose pong is overdue. The timer is set for
// no earlier than the deadline it serves, so a run that finds its
// deadline still ahead (the goroutine of an earlier firing that a Reset
// overtook, on a busy machine) leaves it to the timer's next run.
func (c *Conn) onHeartbeat() {
	if h := testHookTimer.Load(); h != nil {
		(*h)()
	}
	c.mu.Lock()
	now := monoNow()
	switch {
	case c.closed || c.closing:
	case c.pingDue != 0:
		if now >= c.pingDue {
			c.sendPingLocked()
		}
	case c.pongDue != 0 && now >= c.pongDue:
		c.onPingTimeoutLocked() // unlocks c.mu
		return
	}
	c.mu.Unlock()
}

// sendPingLocked sends a ping and gives the client PingTimeout from now to
// answer, as the JavaScript server does. On a loaded machine a late timer
// gives the client a little more time, never less: a grader must not cut a
// student's session short.
func (c *Conn) sendPingLocked() {
	c.pongDue = c.pingDue + int64(c.srv.opts.PingTimeout)
	c.pingDue = 0
	c.enqueueLocked(msgPing)
	c.heartbeat.Reset(c.srv.opts.PingTimeout)
}

// onPingTimeoutLocked ends the session when the pong has not come, unless
// it may have: the JS server reads what has arrived before it runs a timer
// that is due at the same time, so a pong that has reached this server (in
// the WebSocket's socket, or in a POST being served) is waited for, a
// little at a time, up to one more PingTimeout. It unlocks c.mu.
func (c *Conn) onPingTimeoutLocked() {
	if c.pongMayBeInLocked() && monoNow()-c.pongDue < int64(c.srv.opts.PingTimeout) {
		c.heartbeat.Reset(pongRecheck)
		c.mu.Unlock()
		return
	}
	c.mu.Unlock()
	c.terminate(ReasonPingTimeout, nil, false)
}

// pongRecheck is how soon onPingTimeoutLocked looks again for a pong on
// its way.
const pongRecheck = 20 * time.Millisecond

// pongMayBeInLocked reports whether something the client sent has reached
// the server and not yet been handled.
func (c *Conn) pongMayBeInLocked() bool {
	if c.onWS {
		return c.ws != nil && unreadBytes(c.ws) > 0
	}
	return c.poll.postsIn > 0
}

func (c *Conn) onPong() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || c.closing {
		return
	}
	c.pongDue = 0
	c.pingDue = monoNow() + int64(c.srv.opts.PingInterval)
	c.heartbeat.Reset(c.srv.opts.PingInterval)
}

// checkHeartbeatLocked reports whether a request that has just arrived
// finds the session timed out, whether or not the heartbeat timer's
// goroutine has run yet (on a busy machine it runs late). The JS
// server's event loop runs due timers before it reads new input, so a
// poll that comes after the client's time to answer the ping is up (from
// when the ping was due) finds the session ended, unless a request that
// may carry the pong is being served. The caller then calls terminate.
func (c *Conn) checkHeartbeatLocked() (timedOut bool) {
	if c.closed || c.closing || c.pongMayBeInLocked() {
		return false
	}
	due := c.pongDue
	if due == 0 && c.pingDue != 0 {
		due = c.pingDue + int64(c.srv.opts.PingTimeout) // the ping's timer is late
	}
	return due != 0 && monoNow() >= due
}

// testHookTimer, when set by a test, is called as a heartbeat timer's
// goroutine starts: a goroutine the scheduler runs late.
var testHookTimer atomic.Pointer[func()]

// probeStepLocked wakes the requests waiting in awaitProbeLocked.
func (c *Conn) probeStepLocked() {
	if p := c.poll; p != nil && p.probeStep != nil {
		close(p.probeStep)
		p.probeStep = nil
	}
}

// awaitProbeLocked makes a poll or POST that arrives while an upgrade is
// under way wait until the upgrade's reader has handled what the client
// had sent on the WebSocket by then: the client may send "5" there and
// then a request here, and the request must see the session upgraded, as
// it would in the JS server, which reads its sockets in the order data
// arrives. It waits at most UpgradeTimeout (the upgrade itself ends by
// then) or until the request is cancelled; c.mu is held on entry and on
// return. It reports whether the request had to wait.
func (c *Conn) awaitProbeLocked(r *http.Request) (waited bool) {
	p := c.poll
	if p == nil || (!p.probeStarting && p.probe == nil) {
		return false
	}
	deadline := time.NewTimer(c.srv.opts.UpgradeTimeout)
	defer deadline.Stop()
	for !c.closed && !c.onWS &&
		(p.probeStarting || (p.probe != nil && !(p.probeIdle && unreadBytes(p.probe) == 0))) {
		waited = true
		if p.probeStep == nil {
			p.probeStep = make(chan struct{})
		}
		step := p.probeStep
		c.mu.Unlock()
		select {
		case <-step:
		case <-time.After(probeRecheck): // bytes of a frame not yet whole
		case <-deadline.C:
			c.mu.Lock()
			return
		case <-r.Context().Done():
			c.mu.Lock()
			return
		}
		c.mu.Lock()
	}
	return
}

// probeRecheck is how often awaitProbeLocked looks again while the probe's
// reader waits for the rest of a frame.
const probeRecheck = 10 * time.Millisecond

// handlePacket acts on one packet from the client; false means the session
// ended.
func (c *Conn) handlePacket(p Packet) bool {
	switch p.Type {
	case MessagePacket:
		data := p.Data
		if data == nil {
			data = []byte{}
		}
		c.hmu.Lock()
		if !c.handlerClosed {
			c.handler.OnMessage(data, p.Binary)
		}
		c.hmu.Unlock()
	case Pong:
		c.onPong()
	case Ping:
		c.terminate(ReasonTransportError, errHeartbeat, false)
		return false
	case Close:
		c.terminate(ReasonTransportClose, nil, false)
		return false
	}
	return true
}
