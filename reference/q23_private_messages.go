package reference

import (
	"bytes"
	"encoding/json"
	"strings"
	"sync"
	"time"

	"rtlab/socketio"
)

func init() {
	Register(&Exercise{
		ID:       "q23",
		Title:    "Private messages",
		New:      newQ23,
		Variants: variantNames(q23Variants),
	})
}

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

// idValue reads an id of the contract: a non-blank string, or a number
// taken as its digits, since ids compare as strings.
func idValue(raw json.RawMessage) (string, bool) {
	raw = bytes.TrimSpace(raw)
	var s string
	if json.Unmarshal(raw, &s) == nil {
		s = strings.TrimSpace(s)
		return s, s != ""
	}
	var n json.Number
	if len(raw) > 0 && raw[0] != '"' && json.Unmarshal(raw, &n) == nil {
		return n.String(), true
	}
	return "", false
}

func userRoom(id string) string { return "user:" + id }

// q23Hub holds what outlives a connection: the messages waiting for an
// offline user. One mutex orders "is the recipient online, else queue"
// against "a socket of that user joins its room, then drains the queue",
// so that a message sent while its recipient connects is neither lost nor
// delivered twice.
type q23Hub struct {
	mu     sync.Mutex
	queue  map[string][]privateMessage // user id → waiting messages, oldest first
	latest map[string]*socketio.Socket // one-tab: the user's last socket
	online map[string]int              // stale-on-drop: the hand-kept count
}

// newQ23 delivers private messages by user rather than by socket: every
// socket of a user joins the room user:<id>, so one emit to that room
// reaches all of the user's tabs, and the room's size says whether the
// user is online at all.
func newQ23(opts *Options) (Server, error) {
	o := opts.withDefaults()
	if err := checkVariant("q23", o.Variant, variantNames(q23Variants)); err != nil {
		return nil, err
	}
	f := q23Variants[o.Variant]
	hub := &q23Hub{queue: map[string][]privateMessage{}, latest: map[string]*socketio.Socket{}, online: map[string]int{}}
	io := newIO(o)
	nsp := io.Of("/")
	nsp.Use(func(s *socketio.Socket) error {
		var a struct {
			UserID json.RawMessage `json:"userId"`
		}
		json.Unmarshal(s.Handshake().Auth, &a)
		id, ok := idValue(a.UserID)
		if !ok {
			if !f.noAuthCheck {
				return refusal("NO_USER_ID", "Send your user id: io({auth: {userId: \"u1\"}}).")
			}
			id = "anonymous"
		}
		s.Set("userId", id)
		return nil
	})
	nsp.OnConnect(func(s *socketio.Socket) {
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
		s.On("private-message", func(e *socketio.Event) {
			var p struct {
				To   json.RawMessage `json:"to"`
				Text json.RawMessage `json:"text"`
			}
			if !objectArg(e, &p) {
				if f.crashOnNull {
					s.Disconnect(true) // what "Cannot destructure property 'to' of null" does
					return
				}
				ackError(e, `Send an object: {"to": "u2", "text": "hi"}.`)
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
		})
	})
	s := newServer()
	s.mountIO(io)
	return s, nil
}
