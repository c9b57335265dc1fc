package engineio

import (
	"context"
	"time"

	"github.com/coder/websocket"
)

func (c *ClientConn) observe(dir Direction, transport string, raw []byte, binary bool, p Packet) {
	if c.opts.Observer == nil {
		return
	}
	c.obsMu.Lock()
	defer c.obsMu.Unlock()
	c.opts.Observer(Trace{Time: time.Now(), Dir: dir, Transport: transport, Raw: raw, Binary: binary, Packet: p})
}

// Send sends one message.
func (c *ClientConn) Send(data []byte, binary bool) error {
	return c.SendPacket(Packet{Type: MessagePacket, Data: data, Binary: binary})
}

// SendPacket sends a packet of any type, e.g. an unsolicited ping.
func (c *ClientConn) SendPacket(p Packet) error {
	c.sendMu.Lock()
	defer c.sendMu.Unlock()
	if c.isDone() {
		return ErrClosed
	}
	return c.sendLocked(p)
}

func (c *ClientConn) sendLocked(p Packet) error {
	c.mu.Lock()
	transport, ws := c.transport, c.ws
	c.mu.Unlock()
	if transport == "websocket" {
		raw := AppendPacket(nil, p)
		c.observe(Out, transport, raw, p.Binary, p)
		return c.writeFrame(ws, raw, p.Binary)
	}
	raw := AppendPayload(nil, []Packet{p})
	c.observe(Out, transport, raw, false, p)
	return c.post(raw, "text/plain;charset=UTF-8")
}

func (c *ClientConn) writeFrame(ws *websocket.Conn, raw []byte, binary bool) error {
	typ := websocket.MessageText
	if binary {
		typ = websocket.MessageBinary
	}
	ctx, cancel := context.WithTimeout(c.ctx, requestTimeout)
	defer cancel()
	return ws.Write(ctx, typ, raw)
}

// SendRaw sends raw unchecked: one WebSocket frame (binary or text), or
// one POST body (binary: as application/octet-stream), for fault injection.
func (c *ClientConn) SendRaw(raw []byte, binary bool) error {
	c.sendMu.Lock()
	defer c.sendMu.Unlock()
	if c.isDone() {
		return ErrClosed
	}
	c.mu.Lock()
	transport, ws := c.transport, c.ws
	c.mu.Unlock()
	p, _ := ParsePacket(raw, binary)
	c.observe(Out, transport, raw, binary, p)
	if transport == "websocket" {
		return c.writeFrame(ws, raw, binary)
	}
	ct := "text/plain;charset=UTF-8"
	if binary {
		ct = "application/octet-stream"
	}
	return c.post(raw, ct)
}
