package reference

import (
	"encoding/json"
	"fmt"
	"io"
	"sync"

	"rtlab/socketio"
)

func init() { registerFaults("q30", q30Variants, newQ30) }

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

// q30Rooms is the Q30 server. names is the hand-kept list of the
// variants that keep their own (room → member ids); idRooms, the socket-id
// rooms that exist, which the room log leaves out.
type q30Rooms struct {
	f   q30Faults
	log io.Writer
	nsp *socketio.Namespace

	logMu   sync.Mutex
	idRooms map[string]bool

	mu    sync.Mutex
	names map[string]map[string]bool
}

// newQ30 leans on Socket.IO's adapter for everything about rooms: a room
// exists while it has members, and the adapter deletes it when the last
// one leaves (or disconnects), reporting create-room and delete-room,
// which this server writes to its log. So an emit to an empty room is an
// emit to nobody, not an error, and list-rooms, read from the adapter,
// never shows a room nobody is in. The variants that keep their own list
// of names show what goes wrong without it.
func newQ30(o Options, f q30Faults) (Server, error) {
	srv, io := ioServer(o)
	q := &q30Rooms{f: f, log: o.Log, nsp: io.Of("/"), idRooms: map[string]bool{}, names: map[string]map[string]bool{}}
	q.nsp.OnRoomEvent(q.roomEvent)
	q.nsp.OnConnect(q.connect)
	return srv, nil
}

// roomEvent logs create-room and delete-room: they are what explains why
// an empty room disappears. The socket-id rooms, which come and go with
// every connection, are left out: a socket is in the namespace when its
// own room is created, and remembered until that room is deleted.
func (q *q30Rooms) roomEvent(ev socketio.RoomEvent) {
	q.logMu.Lock()
	defer q.logMu.Unlock()
	switch {
	case ev.Type == socketio.RoomCreate && q.nsp.Socket(ev.Room) != nil:
		q.idRooms[ev.Room] = true
	case ev.Type == socketio.RoomDelete && q.idRooms[ev.Room]:
		delete(q.idRooms, ev.Room)
	case ev.Type == socketio.RoomCreate || ev.Type == socketio.RoomDelete:
		fmt.Fprintf(q.log, "%s %s\n", ev.Type, ev.Room)
	}
}

// keep records in the hand-kept list that id is in room (in) or left it.
func (q *q30Rooms) keep(room, id string, in bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if in {
		if q.names[room] == nil {
			q.names[room] = map[string]bool{}
		}
		q.names[room][id] = true
		return
	}
	if m := q.names[room]; m != nil {
		delete(m, id)
		if len(m) == 0 && !q.f.ownSet || q.f.anyLeavePrunes {
			delete(q.names, room)
		}
	}
}

// forget takes id out of every room of the hand-kept list, as the
// variants that prune on disconnect do.
func (q *q30Rooms) forget(id string) {
	q.mu.Lock()
	var mine []string
	for r, m := range q.names {
		if m[id] {
			mine = append(mine, r)
		}
	}
	q.mu.Unlock()
	for _, r := range mine {
		q.keep(r, id, false)
	}
}

func (q *q30Rooms) connect(s *socketio.Socket) {
	s.OnDisconnect(func(socketio.Reason) {
		if !q.f.prunedOnLeave {
			q.forget(s.ID())
		}
	})
	onRoom(s, "join", q.f.crashOnNull, func(e *socketio.Event, room string) {
		s.Join(room)
		q.keep(room, s.ID(), true)
		ackOK(e, nil)
	})
	onRoom(s, "leave", q.f.crashOnNull, func(e *socketio.Event, room string) {
		if !q.f.leaveIgnored {
			s.Leave(room)
			q.keep(room, s.ID(), false)
		}
		ackOK(e, nil)
	})
	s.On("room-emit", func(e *socketio.Event) { q.roomEmit(s, e) })
	s.On("list-rooms", q.listRooms)
}

// roomEmit sends a message to a room, which may be empty: an emit to
// nobody, not an error.
func (q *q30Rooms) roomEmit(s *socketio.Socket, e *socketio.Event) {
	var p struct {
		Room    json.RawMessage `json:"room"`
		Message json.RawMessage `json:"message"`
	}
	if !objectArg(e, &p) {
		refuseArg(s, e, q.f.crashOnNull && nullArg(e), `Send {"room": "name", "message": "..."}.`)
		return
	}
	room, ok := idValue(p.Room)
	if !ok {
		ackError(e, `Say which room: {"room": "name", "message": "..."}.`)
		return
	}
	members := q.nsp.RoomSize(room)
	if members == 0 && q.f.crashOnEmpty {
		s.Disconnect(true) // what "Cannot read properties of undefined (reading 'size')" does
		return
	}
	if members == 0 && q.f.errorOnEmpty {
		ackError(e, "Room "+room+" does not exist.")
		return
	}
	msg := map[string]any{"room": room, "message": p.Message}
	if len(p.Message) == 0 {
		msg["message"] = nil
	}
	if q.f.emitToAll {
		q.nsp.Emit("room-message", msg)
	} else {
		q.nsp.To(room).Emit("room-message", msg) // to nobody when the room is empty: not an error
	}
	ackOK(e, map[string]any{"members": members})
}

// listRooms answers the rooms that have members, as the adapter knows
// them (the variants: as their own list has them).
func (q *q30Rooms) listRooms(e *socketio.Event) {
	rooms := namedRooms(q.nsp)
	switch {
	case q.f.socketIDRooms:
		rooms = allRooms(q.nsp)
	case q.f.ownSet, q.f.prunedOnLeave, q.f.anyLeavePrunes:
		q.mu.Lock()
		rooms = variantNames(q.names)
		q.mu.Unlock()
	}
	ack(e, map[string]any{"rooms": rooms})
}
