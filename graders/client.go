package graders

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"rtlab/graders/scenario"
)

// SocketDialer opens Socket.IO connections for the socket steps. The
// default speaks through package socketio; tests may substitute one.
type SocketDialer interface {
	// Dial opens one Engine.IO connection to the base URL.
	Dial(ctx context.Context, baseURL string, o *DialOptions) (SocketConn, error)
}

// DialOptions are what a connect step asks of a connection.
type DialOptions struct {
	Transport string // websocket or polling
	Header    http.Header
	Query     url.Values
	// Timeout bounds each later acknowledgement and close.
	Timeout time.Duration
}

// SocketConn is one Engine.IO connection.
type SocketConn interface {
	// Join connects to a namespace. A refusal is a *ConnectRefused. on
	// receives every event of the socket from the first one on, so that an
	// event sent right after the connection is not missed.
	Join(ctx context.Context, namespace string, auth any, on EventHandlers) (SocketNS, error)
	// Close sends the close packets and closes the connection.
	Close() error
	// Drop closes the TCP connection without any close packet.
	Drop() error
}

// EventHandlers receive what the server sends on one socket.
type EventHandlers struct {
	Event      func(event string, args []json.RawMessage)
	Disconnect func(reason string)
}

// SocketNS is a socket connected to a namespace.
type SocketNS interface {
	ID() string
	Emit(event string, args ...any) error
	EmitWithAck(ctx context.Context, event string, args ...any) ([]json.RawMessage, error)
	// Disconnect leaves the namespace (a Socket.IO DISCONNECT packet).
	Disconnect() error
}

// ConnectRefused is the server refusing a namespace with connect_error.
type ConnectRefused struct {
	Message string
	Data    json.RawMessage
}

func (e *ConnectRefused) Error() string {
	if len(e.Data) > 0 {
		return fmt.Sprintf("connect_error %q %s", e.Message, e.Data)
	}
	return fmt.Sprintf("connect_error %q", e.Message)
}

// event is one received event, as a client logged it.
type event struct {
	name string
	data any // the first argument, decoded; absent when there was none
	args []json.RawMessage
	at   time.Duration // since the client connected
}

func (e event) String() string {
	var parts []string
	for _, a := range e.args {
		parts = append(parts, scenario.Shorten(string(a), 160))
	}
	return fmt.Sprintf("%s %s (+%dms)", e.name, strings.Join(parts, ", "), e.at.Milliseconds())
}

// client is a named simulated client of a check, with the log of what it
// received. Steps read the log through a cursor: expect consumes events up
// to the one it matched, so the next expect looks at later events only.
type client struct {
	name  string
	conn  SocketConn
	owner bool            // closes conn at the end (false for a via: namespace)
	bg    *sync.WaitGroup // closings that outlast closeGrace; the run waits for them
	sock  SocketNS
	start time.Time

	mu       sync.Mutex
	events   []event
	cursor   int
	changed  chan struct{} // closed and replaced whenever events or gone change
	gone     string        // disconnect reason, "" while connected
	total    int           // events received, the ones past the log's bound included
	isClosed bool
}

func newClient(name string) *client {
	return &client{name: name, start: time.Now(), changed: make(chan struct{})}
}

func (c *client) handlers() EventHandlers {
	return EventHandlers{
		Event: func(name string, args []json.RawMessage) {
			ev := event{name: name, args: args, data: scenario.Absent}
			if len(args) > 0 {
				if v, err := scenario.DecodeJSON(args[0]); err == nil {
					ev.data = v
				}
			}
			c.mu.Lock()
			ev.at = time.Since(c.start)
			c.total++
			if len(c.events) < maxEventsPerClient {
				c.events = append(c.events, ev)
			} else {
				// A flood: keep memory bounded; the newest event stays visible.
				c.events[len(c.events)-1] = ev
			}
			c.signal()
			c.mu.Unlock()
		},
		Disconnect: func(reason string) {
			c.mu.Lock()
			if c.gone == "" {
				c.gone = reason
			}
			c.signal()
			c.mu.Unlock()
		},
	}
}

// maxEventsPerClient bounds a client's log against a flooding server.
const maxEventsPerClient = 10000

func (c *client) signal() {
	close(c.changed)
	c.changed = make(chan struct{})
}

// recent returns the last n events the client received, as text.
func (c *client) recent(n int) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	from := max(0, len(c.events)-n)
	out := make([]string, 0, n)
	for _, e := range c.events[from:] {
		out = append(out, c.name+" ← "+e.String())
	}
	if c.gone != "" {
		out = append(out, c.name+" was disconnected: "+c.gone)
	}
	return out
}

// waitFor blocks until pred finds an event at or after the cursor, and
// moves the cursor past it. It returns the event, or ok=false when ctx
// ends first.
func (c *client) waitFor(ctx context.Context, pred func(event) bool) (event, bool) {
	scanned := -1 // events before it were already tried (a flood must not cost n²)
	for {
		c.mu.Lock()
		from := max(c.cursor, scanned)
		if from >= len(c.events) && scanned == len(c.events) && len(c.events) == maxEventsPerClient {
			from = len(c.events) - 1 // the log is full: its last slot is rewritten
		}
		scanned = len(c.events)
		for i := from; i < len(c.events); i++ {
			if pred(c.events[i]) {
				c.cursor = i + 1
				ev := c.events[i]
				c.mu.Unlock()
				return ev, true
			}
		}
		ch := c.changed
		c.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return event{}, false
		}
	}
}

// pending returns the events after the cursor.
func (c *client) pending() []event {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]event(nil), c.events[c.cursor:]...)
}

// all returns every event the client received.
func (c *client) all() []event {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]event(nil), c.events...)
}

// countNamed counts the events named name received so far.
func (c *client) countNamed(name string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, e := range c.events {
		if e.name == name {
			n++
		}
	}
	return n
}

// received returns how many events the client received in all.
func (c *client) received() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.total
}
