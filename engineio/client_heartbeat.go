package engineio

import (
	"errors"
	"time"
)

// The client's side of the Engine.IO heartbeat: the server pings every
// pingInterval, and a client that hears no ping for pingInterval +
// pingTimeout (both from the open packet) considers the server gone, as
// engine.io-client does.

// startHeartbeat arms the ping deadline once the handshake is known.
func (c *ClientConn) startHeartbeat() {
	c.pingTimer = time.AfterFunc(c.heartbeatWindow(), c.pingExpired)
}

// heartbeatWindow is how long the client waits for the next ping.
func (c *ClientConn) heartbeatWindow() time.Duration {
	return time.Duration(c.hs.PingInterval+c.hs.PingTimeout) * time.Millisecond
}

// pingExpired ends the connection when no ping came in time.
func (c *ClientConn) pingExpired() { c.shutdown(ReasonPingTimeout, nil) }

// onPing re-arms the deadline and answers with a pong, unless the client
// was told to ignore pings (a test of the server's ping timeout).
func (c *ClientConn) onPing(p Packet) {
	c.pingTimer.Reset(c.heartbeatWindow())
	if !c.ignorePings.Load() {
		if err := c.SendPacket(Packet{Type: Pong, Data: p.Data}); err != nil && !errors.Is(err, ErrClosed) {
			c.shutdown(ReasonTransportError, err)
		}
	}
}
