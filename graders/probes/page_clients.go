package probes

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/chromedp/chromedp"

	"rtlab/graders"
	"rtlab/reference"
	"rtlab/socketio"
)

// What the Socket.IO page probes share (Q17, Q19, Q21, Q22): the grader's
// own clients (Bob, Carol) acting around the page, and what the server saw
// of the page's sockets.

// pageClient is one of the grader's own Socket.IO clients beside a page:
// it connects to the harness's server, marked as the grader's
// (reference.GraderHeader), and logs what it receives.
type pageClient struct {
	name  string
	conn  *socketio.Client
	sock  *socketio.ClientSocket
	inbox *socketio.Inbox
	born  time.Time // when inbox's clock started (InboxEvent.At counts from it)
}

// dialPageClient connects a grader's client named name to h's server and
// joins the default namespace, within 5 s.
func dialPageClient(ctx context.Context, h *PageHarness, name string) (*pageClient, error) {
	dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	conn, err := socketio.Dial(dctx, h.URL, &socketio.ClientOptions{
		Header: http.Header{reference.GraderHeader: {name}},
	})
	if err != nil {
		return nil, fmt.Errorf("the grader's client %s could not reach the reference server: %w", name, err)
	}
	c := &pageClient{name: name, conn: conn, born: time.Now(), inbox: socketio.NewInbox(nil)}
	c.sock = conn.NewSocket("/")
	c.sock.OnAny(c.inbox.Add)
	c.sock.OnDisconnect(c.inbox.Gone)
	if err := c.sock.Connect(dctx, nil); err != nil {
		conn.Close()
		return nil, fmt.Errorf("the grader's client %s could not join the reference server: %w", name, err)
	}
	return c, nil
}

// Close leaves politely (a DISCONNECT packet, then the transport closes).
func (c *pageClient) Close() {
	if c != nil {
		c.conn.Close()
	}
}

// Drop cuts the connection with no goodbye, as a closed laptop does.
func (c *pageClient) Drop() {
	if c != nil {
		c.conn.Drop()
	}
}

// events returns the events named name c received at or after from (an
// offset of c's inbox clock), in order.
func (c *pageClient) events(name string, from time.Duration) []socketio.InboxEvent {
	var out []socketio.InboxEvent
	for _, e := range c.inbox.All() {
		if e.Name == name && e.At >= from {
			out = append(out, e)
		}
	}
	return out
}

// at is t on c's inbox clock (InboxEvent.At).
func (c *pageClient) at(t time.Time) time.Duration { return t.Sub(c.born) }

// waitEvents waits until cond, given the events named name received since
// from, is true, for at most within. It wakes on each event.
func (c *pageClient) waitEvents(ctx context.Context, name string, from, within time.Duration, cond func([]socketio.InboxEvent) bool) bool {
	t := time.NewTimer(within)
	defer t.Stop()
	for {
		ch := c.inbox.Changed()
		if cond(c.events(name, from)) {
			return true
		}
		select {
		case <-ch:
		case <-t.C:
			return cond(c.events(name, from))
		case <-ctx.Done():
			return false
		}
	}
}

// describeEvents lists events as a failure quotes them: "typing
// {"user":"Alice"} (+1.2s)", times from origin on the same clock.
func describeEvents(evs []socketio.InboxEvent, origin time.Duration) string {
	if len(evs) == 0 {
		return "nothing"
	}
	parts := make([]string, 0, len(evs))
	for _, e := range evs {
		parts = append(parts, fmt.Sprintf("%s %s (+%.1fs)", e.Name, strings.Join(rawArgs(e), ", "), (e.At-origin).Seconds()))
	}
	return strings.Join(parts, "; ")
}

func rawArgs(e socketio.InboxEvent) []string {
	out := make([]string, 0, len(e.Args))
	for _, a := range e.Args {
		out = append(out, string(a))
	}
	return out
}

// pageSockets returns the sockets of the page (not the grader's) that
// joined the server so far.
func pageSockets(h *PageHarness) []reference.SeenSocket {
	var out []reference.SeenSocket
	for _, s := range h.Hooks.Sockets.Seen() {
		if !s.Grader {
			out = append(out, s)
		}
	}
	return out
}

// connectedPageSockets counts the page's sockets connected now.
func connectedPageSockets(h *PageHarness) int {
	n := 0
	for _, s := range pageSockets(h) {
		if s.Left.IsZero() {
			n++
		}
	}
	return n
}

// waitPageSockets waits, checking every 25 ms, until cond accepts the
// page's sockets, for at most within; it reports whether cond held.
func waitPageSockets(ctx context.Context, h *PageHarness, within time.Duration, cond func([]reference.SeenSocket) bool) bool {
	deadline := time.Now().Add(within)
	tick := time.NewTicker(25 * time.Millisecond)
	defer tick.Stop()
	for {
		if cond(pageSockets(h)) {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return false
		}
	}
}

// pageConnects waits up to 5 s for the page of t to connect a socket to
// the server. Without one, every check of t fails (none can be judged
// without it) and it returns false.
func (t *pageTrial) pageConnects(ctx context.Context, h *PageHarness) bool {
	if waitPageSockets(ctx, h, 5*time.Second, func(socks []reference.SeenSocket) bool { return len(socks) > 0 }) {
		return true
	}
	t.failAll(&graders.Failure{Reason: "the page did not connect a socket to the server within 5 s",
		Expected: "io() when the page loads", Actual: t.s.Context(4)})
	return false
}

// describePageEvents lists what the page's sockets sent, the last n, for
// a failure message.
func describePageEvents(h *PageHarness, origin time.Time, n int) string {
	evs := h.Hooks.Sockets.PageEvents()
	if len(evs) == 0 {
		return "the page sent the server no event"
	}
	var parts []string
	for _, e := range evs[max(0, len(evs)-n):] {
		parts = append(parts, fmt.Sprintf("%s %s (+%.1fs)", e.Name, strings.Join(e.Args, ", "), e.At.Sub(origin).Seconds()))
	}
	return "the page sent " + strings.Join(parts, "; ")
}

// act runs a user action in the page (a key, a click), within 5 s.
func (s *PageSession) act(ctx context.Context, a chromedp.Action[chromedp.Void]) error {
	actx, cancel := context.WithTimeout(s.tab, 5*time.Second)
	defer cancel()
	stop := context.AfterFunc(ctx, cancel)
	defer stop()
	return chromedp.Do(actx, a)
}

// pageSent reports whether a socket of the page sent the server an event
// named name.
func pageSent(h *PageHarness, name string) bool {
	for _, e := range h.Hooks.Sockets.PageEvents() {
		if e.Name == name {
			return true
		}
	}
	return false
}
