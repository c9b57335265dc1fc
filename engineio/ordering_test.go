package engineio

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// setHook sets a test hook for the rest of the test.
func setHook[F any](t *testing.T, h interface{ Store(*F) }, f F) {
	t.Helper()
	h.Store(&f)
	t.Cleanup(func() { h.Store(nil) })
}

// TestPollAfterUpgradePacket: the client sends "2probe" and "5" on the
// WebSocket, then a poll. However late the upgrade's reader runs, the poll
// must find the session upgraded: 400, as the JS server answers (the
// official suite's "ignores HTTP requests with same sid after upgrade").
func TestPollAfterUpgradePacket(t *testing.T) {
	ts := newTestServer(t, &ServerOptions{PingInterval: 5 * time.Second, PingTimeout: 5 * time.Second})
	// The reader is left behind by the scheduler for 200ms per message.
	setHook(t, &testHookProbe, func() { time.Sleep(200 * time.Millisecond) })
	for _, sendBoth := range []bool{true, false} {
		hs, url := pollingOpen(t, ts.URL)
		ts.next(t)
		ws := wsJoin(t, ts.URL, hs.SID)
		wsWrite(t, ws, websocket.MessageText, "2probe")
		if !sendBoth {
			// The probe answered first; the poll is sent after "5" only.
			_, s := wsRead(t, ws)
			require.Equal(t, "3probe", s)
		}
		wsWrite(t, ws, websocket.MessageText, "5")
		a := do(t, "GET", url, "", nil)
		assert.Equal(t, 400, a.status, "a poll sent after the upgrade packet must be refused, got %q", a.body)
		assert.Equal(t, `{"code":3,"message":"Bad request"}`, a.body)
		wsWrite(t, ws, websocket.MessageText, "4hello")
		for {
			_, s := wsRead(t, ws)
			if s != "3probe" {
				assert.Equal(t, "4hello", s)
				break
			}
		}
		ws.CloseNow()
	}
}

// TestPollDuringProbe: a poll that arrives while the probe is under way,
// with no upgrade packet sent, is still answered (with the noop that lets
// the client pause polling), not held until the upgrade ends.
func TestPollDuringProbe(t *testing.T) {
	ts := newTestServer(t, &ServerOptions{PingInterval: 5 * time.Second, PingTimeout: 5 * time.Second, UpgradeTimeout: 5 * time.Second})
	hs, url := pollingOpen(t, ts.URL)
	ts.next(t)
	ws := wsJoin(t, ts.URL, hs.SID)
	wsWrite(t, ws, websocket.MessageText, "2probe")
	_, s := wsRead(t, ws)
	require.Equal(t, "3probe", s)
	start := time.Now()
	a := do(t, "GET", url, "", nil)
	assert.Equal(t, "6", a.body)
	assert.Less(t, time.Since(start), 2*time.Second, "the poll waited for the upgrade to end")
}

