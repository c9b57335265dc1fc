//go:build linux

package engineio

import (
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// poller waits for idle WebSocket sessions to become readable with one
// epoll instance for the whole server, so that an idle session has no
// goroutine (and no goroutine stack, most of an idle session's memory).
// A readable session gets a goroutine that reads what arrived, handles
// it and re-arms the session (EPOLLONESHOT: one reader at a time).
//
// The descriptors stay in Go's own netpoller as well, which the writes and
// a reader that meets half a frame still use; this epoll set only says
// when to start reading.
type poller struct {
	epfd   int
	wakefd int // eventfd: wakes the wait loop to stop

	mu      sync.Mutex
	next    uint64
	waiters map[uint64]func() // by registration id
	stopped bool
	done    chan struct{}
}

func newPoller() (*poller, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, err
	}
	wfd, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		unix.Close(epfd)
		return nil, err
	}
	ev := unix.EpollEvent{Events: unix.EPOLLIN}
	setEventID(&ev, 0)
	if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, wfd, &ev); err != nil {
		unix.Close(epfd)
		unix.Close(wfd)
		return nil, err
	}
	p := &poller{epfd: epfd, wakefd: wfd, next: 1, waiters: make(map[uint64]func()), done: make(chan struct{})}
	go p.loop()
	return p, nil
}

// setEventID stores id in the event's data (Fd and Pad, 8 bytes).
func setEventID(ev *unix.EpollEvent, id uint64) {
	ev.Fd = int32(id)
	ev.Pad = int32(id >> 32)
}

func eventID(ev *unix.EpollEvent) uint64 {
	return uint64(uint32(ev.Fd)) | uint64(uint32(ev.Pad))<<32
}

func (p *poller) loop() {
	defer close(p.done)
	events := make([]unix.EpollEvent, 128)
	for {
		n, err := unix.EpollWait(p.epfd, events, -1)
		if err != nil {
			if err == unix.EINTR {
				continue
			}
			return
		}
		for i := 0; i < n; i++ {
			id := eventID(&events[i])
			if id == 0 {
				p.mu.Lock()
				stopped := p.stopped
				p.mu.Unlock()
				if stopped {
					return
				}
				continue
			}
			p.mu.Lock()
			f := p.waiters[id]
			p.mu.Unlock()
			if f != nil {
				f()
			}
		}
	}
}

// pollReg is one descriptor's registration.
type pollReg struct {
	p  *poller
	id uint64
	fd int
}

// add registers the descriptor of rc, disarmed; ready is called (on the
// poller's goroutine: it must not block) when it becomes readable after
// an arm, and possibly spuriously (a hang-up), which callers must tolerate.
func (p *poller) add(rc syscall.RawConn, ready func()) (*pollReg, error) {
	p.mu.Lock()
	if p.stopped {
		p.mu.Unlock()
		return nil, unix.EBADF
	}
	id := p.next
	p.next++
	p.waiters[id] = ready
	p.mu.Unlock()
	r := &pollReg{p: p, id: id, fd: -1}
	var cerr error
	err := rc.Control(func(fd uintptr) {
		r.fd = int(fd)
		ev := unix.EpollEvent{Events: unix.EPOLLONESHOT}
		setEventID(&ev, id)
		cerr = unix.EpollCtl(p.epfd, unix.EPOLL_CTL_ADD, int(fd), &ev)
	})
	if err == nil {
		err = cerr
	}
	if err != nil {
		p.mu.Lock()
		delete(p.waiters, id)
		p.mu.Unlock()
		return nil, err
	}
	return r, nil
}

// arm asks for the next readiness. The caller guarantees the descriptor
// is still open (see wsConn.pollMu).
func (r *pollReg) arm() error {
	ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLRDHUP | unix.EPOLLONESHOT}
	setEventID(&ev, r.id)
	return unix.EpollCtl(r.p.epfd, unix.EPOLL_CTL_MOD, r.fd, &ev)
}

// remove unregisters, before the descriptor is closed.
func (r *pollReg) remove() {
	unix.EpollCtl(r.p.epfd, unix.EPOLL_CTL_DEL, r.fd, nil)
	r.p.mu.Lock()
	delete(r.p.waiters, r.id)
	r.p.mu.Unlock()
}

// stop ends the wait loop and releases the epoll instance.
func (p *poller) stop() {
	p.mu.Lock()
	if p.stopped {
		p.mu.Unlock()
		return
	}
	p.stopped = true
	p.mu.Unlock()
	var one = [8]byte{1}
	unix.Write(p.wakefd, one[:])
	<-p.done
	unix.Close(p.epfd)
	unix.Close(p.wakefd)
}

// writeOnce makes one non-blocking write of b to the socket of rc and
// returns how much it took: 0 when its buffer is full.
func writeOnce(rc syscall.RawConn, b []byte) (int, error) {
	w := rawWriterPool.Get().(*rawWriter)
	w.b = b
	err := rc.Write(w.fn)
	n, werr := w.n, w.err
	*w = rawWriter{fn: w.fn}
	rawWriterPool.Put(w)
	if err != nil {
		return 0, err
	}
	if werr == unix.EAGAIN || werr == unix.EINTR {
		return 0, nil
	}
	if n < 0 {
		n = 0
	}
	return n, werr
}

// rawWriter is the state of one writeOnce with its callback bound once: a
// closure made per write, and the variables it captured, were three
// allocations per ack.
type rawWriter struct {
	b   []byte
	n   int
	err error
	fn  func(fd uintptr) bool
}

var rawWriterPool = sync.Pool{New: func() any {
	w := &rawWriter{}
	w.fn = func(fd uintptr) bool {
		w.n, w.err = unix.Write(int(fd), w.b)
		return true // one attempt: never wait for the socket
	}
	return w
}}
