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

// event is one received event, as a client's inbox logged it.
type event = socketio.InboxEvent

// payload is the event's first argument decoded, scenario.Absent when it
// had none (or it did not decode): what matchers compare.
func payload(e event) any {
	if !e.HasData {
		return scenario.Absent
	}
	return e.Data
}

// client is a named simulated client of a check: its connection, its
// socket, and the socketio.Inbox of what the socket received. Steps read
// the inbox through its cursor: expect consumes events up to the one it
// matched, so the next expect looks at later events only.
type client struct {
	name  string
	conn  *socketio.Client
	owner bool            // closes conn at the end (false for a via: namespace)
	bg    *sync.WaitGroup // closings that outlast closeGrace; the run waits for them
	sock  *socketio.ClientSocket
	inbox *socketio.Inbox

	mu       sync.Mutex
	isClosed bool
}

func newClient(name string) *client {
	return &client{name: name, inbox: socketio.NewInbox(&socketio.InboxOptions{
		Max: maxEventsPerClient, Decode: scenario.DecodeJSON})}
}

// maxEventsPerClient bounds a client's log against a flooding server.
const maxEventsPerClient = 10000

// recent returns the last n events the client received, as text.
func (c *client) recent(n int) []string { return c.inbox.Recent(n, c.name) }
