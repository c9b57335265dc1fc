package socketio

import (
	"sync"
)

// acks tracks the acknowledgements a socket waits for, by id. Ids count
// up from 0 per socket, as in socket.io and socket.io-client.
type acks struct {
	mu     sync.Mutex
	next   uint64
	wait   map[uint64]chan *Event
	closed bool
}

// add reserves an id and the channel its answer will arrive on. It returns
// ok=false once the socket is closed.
func (a *acks) add() (uint64, chan *Event, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return 0, nil, false
	}
	if a.wait == nil {
		a.wait = make(map[uint64]chan *Event)
	}
	id := a.next
	a.next++
	ch := make(chan *Event, 1)
	a.wait[id] = ch
	return id, ch, true
}

// cancel forgets id (its wait timed out).
func (a *acks) cancel(id uint64) {
	a.mu.Lock()
	delete(a.wait, id)
	a.mu.Unlock()
}

// deliver hands an ACK to whoever waits for id; an unknown id is ignored,
// as socket.io does.
func (a *acks) deliver(id uint64, e *Event) {
	a.mu.Lock()
	ch, ok := a.wait[id]
	delete(a.wait, id)
	a.mu.Unlock()
	if ok {
		ch <- e
	}
}

// close fails every pending wait: their channels are closed.
func (a *acks) close() {
	a.mu.Lock()
	a.closed = true
	w := a.wait
	a.wait = nil
	a.mu.Unlock()
	for _, ch := range w {
		close(ch)
	}
}

// onceAck wraps send so that only its first call does anything.
func onceAck(send func(args ...any) error) func(args ...any) error {
	var once sync.Once
	return func(args ...any) error {
		err := errAckTwice
		once.Do(func() { err = send(args...) })
		return err
	}
}
