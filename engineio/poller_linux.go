//go:build linux

package engineio

import (
	"io"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// poller waits for idle WebSocket sessions to become readable with one
// epoll instance for the whole server, so that an idle session has no
// goroutine (and no goroutine stack, most of an idle session's memory).
// A readable session gets a goroutine that reads what arrived, handles
// it and lets go (wsConn.rstate). Registrations are edge-triggered: every
// arrival is reported once, with no re-arming, and a reader that took
// less than its buffer could hold knows the socket is empty without
// asking it again (as libuv does).
//
// The descriptors stay in Go's own netpoller as well, which the writes and
// a reader that meets half a frame still use; this epoll set only says
// when to start reading.
//
// The wait itself parks on Go's netpoller too: the epoll instance is a
// descriptor that is readable while it holds events, handed to the
// runtime as a file. A poller that blocked a thread in epoll_wait made
// the runtime hand its processor to another thread and back for every
// batch of events, two context switches per message of a busy session.
//
// The last session of a batch is read on the poller's own goroutine, as
// an event loop does, the others first on reader goroutines (readers.go):
// handing every session to a reader cost a second wake-up per message,
// and with an idle processor about, a thread woken for nothing. A handler
// may block, though, and the sessions behind it must not wait: a turn
// that runs longer than stallAfter makes a new wait loop take over, and
// the old one ends after its turn.
// A monitor goroutine checks for that every stallAfter while turns run,
// and sleeps when none do (a timer set for every turn cost a thread
// wake-up per message).
type poller struct {
	epfd   int
	wakefd int // eventfd: wakes the wait loops to stop

	mu      sync.Mutex
	next    uint64
	waiters map[uint64]func(inline bool) // by registration id
	stopped bool
	loops   sync.WaitGroup // wait loops and the monitor
	quit    chan struct{}  // closed by stop

	cur       atomic.Pointer[waitLoop] // the loop that reads inline
	turns     atomic.Uint64            // inline turns begun
	monParked atomic.Bool              // the monitor sleeps until the next turn
	monWake   chan struct{}            // one token: a turn began
	onQuiet   func()
}

// stallAfter is how long a turn read inline may run before a new wait
// loop takes over the poller.
const stallAfter = 2 * time.Millisecond

// newPoller starts a poller; onQuiet is called when no turn has begun for
// stallAfter (the server trims its idle readers).
func newPoller(onQuiet func()) (*poller, error) {
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
	p := &poller{epfd: epfd, wakefd: wfd, next: 1, waiters: make(map[uint64]func(bool)),
		quit: make(chan struct{}), monWake: make(chan struct{}, 1), onQuiet: onQuiet}
	if !p.startLoop() {
		p.loops.Add(1)
		go p.blockingLoop()
		return p, nil
	}
	p.loops.Add(1)
	go p.monitor()
	return p, nil
}

// pollableFile hands a duplicate of the epoll descriptor fd to Go's
// netpoller, so that a goroutine can wait for its events without
// blocking a thread; nil when the runtime will not take it. Each wait
// loop has its own: two loops cannot wait in one file at once.
func pollableFile(fd int) *os.File {
	dup, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return nil
	}
	if unix.SetNonblock(dup, true) != nil {
		unix.Close(dup)
		return nil
	}
	f := os.NewFile(uintptr(dup), "epoll")
	if f.SetReadDeadline(time.Time{}) != nil { // not in the netpoller
		f.Close()
		return nil
	}
	return f
}

// setEventID stores id in the event's data (Fd and Pad, 8 bytes).
func setEventID(ev *unix.EpollEvent, id uint64) {
	ev.Fd = int32(id)
	ev.Pad = int32(id >> 32)
}

func eventID(ev *unix.EpollEvent) uint64 {
	return uint64(uint32(ev.Fd)) | uint64(uint32(ev.Pad))<<32
}

