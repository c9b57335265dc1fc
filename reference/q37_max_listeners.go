package reference

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"rtlab/socketio"
)

func init() { registerFaults("q37", q37Variants, newQ37) }

type q37Faults struct {
	neverRemove bool // the per-connection listener is never removed: the leak itself
	leakOnDrop  bool // removed on a polite disconnect only
}

var q37Variants = map[string]q37Faults{
	"leak-listeners": {neverRemove: true},
	"leak-on-drop":   {leakOnDrop: true},
}

// defaultMaxListeners is Node's EventEmitter.defaultMaxListeners.
const defaultMaxListeners = 10

// emitter is a small Go model of Node's EventEmitter, kept to what the
// exercise needs: listeners per event name, and the warning Node prints
// once per event when more than maxListeners are registered. That warning
// is the symptom the exercise is about: it does not stop anything, it
// says that listeners are being added faster than they are removed.
type emitter struct {
	mu        sync.Mutex
	listeners map[string]map[int]func(any)
	next      int
	max       int
	warned    map[string]bool
	warn      io.Writer // where the warning goes (Node: stderr)
}

func newEmitter(warn io.Writer) *emitter {
	return &emitter{listeners: map[string]map[int]func(any){}, max: defaultMaxListeners,
		warned: map[string]bool{}, warn: warn}
}

// on registers fn for event and returns the function that removes it:
// the Go form of emitter.on / emitter.off with the same function.
func (e *emitter) on(event string, fn func(any)) (off func()) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.listeners[event] == nil {
		e.listeners[event] = map[int]func(any){}
	}
	id := e.next
	e.next++
	e.listeners[event][id] = fn
	if n := len(e.listeners[event]); n > e.max && !e.warned[event] {
		e.warned[event] = true
		fmt.Fprintf(e.warn, "(node:%d) MaxListenersExceededWarning: Possible EventEmitter memory leak detected. %d %s listeners added to [EventEmitter]. MaxListeners is %d. Use emitter.setMaxListeners() to increase limit\n",
			os.Getpid(), n, event, e.max)
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			e.mu.Lock()
			defer e.mu.Unlock()
			delete(e.listeners[event], id)
		})
	}
}

// count returns how many listeners event has.
func (e *emitter) count(event string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.listeners[event])
}

// emit calls every listener of event with v, outside the lock.
func (e *emitter) emit(event string, v any) {
	e.mu.Lock()
	fns := make([]func(any), 0, len(e.listeners[event]))
	for _, fn := range e.listeners[event] {
		fns = append(fns, fn)
	}
	e.mu.Unlock()
	for _, fn := range fns {
		fn(v)
	}
}

// newQ37 forwards a shared price feed to every connected client. Each
// connection adds a listener to the one feed; the fix is to remove that
// listener in the socket's disconnect handler, which socket.io runs for
// every reason. Without it, every connection that ever existed keeps a
// listener (and its socket) alive: memory grows, emits go to dead
// sockets, and past ten listeners Node prints MaxListenersExceededWarning.
func newQ37(o Options, f q37Faults) (Server, error) {
	feed := newEmitter(o.Log)
	io := newIO(o)
	io.Of("/").OnConnect(func(s *socketio.Socket) {
		off := feed.on("price", func(v any) { s.Emit("price", v) })
		s.OnDisconnect(func(r socketio.Reason) {
			switch {
			case f.neverRemove:
			case f.leakOnDrop && r == socketio.ReasonTransportClose:
			default:
				off()
			}
		})
	})
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { // the shared source: one price a second
		defer close(done)
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case now := <-t.C:
				feed.emit("price", map[string]any{"symbol": "ACME", "price": 100 + now.Second()%7, "timestamp": now.UnixMilli()})
			case <-stop:
				return
			}
		}
	}()
	s := newServer()
	s.mountIO(io)
	s.onClose(func() error {
		close(stop)
		<-done
		return nil
	})
	return s, nil
}
