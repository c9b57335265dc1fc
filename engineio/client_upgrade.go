package engineio

import (
	"context"

	"github.com/coder/websocket"
)

// probe upgrades the session the way engine.io-client does: while polling
// goes on, it opens a WebSocket and sends "2probe"; once "3probe" comes
// back it asks the poll loop to pause (the server releases the pending GET
// with a noop), then sends "5" and moves the session onto the WebSocket.
// On any failure the session stays on polling.
func (c *ClientConn) probe() {
	defer c.probeWG.Done()
	ctx, cancel := context.WithTimeout(c.ctx, c.opts.HandshakeTimeout)
	defer cancel()
	ws, err := c.dialWebSocket(ctx)
	if err != nil {
		return
	}
	ok := false
	defer func() {
		if !ok {
			ws.CloseNow()
		}
	}()
	probe := Packet{Type: Ping, Data: []byte("probe")}
	raw := AppendPacket(nil, probe)
	c.observe(Out, "websocket", raw, false, probe)
	if ws.Write(ctx, websocket.MessageText, raw) != nil {
		return
	}
	typ, data, err := ws.Read(ctx)
	if err != nil {
		return
	}
	p, perr := ParsePacket(data, typ == websocket.MessageBinary)
	c.observe(In, "websocket", data, typ == websocket.MessageBinary, p)
	if perr != nil || p.Type != Pong || string(p.Data) != "probe" {
		return
	}
	c.pauseReq.Store(true)
	select {
	case <-c.paused:
	case <-ctx.Done():
		return
	}
	defer func() {
		c.pauseReq.Store(false)
		select {
		case c.upgraded <- struct{}{}:
		case <-c.ctx.Done():
		}
	}()
	// No POST may be in flight while the session switches.
	c.sendMu.Lock()
	defer c.sendMu.Unlock()
	up := Packet{Type: Upgrade}
	raw = AppendPacket(nil, up)
	c.observe(Out, "websocket", raw, false, up)
	if ws.Write(ctx, websocket.MessageText, raw) != nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.reason != "" {
		return
	}
	c.transport = "websocket"
	c.ws = ws
	ok = true
}
