package reference

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"

	"rtlab/socketio"
)

func init() {
	Register(&Exercise{
		ID:       "q30",
		Title:    "Empty rooms",
		New:      newQ30,
		Variants: variantNames(q30Variants),
	})
}

// q30Faults are the mistakes students make around rooms that are empty.
type q30Faults struct {
	crashOnEmpty   bool // rooms.get(room).size on a missing room throws
	errorOnEmpty   bool // an emit to an empty room is refused
	emitToAll      bool // room-emit goes to everyone (io.emit)
	leaveIgnored   bool // leave does nothing
	ownSet         bool // list-rooms reads a Set of names that only grows
	prunedOnLeave  bool // the hand-kept list drops a room on "leave" only
	anyLeavePrunes bool // the hand-kept list drops a room when anyone leaves it
	socketIDRooms  bool // list-rooms includes the socket-id rooms
	crashOnNull    bool // a null payload kills the connection
}

var q30Variants = map[string]q30Faults{
	"crash-on-empty-room":      {crashOnEmpty: true},
	"error-on-empty-room":      {errorOnEmpty: true},
	"emit-to-everyone":         {emitToAll: true},
	"leave-ignored":            {leaveIgnored: true},
	"room-listed-after-empty":  {ownSet: true},
	"not-pruned-on-disconnect": {prunedOnLeave: true},
	"pruned-on-any-leave":      {anyLeavePrunes: true},
	"socket-id-rooms-listed":   {socketIDRooms: true},
	"crash-on-null-payload":    {crashOnNull: true},
}

// newQ30 leans on Socket.IO's adapter for everything about rooms: a room
// exists while it has members, and the adapter deletes it when the last
// one leaves (or disconnects), reporting create-room and delete-room,
// which this server writes to its log. So an emit to an empty room is an
// emit to nobody, not an error, and list-rooms, read from the adapter,
// never shows a room nobody is in. The variants that keep their own list
// of names show what goes wrong without it.
func newQ30(opts *Options) (Server, error) {
	o := opts.withDefaults()
	if err := checkVariant("q30", o.Variant, variantNames(q30Variants)); err != nil {
		return nil, err
	}
	f := q30Variants[o.Variant]
	io := newIO(o)
	nsp := io.Of("/")
	var logMu sync.Mutex
	idRooms := map[string]bool{} // the socket-id rooms that exist
	nsp.OnRoomEvent(func(ev socketio.RoomEvent) {
		// Only create-room and delete-room: they are what explains why an
		// empty room disappears. The socket-id rooms, which come and go
		// with every connection, are left out: a socket is in the
		// namespace when its own room is created, and remembered until
		// that room is deleted.
		logMu.Lock()
		defer logMu.Unlock()
		switch {
		case ev.Type == socketio.RoomCreate && nsp.Socket(ev.Room) != nil:
			idRooms[ev.Room] = true
		case ev.Type == socketio.RoomDelete && idRooms[ev.Room]:
			delete(idRooms, ev.Room)
		case ev.Type == socketio.RoomCreate || ev.Type == socketio.RoomDelete:
			fmt.Fprintf(o.Log, "%s %s\n", ev.Type, ev.Room)
		}
	})

	var mu sync.Mutex
	names := map[string]map[string]bool{} // the hand-kept list of the variants: room → member ids
	keep := func(room, id string, in bool) {
		mu.Lock()
		defer mu.Unlock()
		if in {
			if names[room] == nil {
				names[room] = map[string]bool{}
			}
			names[room][id] = true
			return
		}
		if m := names[room]; m != nil {
			delete(m, id)
			if len(m) == 0 && !f.ownSet || f.anyLeavePrunes {
				delete(names, room)
			}
		}
	}

	nsp.OnConnect(func(s *socketio.Socket) {
		bad := func(e *socketio.Event, want string) {
			if f.crashOnNull && (len(e.Args) == 0 || strings.TrimSpace(string(e.Args[0])) == "null") {
				s.Disconnect(true) // what destructuring null does
				return
			}
			ackError(e, "Send "+want+".")
		}
		s.OnDisconnect(func(socketio.Reason) {
			if f.prunedOnLeave {
				return
			}
			mu.Lock()
			var mine []string
			for r, m := range names {
				if m[s.ID()] {
					mine = append(mine, r)
				}
			}
			mu.Unlock()
			for _, r := range mine {
				keep(r, s.ID(), false)
			}
		})
		s.On("join", func(e *socketio.Event) {
			room, ok := roomArg(e)
			if !ok {
				bad(e, `{"room": "name"}`)
				return
			}
			s.Join(room)
			keep(room, s.ID(), true)
			ackOK(e, nil)
		})
		s.On("leave", func(e *socketio.Event) {
			room, ok := roomArg(e)
			if !ok {
				bad(e, `{"room": "name"}`)
				return
			}
			if !f.leaveIgnored {
				s.Leave(room)
				keep(room, s.ID(), false)
			}
			ackOK(e, nil)
		})
		s.On("room-emit", func(e *socketio.Event) {
			var p struct {
				Room    json.RawMessage `json:"room"`
				Message json.RawMessage `json:"message"`
			}
			if !objectArg(e, &p) {
				bad(e, `{"room": "name", "message": "..."}`)
				return
			}
			room, ok := idValue(p.Room)
			if !ok {
				ackError(e, `Say which room: {"room": "name", "message": "..."}.`)
				return
			}
			members := nsp.RoomSize(room)
			if members == 0 && f.crashOnEmpty {
				s.Disconnect(true) // what "Cannot read properties of undefined (reading 'size')" does
				return
			}
			if members == 0 && f.errorOnEmpty {
				ackError(e, "Room "+room+" does not exist.")
				return
			}
			msg := map[string]any{"room": room, "message": p.Message}
			if len(p.Message) == 0 {
				msg["message"] = nil
			}
			if f.emitToAll {
				nsp.Emit("room-message", msg)
			} else {
				nsp.To(room).Emit("room-message", msg) // to nobody when the room is empty: not an error
			}
			ackOK(e, map[string]any{"members": members})
		})
		s.On("list-rooms", func(e *socketio.Event) {
			rooms := namedRooms(nsp)
			switch {
			case f.socketIDRooms:
				rooms = nsp.Rooms()
				sort.Strings(rooms)
			case f.ownSet, f.prunedOnLeave, f.anyLeavePrunes:
				mu.Lock()
				rooms = variantNames(names)
				mu.Unlock()
			}
			ack(e, map[string]any{"rooms": rooms})
		})
	})
	s := newServer()
	s.mountIO(io)
	return s, nil
}