// waitLoop is one goroutine waiting for the poller's events on Go's
// netpoller, in one RawConn.Read for its life: the runtime reports every
// time the set gains an event after the read began, so a drained set (an
// epoll_wait that returned fewer events than it could) is waited for
// without asking it again.
type waitLoop struct {
	p  *poller
	f  *os.File
	fs []func(bool) // dispatch's, reused
	// batch is the batch being dispatched: a loop that is taken over
	// hands what it has not started to readers (takeOver).
	batch   atomic.Pointer[batch]
	current batch
	inTurn  atomic.Bool
	demoted atomic.Bool // another loop has taken over
}

// startLoop starts a wait loop on Go's netpoller; false when the runtime
// will not wait for the epoll descriptor.
func (p *poller) startLoop() bool {
	f := pollableFile(p.epfd)
	if f == nil {
		return false
	}
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return false
	}
	l := &waitLoop{p: p, f: f}
	p.cur.Store(l)
	p.loops.Add(1)
	go l.run(rc)
	return true
}

func (l *waitLoop) run(rc syscall.RawConn) {
	defer l.p.loops.Done()
	defer l.f.Close()
	events := make([]unix.EpollEvent, 128)
	rc.Read(func(uintptr) bool {
		for {
			n, err := unix.EpollWait(l.p.epfd, events, 0)
			if err == unix.EINTR {
				continue
			}
			if err != nil || l.dispatch(events[:n]) {
				return true
			}
			if n < len(events) {
				return false
			}
		}
	})
}

// monitor makes a new wait loop take over when the current one has been
// in the same inline turn for a whole stallAfter; it sleeps while no turn
// begins.
func (p *poller) monitor() {
	defer p.loops.Done()
	t := time.NewTimer(stallAfter)
	defer t.Stop()
	last := p.turns.Load()
	for {
		select {
		case <-t.C:
		case <-p.quit:
			return
		}
		turns := p.turns.Load()
		l := p.cur.Load()
		switch {
		case turns == last && l.inTurn.Load():
			l.takeOver()
		case turns == last:
			// Quiet: sleep until a turn begins (see beginTurn).
			if p.onQuiet != nil {
				p.onQuiet()
			}
			p.monParked.Store(true)
			if p.turns.Load() == last || !p.monParked.CompareAndSwap(true, false) {
				select {
				case <-p.monWake:
				case <-p.quit:
					return
				}
			}
		}
		last = p.turns.Load()
		t.Reset(stallAfter)
	}
}

// beginTurn marks an inline turn of l as begun, waking the monitor.
func (l *waitLoop) beginTurn() {
	l.inTurn.Store(true)
	l.p.turns.Add(1)
	if l.p.monParked.Load() && l.p.monParked.CompareAndSwap(true, false) {
		select {
		case l.p.monWake <- struct{}{}:
		default:
		}
	}
}

// takeOver starts a new wait loop in place of l, whose inline turn is
// stuck: l ends once the turn is over.
func (l *waitLoop) takeOver() {
	if !l.demoted.CompareAndSwap(false, true) || l.p.isStopped() {
		return
	}
	if !l.p.startLoop() {
		l.p.loops.Add(1)
		go l.p.blockingLoop()
	}
	// The sessions of the stuck turn's batch still to be read must not
	// wait for it either.
	if b := l.batch.Load(); b != nil {
		for f := b.take(); f != nil; f = b.take() {
			f(false)
		}
	}
}

// batch is the waiters of one wait's events, taken one at a time by the
// loop that dispatches them or, once it is taken over, by the monitor.
type batch struct {
	fs   []func(bool)
	next atomic.Int32
}

// take returns the next waiter of b not taken yet, or nil.
func (b *batch) take() func(bool) {
	i := int(b.next.Add(1)) - 1
	if i >= len(b.fs) {
		return nil
	}
	return b.fs[i]
}

