package reference

import (
	"encoding/json"
	"strconv"
	"sync"

	"rtlab/socketio"
)

func init() { registerFaults("q24", q24Variants, newQ24) }

// q24Faults are the mistakes students make with a lobby.
type q24Faults struct {
	noMax           bool // a fifth player is let in
	startToAll      bool // game-start goes to every connected client
	keepEmpty       bool // a room whose players all left stays listed
	listFull        bool // full and started rooms are listed too
	joinerNotTold   bool // player-joined goes to the others only (socket.to)
	noPlayerLeft    bool // nobody is told when a player disconnects
	crashOnBadInput bool // join-room with a null payload kills the connection
	noRoomID        bool // create-room acks ok without saying which room
	namesOnly       bool // list-rooms lists bare ids, not objects
	staleCount      bool // list-rooms keeps the player count of creation
	joinUnknown     bool // join-room to an unknown id joins it anyway
}

var q24Variants = map[string]q24Faults{
	"fifth-player":          {noMax: true},
	"game-start-to-all":     {startToAll: true},
	"keep-empty-rooms":      {keepEmpty: true},
	"list-full-rooms":       {listFull: true},
	"joiner-not-told":       {joinerNotTold: true},
	"no-player-left":        {noPlayerLeft: true},
	"crash-on-null-payload": {crashOnBadInput: true},
	"no-room-id":            {noRoomID: true},
	"list-names-only":       {namesOnly: true},
	"stale-player-count":    {staleCount: true},
	"join-unknown-room":     {joinUnknown: true},
}

const maxPlayers = 4

// gameRoom is one room of the lobby. Its players are socket ids in the
// order they came in; the Socket.IO room of the same name carries the
// room's broadcasts.
type gameRoom struct {
	ID      string
	Players []string
	Started bool
}

func (g *gameRoom) players() []string { return append([]string{}, g.Players...) }

// roomInfo is one entry of list-rooms.
type roomInfo struct {
	RoomID      string `json:"roomId"`
	PlayerCount int    `json:"playerCount"`
	MaxPlayers  int    `json:"maxPlayers"`
}

// lobby is the server's state: the rooms, and which room each player is
// in. A player is in one room at a time.
type lobby struct {
	f   q24Faults
	nsp *socketio.Namespace

	mu     sync.Mutex
	rooms  map[string]*gameRoom
	order  []string          // room ids, oldest first, for a stable list
	player map[string]string // socket id → room id
	nextID int
}

// newQ24 keeps its own record of the lobby (who is in which room, which
// game started) and uses a Socket.IO room per game room only to address
// its players. Every change happens under one lock, so that two players
// racing for the last seat cannot both get it.
func newQ24(o Options, f q24Faults) (Server, error) {
	srv, io := ioServer(o)
	lb := &lobby{f: f, nsp: io.Of("/"), rooms: map[string]*gameRoom{}, player: map[string]string{}}
	lb.nsp.OnConnect(lb.connect)
	return srv, nil
}

func (lb *lobby) connect(s *socketio.Socket) {
	s.OnDisconnect(func(socketio.Reason) {
		lb.mu.Lock()
		defer lb.mu.Unlock()
		lb.removePlayer(s.ID())
	})
	s.On("create-room", func(e *socketio.Event) { lb.createRoom(s, e) })
	s.On("list-rooms", lb.listRooms)
	s.On("join-room", func(e *socketio.Event) { lb.joinRoom(s, e) })
}

// removePlayer takes the player out of its room and tells the rest; an
// empty room is deleted. Called with lb.mu held.
func (lb *lobby) removePlayer(id string) {
	rid, ok := lb.player[id]
	if !ok {
		return
	}
	delete(lb.player, id)
	g := lb.rooms[rid]
	for i, p := range g.Players {
		if p == id {
			g.Players = append(g.Players[:i], g.Players[i+1:]...)
			break
		}
	}
	if len(g.Players) == 0 && !lb.f.keepEmpty {
		delete(lb.rooms, rid)
		for i, r := range lb.order {
			if r == rid {
				lb.order = append(lb.order[:i], lb.order[i+1:]...)
				break
			}
		}
		return
	}
	if !lb.f.noPlayerLeft {
		lb.nsp.To(rid).Emit("player-left", map[string]any{"roomId": rid, "playerId": id, "players": g.players()})
	}
}

