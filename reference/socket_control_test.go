package reference

import (
	"context"
	"net/http"
	"testing"
	"time"

	"rtlab/socketio"
)

// TestSocketControl: the control tells the grader's sockets from the
// page's, records what the page's send, kicks only the page's, and
// emits to all; a nil control does nothing.
func TestSocketControl(t *testing.T) {
	c := NewSocketControl()
	r, err := Start("q22", &Options{Hooks: &Hooks{Sockets: c}})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	dial := func(h http.Header) (*socketio.Client, *socketio.ClientSocket, *socketio.Inbox) {
		conn, err := socketio.Dial(ctx, r.URL, &socketio.ClientOptions{Header: h})
		if err != nil {
			t.Fatal(err)
		}
		in := socketio.NewInbox(nil)
		s := conn.NewSocket("/")
		s.OnAny(in.Add)
		s.OnDisconnect(in.Gone)
		if err := s.Connect(ctx, nil); err != nil {
			t.Fatal(err)
		}
		return conn, s, in
	}
	gconn, _, gin := dial(http.Header{GraderHeader: {"Bob"}})
	defer gconn.Close()
	pconn, psock, pin := dial(nil)
	defer pconn.Close()

	seen := c.Seen()
	if len(seen) != 2 || !seen[0].Grader || seen[1].Grader {
		t.Fatalf("Seen = %+v, want the grader's socket then the page's", seen)
	}
	if err := psock.Emit("reaction", map[string]string{"type": "heart"}); err != nil {
		t.Fatal(err)
	}
	if _, ok := gin.Next(ctx, func(e socketio.InboxEvent) bool { return e.Name == "reaction" }); !ok {
		t.Fatal("the grader's client got no reaction")
	}
	if evs := c.PageEvents(); len(evs) != 1 || evs[0].Name != "reaction" || evs[0].Args[0] != `{"type":"heart"}` {
		t.Fatalf("PageEvents = %+v, want the page's one reaction", evs)
	}
	if err := c.Emit("reaction", map[string]string{"type": "<b>x</b>"}); err != nil {
		t.Fatal(err)
	}
	if _, ok := pin.Next(ctx, func(e socketio.InboxEvent) bool { return e.Name == "reaction" }); !ok {
		t.Fatal("Emit did not reach the page's socket")
	}
	if n := c.Kick(); n != 1 {
		t.Fatalf("Kick kicked %d sockets, want the page's one", n)
	}
	select {
	case <-psock.Done():
	case <-ctx.Done():
		t.Fatal("the kicked socket did not leave")
	}
	if got := psock.Reason(); got != socketio.ReasonIOServerDisconnect {
		t.Errorf("kicked socket's reason = %q, want %q", got, socketio.ReasonIOServerDisconnect)
	}
	if gin.Left() != "" {
		t.Errorf("the grader's socket left too: %s", gin.Left())
	}

	var none *SocketControl
	if none.Seen() != nil || none.PageEvents() != nil || none.Kick() != 0 || none.Emit("x") != nil {
		t.Error("a nil control should do nothing")
	}
}
