package socketio

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
)

// ClientSocket is the client side of one namespace. Handlers run one at a
// time per Client, in the order packets arrived, on a goroutine of their
// own: a handler may call EmitWithAck.
type ClientSocket struct {
	c    *Client
	nsp  string
	acks acks

	connected chan error // the CONNECT answer, once

	mu       sync.Mutex
	id       string
	handlers map[string]func(*Event)
	onAny    []func(*Event)
	onDisc   []func(Reason)
	state    int  // 0 connecting, 1 connected, 2 ended
	sent     bool // Connect was called
	reason   Reason
	done     chan struct{}
}

// ID returns the socket id the server gave.
func (s *ClientSocket) ID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.id
}

// Namespace returns the namespace joined.
func (s *ClientSocket) Namespace() string { return s.nsp }

// Client returns the connection the socket lives on.
func (s *ClientSocket) Client() *Client { return s.c }

// Done is closed when the socket has left its namespace.
func (s *ClientSocket) Done() <-chan struct{} { return s.done }

// Reason returns why the socket left, "" while connected.
func (s *ClientSocket) Reason() Reason {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reason
}

func (s *ClientSocket) ended() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state == 2
}

// On sets the handler of an event, replacing any previous one. When the
// server asked for an ack, e.Ack answers it.
func (s *ClientSocket) On(event string, h func(e *Event)) {
	s.mu.Lock()
	s.handlers[event] = h
	s.mu.Unlock()
}

// OnAny adds a handler called for every event, before the event's own.
func (s *ClientSocket) OnAny(h func(e *Event)) {
	s.mu.Lock()
	s.onAny = append(s.onAny, h)
	s.mu.Unlock()
}

// OnDisconnect adds a handler called once when the socket leaves, with
// socket.io-client's reason ("io server disconnect", "transport close"...).
func (s *ClientSocket) OnDisconnect(h func(reason Reason)) {
	s.mu.Lock()
	s.onDisc = append(s.onDisc, h)
	s.mu.Unlock()
}

// Emit sends an event. []byte arguments become binary attachments.
func (s *ClientSocket) Emit(event string, args ...any) error {
	p, err := NewEventPacket(s.nsp, event, args...)
	if err != nil {
		return err
	}
	if s.ended() {
		return ErrClosed
	}
	return s.c.send(p)
}

// EmitWithAck sends an event asking for an ack and returns the ack's
// arguments. It waits until ctx ends (AckTimeout when ctx has no
// deadline) or the socket leaves.
func (s *ClientSocket) EmitWithAck(ctx context.Context, event string, args ...any) ([]json.RawMessage, error) {
	e, err := s.EmitWithAckEvent(ctx, event, args...)
	if err != nil {
		return nil, err
	}
	return e.Args, nil
}

// EmitWithAckEvent is EmitWithAck returning the whole ack, attachments
// included (see Event.Bytes).
func (s *ClientSocket) EmitWithAckEvent(ctx context.Context, event string, args ...any) (*Event, error) {
	p, err := NewEventPacket(s.nsp, event, args...)
	if err != nil {
		return nil, err
	}
	if s.ended() {
		return nil, ErrClosed
	}
	ctx, cancel := s.c.bound(ctx, s.c.opts.AckTimeout)
	defer cancel()
	return waitAck(ctx, &s.acks, p, event, s.c.send)
}

// Disconnect leaves the namespace: a DISCONNECT packet is sent and the
// socket reports "io client disconnect". The connection stays open.
func (s *ClientSocket) Disconnect() error {
	s.mu.Lock()
	if s.state == 2 {
		s.mu.Unlock()
		return nil
	}
	s.mu.Unlock()
	err := s.c.send(&Packet{Type: PacketDisconnect, Namespace: s.nsp})
	s.c.forget(s)
	s.end(ReasonIOClientDisconnect)
	return err
}

func (s *ClientSocket) onPacket(p *Packet) {
	switch p.Type {
	case PacketConnect:
		var body struct {
			SID string `json:"sid"`
		}
		_ = json.Unmarshal(p.Data, &body)
		s.mu.Lock()
		if s.state != 0 {
			s.mu.Unlock()
			return
		}
		s.state = 1
		s.id = body.SID
		s.mu.Unlock()
		s.settle(nil)
	case PacketConnectError:
		ce := &ConnectError{}
		if firstByte(p.Data) == '"' {
			_ = json.Unmarshal(p.Data, &ce.Message)
		} else {
			var body struct {
				Message string          `json:"message"`
				Data    json.RawMessage `json:"data"`
			}
			_ = json.Unmarshal(p.Data, &body)
			ce.Message = body.Message
			if len(body.Data) > 0 {
				ce.Data = body.Data
			}
		}
		s.mu.Lock()
		connecting := s.state == 0
		if connecting {
			s.state = 2
			close(s.done)
		}
		s.mu.Unlock()
		if connecting {
			s.acks.close()
			s.settle(ce)
		}
	case PacketAck, PacketBinaryAck:
		if p.ID != nil {
			if e, err := ackOf(p); err == nil {
				s.acks.deliver(*p.ID, e)
			}
		}
	case PacketDisconnect:
		s.c.forget(s)
		s.end(ReasonIOServerDisconnect)
	case PacketEvent, PacketBinaryEvent:
		e, err := eventOf(p)
		if err != nil {
			return
		}
		if p.ID != nil {
			id := *p.ID
			e.Ack = onceAck(func(args ...any) error {
				ap, err := NewAckPacket(s.nsp, id, args...)
				if err != nil {
					return err
				}
				return s.c.send(ap)
			})
		}
		s.c.queue.push(func() {
			s.mu.Lock()
			h := s.handlers[e.Name]
			anys := s.onAny
			s.mu.Unlock()
			for _, a := range anys {
				a(e)
			}
			if h != nil {
				h(e)
			}
		})
	}
}

// settle hands Connect its answer; only the first one counts.
func (s *ClientSocket) settle(err error) {
	select {
	case s.connected <- err:
	default:
	}
}

// end marks the socket gone and queues its disconnect handlers; only the
// first call counts.
func (s *ClientSocket) end(reason Reason) {
	s.mu.Lock()
	if s.state == 2 {
		s.mu.Unlock()
		return
	}
	wasConnecting := s.state == 0
	s.state = 2
	s.reason = reason
	hs := s.onDisc
	s.mu.Unlock()
	if wasConnecting {
		s.settle(fmt.Errorf("socketio: connection ended before CONNECT was answered (%s): %w", reason, ErrClosed))
	}
	s.acks.close()
	close(s.done)
	if wasConnecting {
		return
	}
	s.c.queue.push(func() {
		for _, h := range hs {
			h(reason)
		}
	})
}