// dispatch calls the waiters of events: the last of the batch inline, the
// others first, on reader goroutines (so that a turn that blocks holds up
// no one of its batch), or with a single processor all of them inline in
// turn, the rest of the batch going to readers if one turn blocks
// (takeOver). Once another loop has taken over, none is read inline.
// True when this loop must end: the poller stopped, or another loop took
// over.
func (l *waitLoop) dispatch(events []unix.EpollEvent) (end bool) {
	p := l.p
	fs := l.fs[:0]
	p.mu.Lock()
	for i := range events {
		id := eventID(&events[i])
		if id == 0 {
			if p.stopped {
				p.mu.Unlock()
				return true
			}
			continue
		}
		if f := p.waiters[id]; f != nil {
			fs = append(fs, f)
		}
	}
	p.mu.Unlock()
	l.fs = fs
	// With one processor a reader goroutine runs only when this one
	// parks: handing it a session buys no parallelism, only a wake-up
	// (15 % of the server's user CPU on an echo load).
	handOff := len(fs) - 1
	if runtime.GOMAXPROCS(0) == 1 {
		handOff = 0
	}
	b := &l.current
	b.fs = fs
	b.next.Store(0)
	l.batch.Store(b)
	for i := 0; ; i++ {
		f := b.take()
		if f == nil {
			break
		}
		if i < handOff || l.demoted.Load() {
			f(false)
			continue
		}
		l.beginTurn()
		f(true)
		l.inTurn.Store(false)
	}
	l.batch.Store(nil)
	if l.demoted.Load() {
		// The monitor may still be reading fs (takeOver): this loop
		// ends and leaves the slice to the collector.
		return true
	}
	clear(fs)
	return false
}

// blockingLoop waits for events in epoll_wait itself, where the runtime
// will not wait for the epoll descriptor; it reads nothing inline.
func (p *poller) blockingLoop() {
	defer p.loops.Done()
	events := make([]unix.EpollEvent, 128)
	for {
		n, err := unix.EpollWait(p.epfd, events, -1)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return
		}
		for i := range events[:n] {
			id := eventID(&events[i])
			if id == 0 {
				if p.isStopped() {
					return
				}
				continue
			}
			p.mu.Lock()
			f := p.waiters[id]
			p.mu.Unlock()
			if f != nil {
				f(false)
			}
		}
	}
}

func (p *poller) isStopped() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stopped
}

// pollReg is one descriptor's registration.
type pollReg struct {
	p  *poller
	id uint64
	fd int
}

// add registers the descriptor of rc: ready is called on a wait loop's
// goroutine whenever bytes arrive, or the peer hangs up, and possibly
// spuriously, which callers must tolerate. Bytes already there are
// reported at once. With inline, ready may read the session itself (a
// turn that blocks makes another loop take over); without, it must not
// block.
func (p *poller) add(rc syscall.RawConn, ready func(inline bool)) (*pollReg, error) {
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
		ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLRDHUP | unix.EPOLLET}
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
	unix.Write(p.wakefd, one[:]) // stays readable: every loop sees it
	close(p.quit)
	p.loops.Wait()
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

// readOnce makes one non-blocking read from the socket of rc into p:
// errWouldBlock when the socket is empty, io.EOF when the peer has shut
// its side.
func readOnce(rc syscall.RawConn, p []byte) (int, error) {
	r := rawReaderPool.Get().(*rawReader)
	r.b = p
	err := rc.Read(r.fn)
	n, rerr := r.n, r.err
	*r = rawReader{fn: r.fn}
	rawReaderPool.Put(r)
	return readResult("read", n, len(p), err, rerr)
}

// readResult is the outcome of one non-blocking read of up to want bytes
// that returned n: err from RawConn.Read, rerr from the system call.
func readResult(op string, n, want int, err, rerr error) (int, error) {
	switch {
	case err != nil:
		return 0, err
	case rerr == unix.EAGAIN:
		return 0, errWouldBlock
	case rerr != nil:
		return 0, os.NewSyscallError(op, rerr)
	case n == 0 && want > 0:
		return 0, io.EOF
	}
	return n, nil
}

// rawReader is the state of one readOnce, its callback bound once (see
// rawWriter).
type rawReader struct {
	b   []byte
	n   int
	err error
	fn  func(fd uintptr) bool
}

var rawReaderPool = sync.Pool{New: func() any {
	r := &rawReader{}
	r.fn = func(fd uintptr) bool {
		for {
			r.n, r.err = unix.Read(int(fd), r.b)
			if r.err != unix.EINTR {
				return true // one attempt: never wait for the socket
			}
		}
	}
	return r
}}
