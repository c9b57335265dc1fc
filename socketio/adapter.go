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
//
// Every socket is in the room named after its id. That room is kept
// implicitly, in self (one map entry per socket), rather than as two
// one-member maps per socket: with thousands of idle connections those two
// maps were the largest item of a session's memory. A socket that joins a
// room named after another socket's id is an explicit member of it, so a
// room's members are rooms[r] plus self[r].
type adapter struct {
	mu    sync.RWMutex
	rooms map[string]map[string]*Socket  // explicit members
	of    map[string]map[string]struct{} // socket id → explicit rooms; absent when none
	self  map[string]*Socket             // socket id → the socket in its own room

	hmu      sync.RWMutex
	handlers []func(RoomEvent)
	emitMu   sync.Mutex // room events are reported in the order they happen
}

func (a *adapter) init() {
	a.rooms = make(map[string]map[string]*Socket)
	a.of = make(map[string]map[string]struct{})
	a.self = make(map[string]*Socket)
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

// existsLocked reports whether room has members.
func (a *adapter) existsLocked(room string) bool {
	return len(a.rooms[room]) > 0 || a.self[room] != nil
}

// inLocked reports whether socket id is in room.
func (a *adapter) inLocked(room, id string) bool {
	if room == id && a.self[id] != nil {
		return true
	}
	_, in := a.rooms[room][id]
	return in
}

// join adds s to rooms.
func (a *adapter) join(s *Socket, rooms ...string) {
	a.emitMu.Lock()
	defer a.emitMu.Unlock()
	var evs []RoomEvent
	a.mu.Lock()
	for _, r := range rooms {
		if a.inLocked(r, s.id) {
			continue
		}
		if !a.existsLocked(r) {
			evs = append(evs, RoomEvent{Type: RoomCreate, Room: r})
		}
		if r == s.id {
			a.self[s.id] = s
		} else {
			members := a.rooms[r]
			if members == nil {
				members = make(map[string]*Socket)
				a.rooms[r] = members
			}
			members[s.id] = s
			mine := a.of[s.id]
			if mine == nil {
				mine = make(map[string]struct{})
				a.of[s.id] = mine
			}
			mine[r] = struct{}{}
		}
		evs = append(evs, RoomEvent{Type: RoomJoin, Room: r, SocketID: s.id})
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
	if !a.existsLocked(room) {
		return evs
	}
	left := false
	if room == id && a.self[id] != nil {
		delete(a.self, id)
		left = true
	} else if members := a.rooms[room]; members != nil {
		if _, in := members[id]; in {
			delete(members, id)
			if len(members) == 0 {
				delete(a.rooms, room)
			}
			if mine := a.of[id]; mine != nil {
				delete(mine, room)
				if len(mine) == 0 {
					delete(a.of, id)
				}
			}
			left = true
		}
	}
	if left {
		evs = append(evs, RoomEvent{Type: RoomLeave, Room: room, SocketID: id})
	}
	if !a.existsLocked(room) {
		evs = append(evs, RoomEvent{Type: RoomDelete, Room: room})
	}
	return evs
}

// leaveAll removes s from every room (it disconnected), its own last, as
// socket.io's adapter does (the room named after the id is joined first).
func (a *adapter) leaveAll(s *Socket) {
	a.emitMu.Lock()
	defer a.emitMu.Unlock()
	a.mu.Lock()
	var evs []RoomEvent
	if a.self[s.id] != nil {
		evs = a.leaveLocked(s.id, s.id, evs)
	}
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
	out := make([]string, 0, len(a.of[id])+1)
	if a.self[id] != nil {
		out = append(out, id)
	}
	for r := range a.of[id] {
		out = append(out, r)
	}
	return out
}

func (a *adapter) names() []string {
	a.mu.RLock()
	defer a.mu.RUnlock()
	out := make([]string, 0, len(a.rooms)+len(a.self))
	for r := range a.rooms {
		out = append(out, r)
	}
	for id := range a.self {
		if _, dup := a.rooms[id]; !dup {
			out = append(out, id)
		}
	}
	return out
}

func (a *adapter) size(room string) int {
	a.mu.RLock()
	defer a.mu.RUnlock()
	n := len(a.rooms[room])
	if a.self[room] != nil {
		n++
	}
	return n
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
			if a.inLocked(r, s.id) {
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
	add := func(id string, s *Socket) {
		if _, dup := seen[id]; dup || excluded(s) {
			return
		}
		if len(rooms) > 1 {
			seen[id] = struct{}{}
		}
		out = append(out, s)
	}
	for _, r := range rooms {
		if s := a.self[r]; s != nil {
			add(r, s)
		}
		for id, s := range a.rooms[r] {
			add(id, s)
		}
	}
	return out
}
