//go:build linux

package engineio

import (
	"runtime"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestStuckTurnFreesItsBatch: with one processor the poller reads every
// session of a batch inline, in turn. When one turn blocks, the sessions
// after it in the same batch must not wait for it: the loop that takes
// over hands them to readers.
func TestStuckTurnFreesItsBatch(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	p, err := newPoller(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.stop()
	if p.cur.Load() == nil {
		t.Skip("the runtime will not wait for an epoll descriptor: no inline turns")
	}
	// A loop of the test's own, as the monitor sees the current one; the
	// poller's own keeps waiting for events that do not come.
	l := &waitLoop{p: p}
	p.cur.Store(l)

	release := make(chan struct{})
	defer close(release)
	second := make(chan bool, 1)
	p.mu.Lock()
	p.waiters[101] = func(inline bool) {
		if inline {
			<-release // a handler that blocks
		}
	}
	p.waiters[102] = func(inline bool) { second <- inline }
	p.mu.Unlock()

	events := make([]unix.EpollEvent, 2)
	setEventID(&events[0], 101)
	setEventID(&events[1], 102)
	go l.dispatch(events)

	select {
	case inline := <-second:
		if inline {
			t.Fatal("the session after a stuck turn was read inline by the stuck loop")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a session in the batch of a turn that blocks waited for it: nothing took the rest of the batch over")
	}
}
