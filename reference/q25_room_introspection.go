package reference

import (
	"encoding/json"
	"sort"
	"strings"
	"sync"

	"rtlab/socketio"
)

func init() {
	Register(&Exercise{
		ID:       "q25",
		Title:    "Room introspection",
		New:      newQ25,
		Variants: variantNames(q25Variants),
	})
}

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

// newQ25 answers questions about rooms from Socket.IO's own bookkeeping,
// which stays right whatever way a socket leaves; a count of its own would
// have to be kept right by hand (count-not-lowered shows how that fails).
func newQ25(opts *Options) (Server, error) {
	o := opts.withDefaults()
	if err := checkVariant("q25", o.Variant, variantNames(q25Variants)); err != nil {
		return nil, err
	}
	f := q25Variants[o.Variant]
	var mu sync.Mutex
	counts := map[string]int{} // count-not-lowered, list-never-pruned
	io := newIO(o)
	nsp := io.Of("/")
	nsp.OnConnect(func(s *socketio.Socket) {
		// bad answers the payload that is not {"room": NAME}.
		bad := func(e *socketio.Event) {
			if f.crashOnNull && (len(e.Args) == 0 || strings.TrimSpace(string(e.Args[0])) == "null") {
				s.Disconnect(true) // what "Cannot destructure property 'room' of null" does
				return
			}
			ackError(e, `Send {"room": "name"}.`)
		}
		s.On("join", func(e *socketio.Event) {
			room, ok := roomArg(e)
			if !ok {
				bad(e)
				return
			}
			mu.Lock()
			if !contains(s.Rooms(), room) {
				counts[room]++
			}
			mu.Unlock()
			s.Join(room)
			ackOK(e, map[string]any{"room": room})
		})
		s.On("room-size", func(e *socketio.Event) {
			room, ok := roomArg(e)
			if !ok {
				bad(e)
				return
			}
			n := nsp.RoomSize(room)
			switch {
			case f.countAll:
				n = len(nsp.Sockets())
			case f.ownCounts:
				mu.Lock()
				n = counts[room]
				mu.Unlock()
			case f.crashUnknown && n == 0:
				s.Disconnect(true) // what "Cannot read properties of undefined (reading 'size')" does
				return
			}
			if f.sizeNoName {
				ack(e, map[string]any{"count": n})
				return
			}
			ack(e, map[string]any{"room": room, "count": n})
		})
		s.On("list-rooms", func(e *socketio.Event) {
			rooms := namedRooms(nsp)
			switch {
			case f.socketIDRooms:
				rooms = nsp.Rooms()
				sort.Strings(rooms)
			case f.mapAsJSON:
				ack(e, map[string]any{"rooms": map[string]any{}})
				return
			case f.neverPruned:
				mu.Lock()
				rooms = variantNames(counts)
				mu.Unlock()
			}
			ack(e, map[string]any{"rooms": rooms})
		})
	})
	s := newServer()
	s.mountIO(io)
	return s, nil
}