// createRoom opens a room with s as its first player.
func (lb *lobby) createRoom(s *socketio.Socket, e *socketio.Event) {
	lb.mu.Lock()
	defer lb.mu.Unlock()
	if rid, in := lb.player[s.ID()]; in {
		ackError(e, "You are already in room "+rid+".")
		return
	}
	lb.nextID++
	rid := "room-" + strconv.Itoa(lb.nextID)
	lb.rooms[rid] = &gameRoom{ID: rid, Players: []string{s.ID()}}
	lb.order = append(lb.order, rid)
	lb.player[s.ID()] = rid
	s.Join(rid)
	if lb.f.noRoomID {
		ackOK(e, nil)
		return
	}
	ackOK(e, map[string]any{"roomId": rid})
}

// listRooms answers the rooms a player can still join, oldest first.
func (lb *lobby) listRooms(e *socketio.Event) {
	lb.mu.Lock()
	defer lb.mu.Unlock()
	out, names := []roomInfo{}, []string{}
	for _, rid := range lb.order {
		g := lb.rooms[rid]
		if (g.Started || len(g.Players) >= maxPlayers) && !lb.f.listFull {
			continue
		}
		n := len(g.Players)
		if lb.f.staleCount {
			n = 1
		}
		out = append(out, roomInfo{rid, n, maxPlayers})
		names = append(names, rid)
	}
	if lb.f.namesOnly {
		ack(e, map[string]any{"rooms": names})
		return
	}
	ack(e, map[string]any{"rooms": out})
}

// joinRoom seats s in the room it names, if there is a seat, and starts
// the game when the room is full.
func (lb *lobby) joinRoom(s *socketio.Socket, e *socketio.Event) {
	f := lb.f
	var p struct {
		RoomID json.RawMessage `json:"roomId"`
	}
	if !objectArg(e, &p) {
		// crash: what "Cannot destructure property 'roomId' of null" does
		refuseArg(s, e, f.crashOnBadInput, `Send an object: {"roomId": "..."}.`)
		return
	}
	rid, _ := idValue(p.RoomID)
	lb.mu.Lock()
	defer lb.mu.Unlock()
	g, ok := lb.rooms[rid]
	switch {
	case !ok && f.joinUnknown:
		s.Join(rid) // socket.join creates any room it is given
		ackOK(e, map[string]any{"roomId": rid})
		return
	case !ok:
		ackError(e, "No room "+strconv.Quote(rid)+": pick one from list-rooms.")
		return
	case lb.player[s.ID()] != "":
		ackError(e, "You are already in room "+lb.player[s.ID()]+".")
		return
	case g.Started && !f.noMax:
		ackError(e, "The game in "+rid+" has already started.")
		return
	case len(g.Players) >= maxPlayers && !f.noMax:
		ackError(e, "Room "+rid+" is full (4 players).")
		return
	}
	g.Players = append(g.Players, s.ID())
	lb.player[s.ID()] = rid
	s.Join(rid)
	ackOK(e, map[string]any{"roomId": rid})
	joined := map[string]any{"roomId": rid, "playerId": s.ID(), "players": g.players()}
	if f.joinerNotTold {
		s.To(rid).Emit("player-joined", joined)
	} else {
		lb.nsp.To(rid).Emit("player-joined", joined)
	}
	if len(g.Players) == maxPlayers && !g.Started {
		g.Started = true
		start := map[string]any{"roomId": rid, "players": g.players()}
		if f.startToAll {
			lb.nsp.Emit("game-start", start)
		} else {
			lb.nsp.To(rid).Emit("game-start", start)
		}
	}
}
