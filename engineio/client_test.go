package engineio

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func dialTest(t *testing.T, url string, opts *DialOptions, h Handler) *ClientConn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if opts != nil && opts.Path == "" {
		opts.Path = "/"
	}
	if opts == nil {
		opts = &DialOptions{Path: "/"}
	}
	c, err := Dial(ctx, url, opts, h)
	require.NoError(t, err)
	t.Cleanup(func() { c.Drop() })
	return c
}

func TestClientTransports(t *testing.T) {
	for _, mode := range transportModes {
		t.Run(mode.name, func(t *testing.T) {
			ts := newTestServer(t, &ServerOptions{PingInterval: 100 * time.Millisecond, PingTimeout: 500 * time.Millisecond})
			rec := newRecorder()
			var traceMu sync.Mutex
			var traces []Trace
			c := dialTest(t, ts.URL, &DialOptions{Transport: mode.transport, Upgrade: mode.upgrade, Observer: func(tr Trace) {
				traceMu.Lock()
				traces = append(traces, tr)
				traceMu.Unlock()
			}}, rec)
			sc, srec := ts.next(t)
			assert.Equal(t, sc.ID(), c.ID())
			require.Eventually(t, func() bool { return c.Transport() == mode.final && sc.Transport() == mode.final }, 5*time.Second, 10*time.Millisecond)

			require.NoError(t, c.Send([]byte("hello"), false))
			require.NoError(t, c.Send([]byte{0, 1, 0xff}, true))
			msgs := rec.waitMessages(t, 2)
			assertSamePacket(t, Packet{Type: MessagePacket, Data: []byte("hello")}, msgs[0])
			assertSamePacket(t, Packet{Type: MessagePacket, Data: []byte{0, 1, 0xff}, Binary: true}, msgs[1])

			// Heartbeats over several intervals keep the session alive.
			requireAliveAfter(t, c.Done(), 700*time.Millisecond)
			assert.Equal(t, 1, ts.Count())

			require.NoError(t, c.Close())
			reason, _ := rec.waitClose(t)
			assert.Equal(t, ReasonForcedClose, reason)
			sreason, _ := srec.waitClose(t)
			assert.Equal(t, ReasonTransportClose, sreason)
			assert.ErrorIs(t, c.Send([]byte("late"), false), ErrClosed)
			assert.Positive(t, c.Counter().Read())
			assert.Positive(t, c.Counter().Written())

			traceMu.Lock()
			defer traceMu.Unlock()
			var pings, pongs int
			for _, tr := range traces {
				if tr.Dir == In && tr.Packet.Type == Ping && len(tr.Packet.Data) == 0 {
					pings++
				}
				if tr.Dir == Out && tr.Packet.Type == Pong && len(tr.Packet.Data) == 0 {
					pongs++
				}
			}
			assert.GreaterOrEqual(t, pings, 3)
			assert.GreaterOrEqual(t, pongs, pings-1, "a ping may arrive as the session closes")
			assert.Equal(t, Open, traces[0].Packet.Type)
			var lastOut Trace
			for _, tr := range traces {
				if tr.Dir == Out {
					lastOut = tr
				}
			}
			assert.Equal(t, Close, lastOut.Packet.Type)
			if mode.upgrade {
				var seq []string
				for _, tr := range traces {
					if tr.Packet.Type == Upgrade || string(tr.Packet.Data) == "probe" {
						seq = append(seq, fmt.Sprintf("%s %s %s", tr.Dir, tr.Transport, tr.Raw))
					}
				}
				assert.Equal(t, []string{"out websocket 2probe", "in websocket 3probe", "out websocket 5"}, seq)
			}
		})
	}
}

