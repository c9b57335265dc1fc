package reference

import (
	"context"
	"io/fs"
	"net/http"
	"sync"
	"time"

	"rtlab/internal/exercise"
)

// Hooks put a reference server in the mode the grader tests a student's
// browser page against (clients.md): a shifted clock, shorter waits,
// faster streams that it can pause and end. They exist for rtlab grade
// --page; `rtlab serve` runs none. Each field names the exercises that
// read it; the others ignore it. A nil *Hooks means none.
type Hooks struct {
	// ClockOffset is added to the clock of Q9's and Q10's feed (createdAt,
	// serverTime). The grader sets it 10 minutes behind the browser's, so
	// that a page sending its own Date.now() as since misses every new
	// item. Default 0.
	ClockOffset time.Duration
	// LongPollCap caps how long Q10 holds a quiet long poll before its
	// 204, whatever ?timeout= asks. Default 0: the 60 s cap of the
	// contract.
	LongPollCap time.Duration
	// Interval is the period of Q11's market and of Q14's samples.
	// Default 0: theirs (2 s and 10 s).
	Interval time.Duration
	// Retry is the reconnection delay Q11's and Q14's streams announce
	// (retry:). Default 0: theirs (2 s and 10 s).
	Retry time.Duration
	// Symbols replace Q11's stock symbols. Default nil: AAPL, GOOG, MSFT,
	// AMZN, TSLA.
	Symbols []string
	// KnownSamples makes Q14 send made-up samples that vary from one to
	// the next (cpu and memory.percent with two decimals) instead of the
	// machine's, so that a page's rounding can be told from a stale
	// value. Default false.
	KnownSamples bool
	// Streams, when set, lets the grader pause Q11's and Q14's events, end
	// the open streams, hold the next stream request, and read what was
	// sent. Default nil: the streams run freely.
	Streams *StreamControl
	// Sockets, when set, records the sockets of Q17's, Q19's, Q21's and
	// Q22's default namespace and lets the grader kick the page's and emit
	// to all (socket_control.go). Default nil: nothing recorded.
	Sockets *SocketControl
}

// clockOffset returns h.ClockOffset, 0 for a nil h.
func (h *Hooks) clockOffset() time.Duration {
	if h == nil {
		return 0
	}
	return h.ClockOffset
}

// streams returns h.Streams, nil for a nil h.
func (h *Hooks) streams() *StreamControl {
	if h == nil {
		return nil
	}
	return h.Streams
}

// StreamControl steers the event streams of a reference server while a page
// reads them (Q11, Q14). Its zero value is not usable: call
// NewStreamControl. Safe for concurrent use; a nil *StreamControl does
// nothing and records nothing.
type StreamControl struct {
	mu      sync.Mutex
	paused  chan struct{} // open while paused; nil when running
	end     chan struct{} // closed by End: the streams open then return
	hold    time.Duration // the next stream request waits this long first
	streams int           // stream requests served so far
	sent    []SentEvent
}

// SentEvent is one event a stream wrote.
type SentEvent struct {
	// Stream numbers the stream request that carried it, from 1.
	Stream int
	// ID is the event's id: line, "" for none.
	ID string
	// Data is the event's data (its lines joined with "\n").
	Data string
	// At is when it was written and flushed.
	At time.Time
}

// NewStreamControl returns a control with the streams running.
func NewStreamControl() *StreamControl {
	return &StreamControl{end: make(chan struct{})}
}

// Pause stops the events: the market makes no update, a sample loop
// sends none, until Resume.
func (c *StreamControl) Pause() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.paused == nil {
		c.paused = make(chan struct{})
	}
}

// Resume lets paused events flow again.
func (c *StreamControl) Resume() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.paused != nil {
		close(c.paused)
		c.paused = nil
	}
}

// End ends every stream open now, as a server that restarts would: each
// response finishes, and the browser's EventSource reconnects after its
// retry delay. Streams opened later are not affected.
func (c *StreamControl) End() {
	c.mu.Lock()
	defer c.mu.Unlock()
	close(c.end)
	c.end = make(chan struct{})
}

// HoldNext makes the next stream request wait d before its response
// starts: the page sits in its reconnecting state meanwhile.
func (c *StreamControl) HoldNext(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.hold = d
}

// Sent returns the events written so far, in order.
func (c *StreamControl) Sent() []SentEvent {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]SentEvent(nil), c.sent...)
}

// Streams returns how many stream requests were served.
func (c *StreamControl) Streams() int {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.streams
}

// open registers a new stream request: it waits out a hold set by
// HoldNext, and returns the stream's number and the channel End closes.
// ok is false when ctx ended during the hold.
func (c *StreamControl) open(ctx context.Context) (n int, end <-chan struct{}, ok bool) {
	if c == nil {
		return 0, nil, true
	}
	c.mu.Lock()
	hold := c.hold
	c.hold = 0
	c.mu.Unlock()
	if hold > 0 {
		t := time.NewTimer(hold)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return 0, nil, false
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.streams++
	return c.streams, c.end, true
}

// gate returns the channel a paused event waits on, nil when running.
func (c *StreamControl) gate() <-chan struct{} {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.paused
}

// record notes an event written on stream n.
func (c *StreamControl) record(n int, id, data string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sent = append(c.sent, SentEvent{Stream: n, ID: id, Data: data, At: time.Now()})
}

// PublicFS returns the embedded page folder of exercise id (its
// index.html and the files beside it), for the grader to serve the
// reference page as it serves a student's. ok is false for an exercise
// without one.
func PublicFS(id string) (fsys fs.FS, ok bool) {
	sub, err := fs.Sub(public, "public/"+exercise.Stem(id))
	if err != nil {
		return nil, false
	}
	if _, err := fs.Stat(sub, "index.html"); err != nil {
		return nil, false
	}
	return sub, true
}

// ClientScript answers GET /socket.io/socket.io.js with the real
// socket.io client (see findClientScript), for a page the grader serves
// beside a server that has no Socket.IO of its own.
func ClientScript() http.Handler { return http.HandlerFunc(serveClientScript) }
