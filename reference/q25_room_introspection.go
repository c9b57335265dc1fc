package reference

import (
	"sync"

	"rtlab/socketio"
)

func init() { registerFaults("q25", q25Variants, newQ25) }

// q25Faults are the mistakes students make reading the adapter's rooms.
type q25Faults struct {
	socketIDRooms bool // list-rooms includes every socket's own id room
	countAll      bool // room-size answers the namespace's socket count
	ownCounts     bool // a hand-kept count, never lowered on disconnect
	crashUnknown  bool // rooms.get(room).size on a missing room throws
	crashOnNull   bool // a null payload kills the connection
	sizeNoName    bool // room-size answers {count} without the room
	mapAsJSON     bool // rooms: adapter.rooms itself, a Map, which JSON makes {}
	neverPruned   bool // list-rooms reads a Set of names that only grows
}

var q25Variants = map[string]q25Faults{
	"socket-id-rooms-listed": {socketIDRooms: true},
	"count-all-sockets":      {countAll: true},
	"count-not-lowered":      {ownCounts: true},
	"crash-on-unknown-room":  {crashUnknown: true},
	"crash-on-null-payload":  {crashOnNull: true},
	"room-size-without-room": {sizeNoName: true},
	"rooms-map-serialized":   {mapAsJSON: true},
	"list-never-pruned":      {neverPruned: true},
}

// q25Rooms is the Q25 server. counts is the hand-kept count of the
// variants that keep one (count-not-lowered, list-never-pruned).
type q25Rooms struct {
	f      q25Faults
	nsp    *socketio.Namespace
	mu     sync.Mutex
	counts map[string]int
}

// newQ25 answers questions about rooms from Socket.IO's own bookkeeping,
// which stays right whatever way a socket leaves; a count of its own would
// have to be kept right by hand (count-not-lowered shows how that fails).
func newQ25(o Options, f q25Faults) (Server, error) {
	srv, io := ioServer(o)
	q := &q25Rooms{f: f, nsp: io.Of("/"), counts: map[string]int{}}
	q.nsp.OnConnect(q.connect)
	return srv, nil
}

func (q *q25Rooms) connect(s *socketio.Socket) {
	onRoom(s, "join", q.f.crashOnNull, func(e *socketio.Event, room string) {
		q.mu.Lock()
		if !contains(s.Rooms(), room) {
			q.counts[room]++
		}
		q.mu.Unlock()
		s.Join(room)
		ackOK(e, map[string]any{"room": room})
	})
	onRoom(s, "room-size", q.f.crashOnNull, func(e *socketio.Event, room string) { q.roomSize(s, e, room) })
	s.On("list-rooms", q.listRooms)
}

// roomSize answers how many sockets are in room.
func (q *q25Rooms) roomSize(s *socketio.Socket, e *socketio.Event, room string) {
	n := q.nsp.RoomSize(room)
	switch {
	case q.f.countAll:
		n = len(q.nsp.Sockets())
	case q.f.ownCounts:
		q.mu.Lock()
		n = q.counts[room]
		q.mu.Unlock()
	case q.f.crashUnknown && n == 0:
		s.Disconnect(true) // what "Cannot read properties of undefined (reading 'size')" does
		return
	}
	if q.f.sizeNoName {
		ack(e, map[string]any{"count": n})
		return
	}
	ack(e, map[string]any{"room": room, "count": n})
}

// listRooms answers the rooms that have members, without the socket-id
// rooms.
func (q *q25Rooms) listRooms(e *socketio.Event) {
	rooms := namedRooms(q.nsp)
	switch {
	case q.f.socketIDRooms:
		rooms = allRooms(q.nsp)
	case q.f.mapAsJSON:
		ack(e, map[string]any{"rooms": map[string]any{}})
		return
	case q.f.neverPruned:
		q.mu.Lock()
		rooms = variantNames(q.counts)
		q.mu.Unlock()
	}
	ack(e, map[string]any{"rooms": rooms})
}
