package engineio

import (
	"bytes"
	"slices"

	"github.com/coder/websocket"
)

// run reads the session until it ends, then calls OnClose.
func (c *ClientConn) run() {
	c.runG.Store(goroutineID())
	defer close(c.done)
	defer c.tr.CloseIdleConnections()
	defer c.probeWG.Wait()
	if c.Transport() == "polling" {
		for _, rp := range c.pending {
			c.handle(rp.p)
		}
		c.pending = nil
		if c.opts.Upgrade && slices.Contains(c.hs.Upgrades, "websocket") {
			c.paused = make(chan struct{})
			c.upgraded = make(chan struct{})
			c.probeWG.Add(1)
			go c.probe()
		}
	}
	for c.ctx.Err() == nil {
		if c.Transport() == "websocket" {
			c.readFrame()
			continue
		}
		if c.pauseReq.Load() {
			// Paused: no GET in flight while the probe sends "5".
			select {
			case c.paused <- struct{}{}:
			case <-c.ctx.Done():
				continue
			}
			select {
			case <-c.upgraded:
			case <-c.ctx.Done():
			}
			continue
		}
		c.poll()
	}
	c.shutdown(ReasonTransportClose, nil)
	c.mu.Lock()
	reason, err := c.reason, c.err
	c.mu.Unlock()
	c.h.OnClose(reason, err)
}

func (c *ClientConn) readFrame() {
	typ, data, err := c.ws.Read(c.ctx)
	if err != nil {
		c.shutdown(ReasonTransportClose, err)
		return
	}
	p, err := ParsePacket(data, typ == websocket.MessageBinary)
	c.observe(In, "websocket", data, typ == websocket.MessageBinary, p)
	if err != nil {
		c.shutdown(ReasonParseError, err)
		return
	}
	c.handle(p)
}

func (c *ClientConn) handle(p Packet) {
	switch p.Type {
	case Ping:
		c.onPing(p)
	case MessagePacket:
		data := bytes.Clone(p.Data)
		if data == nil {
			data = []byte{}
		}
		c.h.OnMessage(data, p.Binary)
	case Close:
		c.shutdown(ReasonTransportClose, nil)
	}
}