// TestPollRacingClientClose: the client sends a poll and a close packet
// together (the official suite's "forcefully closes the session"). Whether
// the POST is handled before the GET reaches the session or before it is
// even looked up, the GET gets the noop a pending GET gets, and the next
// one 400.
func TestPollRacingClientClose(t *testing.T) {
	ts := newTestServer(t, &ServerOptions{PingInterval: 5 * time.Second, PingTimeout: 5 * time.Second})

	t.Run("POST first", func(t *testing.T) {
		url, _, rec := ts.openPolling(t)
		require.Equal(t, "ok", do(t, "POST", url, "1", nil).body)
		reason, _ := rec.waitClose(t)
		assert.Equal(t, ReasonTransportClose, reason)
		a := do(t, "GET", url, "", nil)
		assert.Equal(t, 200, a.status, a.body)
		assert.Equal(t, "6", a.body, "a poll sent with the close packet gets a noop")
		a = do(t, "GET", url, "", nil)
		assert.Equal(t, 400, a.status, "a poll after that: the session is gone")
		assert.Equal(t, `{"code":1,"message":"Session ID unknown"}`, a.body)
	})

	t.Run("GET looked up first", func(t *testing.T) {
		url, _, rec := ts.openPolling(t)
		// The GET has found its session, then waits for the scheduler
		// while the POST closes the session.
		var once sync.Once
		arrived, release := make(chan struct{}), make(chan struct{})
		setHook(t, &testHookRequest, func(r *http.Request) {
			if r.Method == http.MethodGet {
				once.Do(func() { close(arrived); <-release })
			}
		})
		got := make(chan answer, 1)
		go func() { got <- do(t, "GET", url, "", nil) }()
		<-arrived
		require.Equal(t, "ok", do(t, "POST", url, "1", nil).body)
		rec.waitClose(t)
		close(release)
		a := <-got
		assert.Equal(t, 200, a.status, a.body)
		assert.Equal(t, "6", a.body)
		a = do(t, "GET", url, "", nil)
		assert.Equal(t, 400, a.status)
	})

	t.Run("POST of another session", func(t *testing.T) {
		// Only a session its client closed is remembered: one that timed
		// out, or a sid never issued, is 400 at once.
		a := do(t, "GET", ts.URL+"/?EIO=4&transport=polling&sid=AAAAAAAAAAAAAAAAAAAA", "", nil)
		assert.Equal(t, 400, a.status)
	})
}

// TestPollAfterPingTimeoutDue: the heartbeat timers' goroutines run late
// on a busy machine. A poll that comes after the client's time to answer
// the ping is up (counted from when the ping was due) finds the session
// ended, 400, as with the JS server, whose event loop runs due timers
// before it reads new requests (the official suite's "closes the session
// upon ping timeout").
func TestPollAfterPingTimeoutDue(t *testing.T) {
	release := make(chan struct{})
	setHook(t, &testHookTimer, func() { <-release })
	ts := newTestServer(t, &ServerOptions{PingInterval: 100 * time.Millisecond, PingTimeout: 100 * time.Millisecond})
	t.Cleanup(func() { close(release) }) // before the server closes
	url, _, rec := ts.openPolling(t)
	time.Sleep(220 * time.Millisecond) // past ping and pong due (the test's own clock), no timer has run
	a := do(t, "GET", url, "", nil)
	assert.Equal(t, 400, a.status, "a poll after the ping timeout: %q", a.body)
	assert.Equal(t, `{"code":1,"message":"Session ID unknown"}`, a.body)
	reason, _ := rec.waitClose(t)
	assert.Equal(t, ReasonPingTimeout, reason)
}

// TestPongInFlightAtTimeout: the client's pong has reached the server (a
// POST being served) when the ping timeout fires; the JS server, reading
// before it runs a due timer, would take it. The session must live on.
func TestPongInFlightAtTimeout(t *testing.T) {
	ts := newTestServer(t, &ServerOptions{PingInterval: 50 * time.Millisecond, PingTimeout: 100 * time.Millisecond})
	url, _, rec := ts.openPolling(t)
	require.Equal(t, "2", do(t, "GET", url, "", nil).body)
	// The pong's request goroutine is left behind until the timeout timer
	// has fired, and a little longer.
	fired := make(chan struct{})
	var firedOnce, postOnce sync.Once
	setHook(t, &testHookTimer, func() { firedOnce.Do(func() { close(fired) }) })
	setHook(t, &testHookRequest, func(r *http.Request) {
		if r.Method == http.MethodPost {
			postOnce.Do(func() {
				<-fired
				time.Sleep(50 * time.Millisecond)
			})
		}
	})
	a := do(t, "POST", url, "3", nil)
	assert.Equal(t, 200, a.status, "the pong was in the server when the timeout fired: %q", a.body)
	select {
	case <-rec.closed:
		reason, _ := rec.waitClose(t)
		t.Fatalf("the session ended (%s) with its pong in the server", reason)
	default:
	}
	// The heartbeat goes on: the next ping comes.
	assert.Equal(t, "2", do(t, "GET", url, "", nil).body)
}
