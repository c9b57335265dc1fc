package reference

import (
	"bytes"
	"encoding/json"
	"sort"
	"strings"

	"rtlab/socketio"
)

// This file holds what the room exercises (Q23 to Q30) read and answer
// alike: ids and room names from a payload, the rooms of a socket or a
// namespace, and the refusal of a payload that is not the object an event
// wants.

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

// roomArg reads {"room": NAME} from argument 0: a non-blank string (a
// number is taken as its digits).
func roomArg(e *socketio.Event) (string, bool) {
	var p struct {
		Room json.RawMessage `json:"room"`
	}
	if !objectArg(e, &p) {
		return "", false
	}
	return idValue(p.Room)
}

// nullArg reports whether argument 0 is missing or null: the payload on
// which a handler that destructures it blindly throws.
func nullArg(e *socketio.Event) bool {
	return len(e.Args) == 0 || strings.TrimSpace(string(e.Args[0])) == "null"
}

// refuseArg answers a payload that is not what the event wants with an
// error ack saying msg, or, when crash is set, drops the connection, which
// is what a TypeError thrown in a student's handler does.
func refuseArg(s *socketio.Socket, e *socketio.Event, crash bool, msg string) {
	if crash {
		s.Disconnect(true)
		return
	}
	ackError(e, msg)
}

// onRoom registers fn for event, whose payload is {"room": NAME}; any
// other payload is refused (crashOnNull: a null one drops the connection).
func onRoom(s *socketio.Socket, event string, crashOnNull bool, fn func(e *socketio.Event, room string)) {
	s.On(event, func(e *socketio.Event) {
		room, ok := roomArg(e)
		if !ok {
			refuseArg(s, e, crashOnNull && nullArg(e), `Send {"room": "name"}.`)
			return
		}
		fn(e, room)
	})
}

// namedRooms lists nsp's rooms without the private room every socket has
// under its own id, sorted. Socket.IO's adapter keeps both kinds in one
// map; a room named after a connected socket's id is the private kind.
func namedRooms(nsp *socketio.Namespace) []string {
	out := []string{}
	for _, r := range nsp.Rooms() {
		if nsp.Socket(r) == nil {
			out = append(out, r)
		}
	}
	sort.Strings(out)
	return out
}

// allRooms lists every room of nsp, the socket-id rooms too, sorted: what
// a student who lists adapter.rooms as it is answers.
func allRooms(nsp *socketio.Namespace) []string {
	rooms := nsp.Rooms()
	sort.Strings(rooms)
	return rooms
}

// sortedRooms lists the rooms s is in, its own id room too, sorted.
func sortedRooms(s *socketio.Socket) []string {
	r := s.Rooms()
	sort.Strings(r)
	return r
}

// without returns list minus v.
func without(list []string, v string) []string {
	out := make([]string, 0, len(list))
	for _, x := range list {
		if x != v {
			out = append(out, x)
		}
	}
	return out
}

// userIDMiddleware reads auth.userId into socket data "userId", refusing
// a connection without one, or, when anonymous is set (a server that
// forgets the check), taking it as user "anonymous".
func userIDMiddleware(anonymous bool) func(s *socketio.Socket) error {
	return func(s *socketio.Socket) error {
		var a struct {
			UserID json.RawMessage `json:"userId"`
		}
		json.Unmarshal(s.Handshake().Auth, &a)
		id, ok := idValue(a.UserID)
		if !ok {
			if !anonymous {
				return refusal("NO_USER_ID", "Send your user id: io({auth: {userId: \"u1\"}}).")
			}
			id = "anonymous"
		}
		s.Set("userId", id)
		return nil
	}
}
