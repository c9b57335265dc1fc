package socketio

import (
	"sync"
	"time"
)

// serialQueue runs functions one after another, in the order they were
// queued, on a goroutine that exists only while there is work. Handlers run
// there rather than on the engine.io read loop, so a handler may wait for
// an ack (which the read loop delivers) without deadlocking, while the
// events of one connection are still handled in order.
type serialQueue struct {
	mu      sync.Mutex
	q       []func()
	running bool
	idle    *sync.Cond
}

func (s *serialQueue) push(f func()) {
	s.mu.Lock()
	s.q = append(s.q, f)
	if !s.running {
		s.running = true
		go s.drain()
	}
	s.mu.Unlock()
}

// begin claims an idle queue for the calling goroutine, which then runs
// its function itself and calls end; false when the queue is busy (push
// instead). An event whose handler answers at once is then handled
// without a goroutine hand-off (see engineio's HandOff for the handler
// that must wait).
func (s *serialQueue) begin() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.running { // nothing is queued while the queue is not running
		return false
	}
	s.running = true
	return true
}

// end releases the queue begin claimed: what was queued meanwhile is
// drained on a goroutine of its own.
func (s *serialQueue) end() {
	s.mu.Lock()
	if len(s.q) > 0 {
		s.mu.Unlock()
		go s.drain()
		return
	}
	s.running = false
	if s.idle != nil {
		s.idle.Broadcast()
	}
	s.mu.Unlock()
}

func (s *serialQueue) drain() {
	for {
		s.mu.Lock()
		if len(s.q) == 0 {
			s.running = false
			if s.idle != nil {
				s.idle.Broadcast()
			}
			s.mu.Unlock()
			return
		}
		f := s.q[0]
		s.q[0] = nil
		s.q = s.q[1:]
		s.mu.Unlock()
		f()
	}
}

// wait blocks until the queue is empty and its goroutine has stopped, or
// until d has passed; it reports whether the queue went idle. Called from
// a queued function (a handler closing its own connection) it can only
// time out, which is why it takes a bound.
func (s *serialQueue) wait(d time.Duration) bool {
	s.mu.Lock()
	if s.idle == nil {
		s.idle = sync.NewCond(&s.mu)
	}
	if !s.running {
		s.mu.Unlock()
		return true
	}
	expired := false
	t := time.AfterFunc(d, func() {
		s.mu.Lock()
		expired = true
		s.idle.Broadcast()
		s.mu.Unlock()
	})
	for s.running && !expired {
		s.idle.Wait()
	}
	idle := !s.running
	s.mu.Unlock()
	t.Stop()
	return idle
}