func TestClientCloseReasons(t *testing.T) {
	t.Run("server closes", func(t *testing.T) {
		for _, tr := range []string{"websocket", "polling"} {
			ts := newTestServer(t, nil)
			rec := newRecorder()
			dialTest(t, ts.URL, &DialOptions{Transport: tr}, rec)
			sc, _ := ts.next(t)
			sc.Close()
			reason, _ := rec.waitClose(t)
			assert.Equal(t, ReasonTransportClose, reason, tr)
		}
	})
	t.Run("server ping timeout", func(t *testing.T) {
		for _, tr := range []string{"websocket", "polling"} {
			ts := newTestServer(t, &ServerOptions{PingInterval: 50 * time.Millisecond, PingTimeout: 100 * time.Millisecond})
			rec := newRecorder()
			c := dialTest(t, ts.URL, &DialOptions{Transport: tr}, rec)
			c.SetIgnorePings(true)
			_, srec := ts.next(t)
			sreason, _ := srec.waitClose(t)
			assert.Equal(t, ReasonPingTimeout, sreason, tr)
			reason, _ := rec.waitClose(t)
			assert.Equal(t, ReasonTransportClose, reason, tr)
		}
	})
	t.Run("drop", func(t *testing.T) {
		for _, tr := range []string{"websocket", "polling"} {
			ts := newTestServer(t, nil)
			rec := newRecorder()
			c := dialTest(t, ts.URL, &DialOptions{Transport: tr}, rec)
			sc, srec := ts.next(t)
			waitPollPending(t, sc)
			require.NoError(t, c.Drop())
			reason, _ := rec.waitClose(t)
			assert.Equal(t, ReasonForcedClose, reason)
			sreason, _ := srec.waitClose(t)
			want := map[string]string{"websocket": ReasonTransportClose, "polling": ReasonTransportError}[tr]
			assert.Equal(t, want, sreason, tr)
		}
	})
	t.Run("client ping is a server transport error", func(t *testing.T) {
		ts := newTestServer(t, nil)
		rec := newRecorder()
		c := dialTest(t, ts.URL, nil, rec)
		_, srec := ts.next(t)
		require.NoError(t, c.SendPacket(Packet{Type: Ping}))
		sreason, _ := srec.waitClose(t)
		assert.Equal(t, ReasonTransportError, sreason)
	})
	t.Run("raw garbage is a server parse error", func(t *testing.T) {
		for _, tr := range []string{"websocket", "polling"} {
			ts := newTestServer(t, nil)
			c := dialTest(t, ts.URL, &DialOptions{Transport: tr}, newRecorder())
			_, srec := ts.next(t)
			require.NoError(t, c.SendRaw([]byte("zz"), false))
			sreason, _ := srec.waitClose(t)
			assert.Equal(t, ReasonParseError, sreason, tr)
		}
	})
	t.Run("no ping from server", func(t *testing.T) {
		url := fakeServer(t, `0{"sid":"s","upgrades":[],"pingInterval":50,"pingTimeout":50,"maxPayload":100}`)
		rec := newRecorder()
		dialTest(t, url, nil, rec)
		reason, _ := rec.waitClose(t)
		assert.Equal(t, ReasonPingTimeout, reason)
	})
	t.Run("garbage from server", func(t *testing.T) {
		url := fakeServer(t, `0{"sid":"s","upgrades":[],"pingInterval":5000,"pingTimeout":5000,"maxPayload":100}`, "4ok", "x")
		rec := newRecorder()
		dialTest(t, url, nil, rec)
		reason, err := rec.waitClose(t)
		assert.Equal(t, ReasonParseError, reason)
		assert.ErrorIs(t, err, ErrMalformed)
		assert.Equal(t, "ok", string(rec.waitMessages(t, 1)[0].Data))
	})
}

// fakeServer accepts one WebSocket at a time, writes frames and then
// only reads.
func fakeServer(t *testing.T, frames ...string) string {
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer ws.CloseNow()
		ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
		defer cancel()
		for _, f := range frames {
			if ws.Write(ctx, websocket.MessageText, []byte(f)) != nil {
				return
			}
		}
		for {
			if _, _, err := ws.Read(ctx); err != nil {
				return
			}
		}
	}))
	t.Cleanup(hs.Close)
	return hs.URL
}

