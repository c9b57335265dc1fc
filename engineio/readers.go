package engineio

import (
	"sync"
	"sync/atomic"
)

// The turns of reading that the poller starts (readReady: a readable
// session read, its messages handled, the socket left to the poller again)
// run on goroutines that outlive a turn. A goroutine started for every
// turn began with a small stack and grew it, copying, in the handler's
// call chain: on an echo load stack growth took a tenth of the server's
// CPU. An idle reader keeps its grown stack, parked on a channel.

// readTurn is one turn of reading: ws, the WebSocket of c.
type readTurn struct {
	c  *Conn
	ws *wsConn
}

// readerPool holds the reader goroutines waiting for a turn.
type readerPool struct {
	turns chan readTurn // unbuffered: a send succeeds only when a reader waits
	quit  chan struct{} // closed by Server.Close
	stop  sync.Once
	idle  atomic.Int32
	wg    sync.WaitGroup // every reader goroutine
}

// maxIdleReaders bounds the readers kept waiting: the most sessions read
// at once, under load, and a few KB of stack each.
const maxIdleReaders = 64

func (p *readerPool) init() {
	p.turns = make(chan readTurn)
	p.quit = make(chan struct{})
}

// startRead gives a turn of reading ws to a waiting reader, or to a new
// one; false once Close has begun (whose wait it would race), and then no
// turn starts.
func (s *Server) startRead(c *Conn, ws *wsConn) bool {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return false
	}
	s.wg.Add(1) // the turn, which Close waits for
	s.mu.Unlock()
	t := readTurn{c: c, ws: ws}
	select {
	case s.readers.turns <- t:
		return true
	default:
	}
	s.readers.wg.Add(1)
	go s.reader(t)
	return true
}

// readInline runs a turn of reading ws on this goroutine (the poller's);
// false once Close has begun.
func (s *Server) readInline(c *Conn, ws *wsConn) bool {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return false
	}
	s.wg.Add(1)
	s.mu.Unlock()
	c.readReady(ws)
	s.wg.Done()
	return true
}

// reader runs turns until it has waited with maxIdleReaders others, the
// server has been quiet (trimReaders), or the server closes.
func (s *Server) reader(t readTurn) {
	defer s.readers.wg.Done()
	for {
		t.c.readReady(t.ws)
		s.wg.Done()
		if s.readers.idle.Add(1) > maxIdleReaders {
			s.readers.idle.Add(-1)
			return
		}
		select {
		case t = <-s.readers.turns:
			s.readers.idle.Add(-1)
			if t.c == nil { // trimReaders
				return
			}
		case <-s.readers.quit:
			s.readers.idle.Add(-1)
			return
		}
	}
}

// trimReaders ends the readers waiting for a turn. The poller calls it
// when the server has been quiet for a moment (no turn for stallAfter),
// so that the readers of a burst do not outlive it: a long-lived idle
// pool looked like a leak to the soak, and is memory an idle server does
// not need.
func (s *Server) trimReaders() {
	for {
		select {
		case s.readers.turns <- readTurn{}:
		default:
			return
		}
	}
}

// stopReaders ends the waiting readers, once no turn can start (Close,
// which may be called more than once).
func (s *Server) stopReaders() {
	s.readers.stop.Do(func() { close(s.readers.quit) })
	s.readers.wg.Wait()
}
