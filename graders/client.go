package graders

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"rtlab/graders/scenario"
	"rtlab/socketio"
)

// dialOptions are what a connect step asks of a connection.
type dialOptions struct {
	Transport string // websocket or polling
	Header    http.Header
	Query     url.Values
}

// dialSocketIO opens one Socket.IO connection (socketio.Client) to base
// for a connect step or a probe: over polling it upgrades as
// socket.io-client does, it trusts the self-signed certificates of graded
// servers, and its handshake has until ctx's deadline.
func dialSocketIO(ctx context.Context, base string, o *dialOptions) (*socketio.Client, error) {
	hto := 10 * time.Second
	if dl, ok := ctx.Deadline(); ok {
		hto = max(time.Until(dl), time.Millisecond)
	}
	return socketio.Dial(ctx, base, &socketio.ClientOptions{
		Transport:        o.Transport,
		Upgrade:          o.Transport == "polling",
		Header:           o.Header,
		Query:            o.Query,
		TLSConfig:        &tls.Config{InsecureSkipVerify: true}, // graded servers use self-signed certificates
		HandshakeTimeout: hto,
	})
}

// DialSocket opens a Socket.IO connection to the run's server with its
// transport, header added to the handshake; the probe closes it.
func (env *ProbeEnv) DialSocket(ctx context.Context, header http.Header) (*socketio.Client, error) {
	return dialSocketIO(ctx, env.URL.String(), &dialOptions{Transport: env.Transport, Header: header})
}

// ConnectSocket joins namespace ns on conn with auth, on(event) receiving
// every event from the first one on (an event the server sends as it
// accepts the socket included). Its errors are worded for a report: a
// refusal is a *socketio.ConnectError, auth that is not JSON a
// *ScenarioError.
func ConnectSocket(ctx context.Context, conn *socketio.Client, ns string, auth any, on func(*socketio.Event), gone func(reason string)) (*socketio.ClientSocket, error) {
	if auth != nil {
		if _, err := json.Marshal(auth); err != nil {
			return nil, &ScenarioError{fmt.Sprintf("auth is not JSON: %v", err)}
		}
	}
	sock := conn.NewSocket(ns)
	if on != nil {
		sock.OnAny(on)
	}
	if gone != nil {
		sock.OnDisconnect(func(r socketio.Reason) { gone(reasonText(conn, r)) })
	}
	err := sock.Connect(ctx, auth)
	var refused *socketio.ConnectError
	switch {
	case err == nil || errors.As(err, &refused):
		return sock, err
	case ctx.Err() != nil:
		return nil, fmt.Errorf("no answer to the CONNECT packet for namespace %s: %w", ns, ctx.Err())
	case errors.Is(err, socketio.ErrClosed) && conn.Reason() != "":
		return nil, fmt.Errorf("the connection ended before the namespace was joined: %s", reasonText(conn, conn.Reason()))
	case errors.Is(err, socketio.ErrJoined):
		return nil, &ScenarioError{fmt.Sprintf("namespace %s is already joined on this connection", ns)}
	}
	return nil, err
}

// reasonText is why a socket of conn left, as the grader reports it: the
// reason socket.io-client gives, with what ended the connection when the
// reason is the connection's (the transport's error, the malformed packet).
func reasonText(conn *socketio.Client, r socketio.Reason) string {
	err := conn.Err()
	var pe *socketio.PacketError
	switch {
	case r == socketio.ReasonParseError && errors.As(err, &pe):
		return fmt.Sprintf("parse error: the server sent a malformed packet %q (%v)", scenario.Shorten(string(pe.Data), 80), pe.Err)
	case err != nil && r == conn.Reason():
		return fmt.Sprintf("%s (%v)", r, err)
	}
	return string(r)
}

// RefusalText words a connect_error as the reports show it.
func RefusalText(e *socketio.ConnectError) string {
	if d, ok := e.Data.(json.RawMessage); ok && len(d) > 0 {
		return fmt.Sprintf("connect_error %q %s", e.Message, d)
	}
	return fmt.Sprintf("connect_error %q", e.Message)
}

// emitError words the error of an emit on sock for a report: an argument
// that cannot be encoded is the scenario's fault, a socket that had left
// says why, an ack cut short by the socket's end says so, and a send that
// failed says how.
func emitError(conn *socketio.Client, sock *socketio.ClientSocket, event string, args []any, err error) error {
	if _, perr := socketio.NewEventPacket(sock.Namespace(), event, args...); perr != nil {
		return &ScenarioError{fmt.Sprintf("cannot encode %s: %v", event, perr)}
	}
	closed := fmt.Sprintf("socket closed (%s)", reasonText(conn, sock.Reason()))
	switch {
	case err == socketio.ErrClosed:
		// The socket was gone before the event left: whether the server's
		// disconnect came just before or just after the send is a race of
		// the reader, so the report says the same either way.
		return errors.New("socket closed: it was disconnected (" + reasonText(conn, sock.Reason()) + ")")
	case errors.Is(err, socketio.ErrClosed) && strings.HasPrefix(err.Error(), "socketio: no ack for"):
		return errors.New("the socket was disconnected before the ack arrived: " + closed)
	case errors.Is(err, socketio.ErrClosed):
		return errors.New("socket closed: " + strings.TrimPrefix(err.Error(), socketio.ErrClosed.Error()+": "))
	}
	return err
}

// dropConn closes conn's TCP connection without close packets. Over
// polling, it first waits (up to a second) for the upgrade to WebSocket
// the server offered: a drop in the middle of the upgrade is not the
// abrupt disconnect the contract describes, and a server cannot see it at
// once.
func dropConn(conn *socketio.Client) error {
	if conn.Transport() == "polling" && slices.Contains(conn.Handshake().Upgrades, "websocket") {
		deadline := time.Now().Add(time.Second)
		for conn.Transport() == "polling" && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
	}
	return conn.Drop()
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
	conn  *socketio.Client
	owner bool            // closes conn at the end (false for a via: namespace)
	bg    *sync.WaitGroup // closings that outlast closeGrace; the run waits for them
	sock  *socketio.ClientSocket
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

// onEvent logs an event the client's socket received.
func (c *client) onEvent(e *socketio.Event) {
	ev := event{name: e.Name, args: e.Args, data: scenario.Absent}
	if len(e.Args) > 0 {
		if v, err := scenario.DecodeJSON(e.Args[0]); err == nil {
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
}

// onGone logs that the client's socket left, and why.
func (c *client) onGone(reason string) {
	c.mu.Lock()
	if c.gone == "" {
		c.gone = reason
	}
	c.signal()
	c.mu.Unlock()
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