func TestDialErrors(t *testing.T) {
	ts := newTestServer(t, &ServerOptions{AllowRequest: func(*http.Request) error { return errors.New("no") }})
	for _, tr := range []string{"websocket", "polling"} {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, err := Dial(ctx, ts.URL, &DialOptions{Path: "/", Transport: tr}, nil)
		cancel()
		var he *HTTPError
		require.True(t, errors.As(err, &he), "%v", err)
		if tr == "polling" {
			assert.Equal(t, &HTTPError{Status: 403, Code: 4, Message: "Forbidden"}, he)
		} else {
			assert.Equal(t, 400, he.Status) // an upgrade is refused in plain text
			assert.Equal(t, "Forbidden", he.Message)
		}
	}
	_, err := Dial(context.Background(), "ftp://x", nil, nil)
	assert.ErrorContains(t, err, "scheme")
}

// TestConnectCycles opens and closes a few hundred sessions; goleak in
// TestMain checks that nothing is left behind.
func TestConnectCycles(t *testing.T) {
	ts := newTestServer(t, nil)
	for i := 0; i < 300; i++ {
		tr := []string{"websocket", "polling"}[i%2]
		rec := newRecorder()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		c, err := Dial(ctx, ts.URL, &DialOptions{Path: "/", Transport: tr, Upgrade: i%4 == 1}, rec)
		cancel()
		require.NoError(t, err, "cycle %d", i)
		sc, _ := ts.next(t)
		if i%4 == 1 {
			require.Eventually(t, func() bool { return sc.Transport() == "websocket" }, 5*time.Second, time.Millisecond, "cycle %d: no upgrade", i)
		}
		require.NoError(t, c.Send([]byte(fmt.Sprint(i)), false))
		rec.waitMessages(t, 1)
		if i%3 == 0 {
			waitPollPending(t, sc)
			require.NoError(t, c.Drop())
		} else {
			require.NoError(t, c.Close())
		}
		select {
		case <-sc.Done():
		case <-time.After(10 * time.Second):
			t.Fatalf("cycle %d: server session still open", i)
		}
	}
	require.Eventually(t, func() bool { return ts.Count() == 0 }, 5*time.Second, 10*time.Millisecond)
}

// waitPollPending waits, for a polling session, until the client's GET is
// held by the server: a client that drops the TCP connection between two
// GETs is only noticed at the ping timeout, by this server as by the JS one.
func waitPollPending(t *testing.T, sc *Conn) {
	t.Helper()
	if sc.Transport() != "polling" {
		return
	}
	require.Eventually(t, func() bool {
		sc.mu.Lock()
		defer sc.mu.Unlock()
		return sc.poll.getActive
	}, 5*time.Second, 2*time.Millisecond)
}

// closer closes its client from inside OnMessage.
type closer struct {
	*recorder
	c chan *ClientConn
}

func (h closer) OnMessage(data []byte, binary bool) {
	c := <-h.c
	c.Close() // must not wait for itself
	h.recorder.OnMessage(data, binary)
}

func TestClientCloseFromHandler(t *testing.T) {
	ts := newTestServer(t, nil)
	h := closer{recorder: newRecorder(), c: make(chan *ClientConn, 1)}
	c := dialTest(t, ts.URL, nil, h)
	h.c <- c
	require.NoError(t, c.Send([]byte("x"), false))
	reason, _ := h.waitClose(t)
	assert.Equal(t, ReasonForcedClose, reason)
	<-c.Done()
}

func TestGoroutineID(t *testing.T) {
	ch := make(chan uint64)
	go func() { ch <- goroutineID() }()
	other := <-ch
	assert.NotZero(t, goroutineID())
	assert.NotEqual(t, goroutineID(), other)
	assert.Equal(t, goroutineID(), goroutineID())
}
