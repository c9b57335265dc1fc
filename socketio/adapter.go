package socketio

import (
	"sync"
)

// RoomEventType is what happened to a room.
type RoomEventType string

// The adapter events of socket.io, with the same names.
const (
	RoomCreate RoomEventType = "create-room"
	RoomDelete RoomEventType = "delete-room"
	RoomJoin   RoomEventType = "join-room"
	RoomLeave  RoomEventType = "leave-room"
)

// RoomEvent reports a change in a namespace's rooms. SocketID is empty for
// create-room and delete-room.
type RoomEvent struct {
	Type     RoomEventType
	Room     string
	SocketID string
}

// adapter is the in-memory room bookkeeping of one namespace, socket.io's
// default Adapter: room → members and socket → rooms.
type adapter struct {
	mu    sync.RWMutex
	rooms map[string]map[string]*Socket
	of    map[string]map[string]struct{} // socket id → rooms

	hmu      sync.RWMutex
	handlers []func(RoomEvent)
	emitMu   sync.Mutex // room events are reported in the order they happen
}

func (a *adapter) init() {
	a.rooms = make(map[string]map[string]*Socket)
	a.of = make(map[string]map[string]struct{})
}

func (a *adapter) onEvent(h func(RoomEvent)) {
	a.hmu.Lock()
	a.handlers = append(a.handlers, h)
	a.hmu.Unlock()
}

func (a *adapter) hasHandlers() bool {
	a.hmu.RLock()
	defer a.hmu.RUnlock()
	return len(a.handlers) > 0
}

func (a *adapter) report(evs []RoomEvent) {
	if len(evs) == 0 {
		return
	}
	a.hmu.RLock()
	hs := a.handlers
	a.hmu.RUnlock()
	for _, e := range evs {
		for _, h := range hs {
			h(e)
		}
	}
}

// join adds s to rooms.
func (a *adapter) join(s *Socket, rooms ...string) {
	a.emitMu.Lock()
	defer a.emitMu.Unlock()
	var evs []RoomEvent
	a.mu.Lock()
	mine := a.of[s.id]
	if mine == nil {
		mine = make(map[string]struct{})
		a.of[s.id] = mine
	}
	for _, r := range rooms {
		members := a.rooms[r]
		if members == nil {
			members = make(map[string]*Socket)
			a.rooms[r] = members
			evs = append(evs, RoomEvent{Type: RoomCreate, Room: r})
		}
		if _, in := members[s.id]; !in {
			members[s.id] = s
			mine[r] = struct{}{}
			evs = append(evs, RoomEvent{Type: RoomJoin, Room: r, SocketID: s.id})
		}
	}
	a.mu.Unlock()
	a.report(evs)
}

// leave removes s from room.
func (a *adapter) leave(s *Socket, room string) {
	a.emitMu.Lock()
	defer a.emitMu.Unlock()
	a.mu.Lock()
	evs := a.leaveLocked(s.id, room, nil)
	a.mu.Unlock()
	a.report(evs)
}

func (a *adapter) leaveLocked(id, room string, evs []RoomEvent) []RoomEvent {
	members := a.rooms[room]
	if members == nil {
		return evs
	}
	if _, in := members[id]; in {
		delete(members, id)
		delete(a.of[id], room)
		evs = append(evs, RoomEvent{Type: RoomLeave, Room: room, SocketID: id})
	}
	if len(members) == 0 {
		delete(a.rooms, room)
		evs = append(evs, RoomEvent{Type: RoomDelete, Room: room})
	}
	return evs
}

// leaveAll removes s from every room (it disconnected).
func (a *adapter) leaveAll(s *Socket) {
	a.emitMu.Lock()
	defer a.emitMu.Unlock()
	a.mu.Lock()
	var evs []RoomEvent
	for r := range a.of[s.id] {
		evs = a.leaveLocked(s.id, r, evs)
	}
	delete(a.of, s.id)
	a.mu.Unlock()
	a.report(evs)
}

func (a *adapter) roomsOf(id string) []string {
	a.mu.RLock()
	defer a.mu.RUnlock()
	out := make([]string, 0, len(a.of[id]))
	for r := range a.of[id] {
		out = append(out, r)
	}
	return out
}

func (a *adapter) names() []string {
	a.mu.RLock()
	defer a.mu.RUnlock()
	out := make([]string, 0, len(a.rooms))
	for r := range a.rooms {
		out = append(out, r)
	}
	return out
}

func (a *adapter) size(room string) int {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return len(a.rooms[room])
}

// targets returns the sockets in any of rooms (those of all when rooms is
// empty), minus those in any of except and the socket exceptID.
func (a *adapter) targets(all []*Socket, rooms, except []string, exceptID string) []*Socket {
	a.mu.RLock()
	defer a.mu.RUnlock()
	excluded := func(s *Socket) bool {
		if s.id == exceptID {
			return true
		}
		for _, r := range except {
			if _, in := a.rooms[r][s.id]; in {
				return true
			}
		}
		return false
	}
	var out []*Socket
	if len(rooms) == 0 {
		for _, s := range all {
			if !excluded(s) {
				out = append(out, s)
			}
		}
		return out
	}
	seen := make(map[string]struct{})
	for _, r := range rooms {
		for id, s := range a.rooms[r] {
			if _, dup := seen[id]; dup || excluded(s) {
				continue
			}
			if len(rooms) > 1 {
				seen[id] = struct{}{}
			}
			out = append(out, s)
		}
	}
	return out
}
