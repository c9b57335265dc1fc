package reference

import (
	"encoding/json"
	"strings"
	"sync"
	"time"

	"rtlab/socketio"
)

func init() { registerFaults("q23", q23Variants, newQ23) }

// q23Faults are the mistakes students make with private messages.
type q23Faults struct {
	noAuthCheck   bool // a connection without auth.userId is let in
	noSenderCopy  bool // the sender's own tabs do not get the message
	oneTab        bool // only the recipient's most recent tab gets it
	toEveryone    bool // io.emit: every client gets everyone's messages
	noQueue       bool // an offline recipient's message is dropped
	queueReversed bool // queued messages come out newest first
	redeliver     bool // the queue is not emptied once delivered
	noValidation  bool // a missing to or text is acknowledged ok
	staleOnDrop   bool // an abrupt disconnect leaves the user "online"
	crashOnNull   bool // a null payload kills the connection
	noTimestamp   bool // the message goes out without a timestamp
	alwaysTrue    bool // the ack says delivered: true even when queued
}

var q23Variants = map[string]q23Faults{
	"no-auth-check":     {noAuthCheck: true},
	"no-sender-copy":    {noSenderCopy: true},
	"one-tab":           {oneTab: true},
	"to-everyone":       {toEveryone: true},
	"no-queue":          {noQueue: true},
	"queue-reversed":    {queueReversed: true},
	"redeliver":         {redeliver: true},
	"no-validation":     {noValidation: true},
	"stale-on-drop":     {staleOnDrop: true},
	"crash-on-bad-body": {crashOnNull: true},
	"no-timestamp":      {noTimestamp: true},
	"always-delivered":  {alwaysTrue: true},
}

// privateMessage is the payload of a delivered private-message.
type privateMessage struct {
	From      string `json:"from"`
	To        string `json:"to"`
	Text      string `json:"text"`
	Timestamp int64  `json:"timestamp,omitempty"` // epoch ms, when the server took it
}

// q23Hub holds what outlives a connection: the messages waiting for an
// offline user. One mutex orders "is the recipient online, else queue"
// against "a socket of that user joins its room, then drains the queue",
// so that a message sent while its recipient connects is neither lost nor
// delivered twice.
type q23Hub struct {
	f   q23Faults
	nsp *socketio.Namespace

	mu     sync.Mutex
	queue  map[string][]privateMessage // user id → waiting messages, oldest first
	latest map[string]*socketio.Socket // one-tab: the user's last socket
	online map[string]int              // stale-on-drop: the hand-kept count
}

// newQ23 delivers private messages by user rather than by socket: every
// socket of a user joins the room user:<id>, so one emit to that room
// reaches all of the user's tabs, and the room's size says whether the
// user is online at all.
func newQ23(o Options, f q23Faults) (Server, error) {
	srv, io := ioServer(o)
	hub := &q23Hub{f: f, nsp: io.Of("/"), queue: map[string][]privateMessage{}, latest: map[string]*socketio.Socket{}, online: map[string]int{}}
	hub.nsp.Use(userIDMiddleware(f.noAuthCheck))
	hub.nsp.OnConnect(hub.connect)
	return srv, nil
}

// connect joins s to its user's room and hands it the messages that
// waited for that user.
func (hub *q23Hub) connect(s *socketio.Socket) {
	f := hub.f
	me := s.Get("userId").(string)
	hub.mu.Lock()
	s.Join(userRoom(me))
	hub.latest[me] = s
	hub.online[me]++
	waiting := hub.queue[me]
	if !f.redeliver {
		delete(hub.queue, me)
	}
	hub.mu.Unlock()
	for i := range waiting {
		m := waiting[i]
		if f.queueReversed {
			m = waiting[len(waiting)-1-i]
		}
		s.Emit("private-message", m)
	}
	s.OnDisconnect(func(r socketio.Reason) {
		hub.mu.Lock()
		defer hub.mu.Unlock()
		if !f.staleOnDrop || r != socketio.ReasonTransportClose {
			hub.online[me]--
		}
		if hub.latest[me] == s {
			delete(hub.latest, me)
		}
	})
	s.On("private-message", func(e *socketio.Event) { hub.send(s, me, e) })
}

// send delivers a private message from user me to every tab of its
// recipient and of me, or queues it while the recipient is offline.
func (hub *q23Hub) send(s *socketio.Socket, me string, e *socketio.Event) {
	f, nsp := hub.f, hub.nsp
	var p struct {
		To   json.RawMessage `json:"to"`
		Text json.RawMessage `json:"text"`
	}
	if !objectArg(e, &p) {
		// crash: what "Cannot destructure property 'to' of null" does
		refuseArg(s, e, f.crashOnNull, `Send an object: {"to": "u2", "text": "hi"}.`)
		return
	}
	to, okTo := idValue(p.To)
	var text string
	okText := json.Unmarshal(p.Text, &text) == nil && strings.TrimSpace(text) != ""
	if (!okTo || !okText) && !f.noValidation {
		ackError(e, `A private message needs "to" (a user id) and "text" (not empty).`)
		return
	}
	m := privateMessage{From: me, To: to, Text: text, Timestamp: time.Now().UnixMilli()}
	if f.noTimestamp {
		m.Timestamp = 0
	}
	hub.mu.Lock()
	defer hub.mu.Unlock()
	online := nsp.RoomSize(userRoom(to)) > 0
	if f.staleOnDrop {
		online = hub.online[to] > 0
	}
	if !online && !f.noQueue {
		hub.queue[to] = append(hub.queue[to], m)
	}
	switch {
	case f.toEveryone:
		nsp.Emit("private-message", m)
	case f.oneTab:
		if t := hub.latest[to]; t != nil && online {
			t.Emit("private-message", m)
		}
		nsp.To(userRoom(me)).Emit("private-message", m)
	case f.noSenderCopy:
		if online {
			nsp.To(userRoom(to)).Emit("private-message", m)
		}
	case online:
		nsp.To(userRoom(to), userRoom(me)).Emit("private-message", m) // each socket once, even to oneself
	default:
		nsp.To(userRoom(me)).Emit("private-message", m)
	}
	ackOK(e, map[string]any{"delivered": online || f.alwaysTrue})
}
