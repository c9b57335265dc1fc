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
	// The session is on the WebSocket from the moment "5" can reach the
	// server: a server that reports the upgrade must never see Transport
	// still say "polling". A failed write puts it back.
	c.mu.Lock()
	if c.reason != "" {
		c.mu.Unlock()
		return
	}
	c.transport = "websocket"
	c.ws = ws
	c.mu.Unlock()
	up := Packet{Type: Upgrade}
	raw = AppendPacket(nil, up)
	c.observe(Out, "websocket", raw, false, up)
	if ws.Write(ctx, websocket.MessageText, raw) != nil {
		c.mu.Lock()
		c.transport = "polling"
		c.ws = nil
		c.mu.Unlock()
		return
	}
	ok = true
}
