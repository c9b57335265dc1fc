package engineio

import (
	"bytes"
	"runtime"

	"github.com/coder/websocket"
)

// Close ends the session gracefully: a close packet, then the transport.
// The reason is "forced close". It returns once OnClose has returned,
// unless called from the Handler itself.
func (c *ClientConn) Close() error {
	c.sendMu.Lock()
	if c.isDone() {
		c.sendMu.Unlock()
		c.wait()
		return nil
	}
	c.setReason(ReasonForcedClose, nil)
	err := c.sendLocked(Packet{Type: Close})
	c.mu.Lock()
	ws := c.ws
	c.mu.Unlock()
	c.sendMu.Unlock()
	if ws != nil {
		// The reader goroutine reads the server's close frame meanwhile.
		ws.Close(websocket.StatusNormalClosure, "")
	}
	c.shutdown(ReasonForcedClose, nil)
	c.wait()
	return err
}

// Drop closes the TCP connections without a close packet or close frame,
// as a crashed client would. The reason is "forced close".
func (c *ClientConn) Drop() error {
	c.shutdown(ReasonForcedClose, nil)
	c.wait()
	return nil
}

func (c *ClientConn) wait() {
	if goroutineID() == c.runG.Load() {
		return // called from the Handler: the session ends when it returns
	}
	<-c.done
	// A last POST may have finished after the session's goroutine ended.
	c.tr.CloseIdleConnections()
}

func (c *ClientConn) isDone() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.reason != ""
}

func (c *ClientConn) setReason(reason string, err error) {
	c.mu.Lock()
	if c.reason == "" {
		c.reason, c.err = reason, err
	}
	c.mu.Unlock()
}

// shutdown records reason (the first one wins) and tears the transport
// down; the run goroutine then reports the close.
func (c *ClientConn) shutdown(reason string, err error) {
	c.setReason(reason, err)
	c.mu.Lock()
	ws := c.ws
	c.pingTimer.Stop()
	c.mu.Unlock()
	c.cancel()
	if ws != nil {
		ws.CloseNow()
	}
}

// goroutineID returns the id of the calling goroutine, parsed from its
// stack header ("goroutine 42 [running]:"). Close and Drop use it to tell
// a call from the Handler, which must not wait for itself.
func goroutineID() uint64 {
	var buf [32]byte
	b := buf[:runtime.Stack(buf[:], false)]
	b = bytes.TrimPrefix(b, []byte("goroutine "))
	var id uint64
	for _, ch := range b {
		if ch < '0' || ch > '9' {
			break
		}
		id = id*10 + uint64(ch-'0')
	}
	return id
}
