package probes

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"rtlab/graders"

	"rtlab/engineio"
)

// The heartbeat probe: a server must send its PINGs in time. Every
// socket.io client closes a connection on which no PING came within
// pingInterval + pingTimeout of the last one ("ping timeout"), so a server
// that never pings, or pings far later than it advertised, loses every
// client of a long conversation, however correct its events are.

// sioHeartbeatProbe opens an Engine.IO session over WebSocket at params
// "path" (default /socket.io/), reads the pingInterval and pingTimeout its
// open packet advertises, and waits for the first PING, answering it:
// the check fails when none comes within pingInterval + pingTimeout, the
// rule socket.io-client applies. With the default heartbeat (25 s / 20 s)
// the wait is up to 45 s: give the check a timeout to match.
func sioHeartbeatProbe(ctx context.Context, env *graders.ProbeEnv, params map[string]any) error {
	path, _ := params["path"].(string)
	if path == "" {
		path = "/socket.io/"
	}
	pings := make(chan struct{}, 1)
	obs := func(tr engineio.Trace) {
		if tr.Dir == engineio.In && tr.Packet.Type == engineio.Ping {
			select {
			case pings <- struct{}{}:
			default:
			}
		}
	}
	closed := make(chan string, 1)
	c, err := engineio.Dial(ctx, env.URL.String(), &engineio.DialOptions{
		Path: path, Transport: "websocket", TLSConfig: tlsOf(env.HTTP), Observer: obs,
	}, closeHandler(closed))
	if err != nil {
		return graders.Failf("no Engine.IO session over WebSocket at %s: %v", path, err)
	}
	defer c.Drop()
	hs := c.Handshake()
	window := time.Duration(hs.PingInterval+hs.PingTimeout) * time.Millisecond
	advertised := fmt.Sprintf("pingInterval %d ms + pingTimeout %d ms", hs.PingInterval, hs.PingTimeout)
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < window {
		return &graders.ScenarioError{Msg: fmt.Sprintf("sio-heartbeat: the check's timeout (%v left) is shorter than the server's %s; give the check a longer timeout",
			time.Until(dl).Round(time.Second), advertised)}
	}
	noPing := &graders.Failure{
		Reason: fmt.Sprintf("the server sent no PING within %s (%v): every socket.io client closes such a connection (\"ping timeout\")",
			advertised, window),
		Expected: fmt.Sprintf("a PING (packet \"2\") about %d ms after the handshake", hs.PingInterval),
		Actual:   fmt.Sprintf("none in %v", window),
	}
	tm := time.NewTimer(window)
	defer tm.Stop()
	select {
	case <-pings:
		return nil // within the window: socket.io clients keep the connection
	case reason := <-closed:
		// Our client applies the same rule, and may say so first.
		if strings.HasPrefix(reason, engineio.ReasonPingTimeout) {
			return noPing
		}
		return &graders.Failure{
			Reason:   "the server closed the connection before its first PING",
			Expected: fmt.Sprintf("a PING (packet \"2\") within %v of the handshake (%s)", window, advertised),
			Actual:   "the connection closed: " + reason,
		}
	case <-tm.C:
		return noPing
	case <-ctx.Done():
		return errors.New("sio-heartbeat: " + ctx.Err().Error())
	}
}

// closeHandler reports the session's close on ch and drops its messages.
type closeHandler chan string

func (h closeHandler) OnMessage([]byte, bool) {}
func (h closeHandler) OnClose(reason string, err error) {
	if err != nil {
		reason += ": " + err.Error()
	}
	select {
	case h <- reason:
	default:
	}
}
