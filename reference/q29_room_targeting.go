package reference

import "rtlab/socketio"

func init() { registerFaults("q29", q29Variants, newQ29) }

// q29Faults are the mistakes students make addressing rooms.
type q29Faults struct {
	noUserRoom         bool // the socket is not joined to user:<userId>
	myRoomsWithoutID   bool // my-rooms leaves out the socket-id room
	leaveIgnored       bool // leave does nothing
	generalToAll       bool // "general" goes to everyone (io.emit)
	oneEmitPerRoom     bool // one emit per room: a member of two gets two
	allMineWithSender  bool // all-mine includes the sender (io.to, not socket.to)
	leaveUserRoom      bool // leave-custom leaves user:<userId> too
	leaveCustomOnlyAck bool // leave-custom reports the rooms but stays in them
	unknownModeSilent  bool // an unknown mode gets no ack at all
	crashOnNull        bool // a null payload kills the connection
}

var q29Variants = map[string]q29Faults{
	"no-user-room":                  {noUserRoom: true},
	"my-rooms-without-id":           {myRoomsWithoutID: true},
	"leave-ignored":                 {leaveIgnored: true},
	"general-to-everyone":           {generalToAll: true},
	"general-tech-twice":            {oneEmitPerRoom: true},
	"all-mine-includes-sender":      {allMineWithSender: true},
	"leave-custom-leaves-user-room": {leaveUserRoom: true},
	"leave-custom-ack-only":         {leaveCustomOnlyAck: true},
	"unknown-mode-silent":           {unknownModeSilent: true},
	"crash-on-null-payload":         {crashOnNull: true},
}

// q29Rooms is the Q29 server: every room of a socket, addressed in the
// ways the exercise teaches.
type q29Rooms struct {
	f   q29Faults
	nsp *socketio.Namespace
}

// newQ29 shows the ways of addressing rooms: one room, several at once
// (each member once, however many of the rooms it is in), and every room
// of the sender but the sender itself, which is socket.to with the
// sender's rooms. The sender's own id room and user room are the rooms it
// is born with; leave-custom keeps them.
func newQ29(o Options, f q29Faults) (Server, error) {
	srv, io := ioServer(o)
	q := &q29Rooms{f: f, nsp: io.Of("/")}
	q.nsp.Use(userIDMiddleware(false))
	q.nsp.OnConnect(q.connect)
	return srv, nil
}

func (q *q29Rooms) connect(s *socketio.Socket) {
	me := userRoom(s.Get("userId").(string))
	if !q.f.noUserRoom {
		s.Join(me)
	}
	onRoom(s, "join", q.f.crashOnNull, func(e *socketio.Event, room string) {
		s.Join(room)
		ackOK(e, map[string]any{"rooms": sortedRooms(s)})
	})
	onRoom(s, "leave", q.f.crashOnNull, func(e *socketio.Event, room string) {
		if !q.f.leaveIgnored {
			s.Leave(room)
		}
		ackOK(e, map[string]any{"rooms": sortedRooms(s)})
	})
	s.On("my-rooms", func(e *socketio.Event) {
		rooms := sortedRooms(s)
		if q.f.myRoomsWithoutID {
			rooms = without(rooms, s.ID())
		}
		ack(e, map[string]any{"rooms": rooms})
	})
	s.On("room-demo", func(e *socketio.Event) { q.demo(s, me, e) })
}

// demo answers room-demo: it sends "demo" to the rooms its mode names.
func (q *q29Rooms) demo(s *socketio.Socket, me string, e *socketio.Event) {
	var p struct {
		Mode string `json:"mode"`
	}
	if !objectArg(e, &p) {
		refuseArg(s, e, q.f.crashOnNull && nullArg(e), `Send {"mode": "general" | "general+tech" | "all-mine" | "leave-custom"}.`)
		return
	}
	demo := map[string]string{"mode": p.Mode}
	switch p.Mode {
	case "general":
		if q.f.generalToAll {
			q.nsp.Emit("demo", demo)
		} else {
			q.nsp.To("general").Emit("demo", demo)
		}
	case "general+tech":
		q.toEach(q.nsp.To, []string{"general", "tech"}, demo)
	case "all-mine":
		if q.f.allMineWithSender {
			q.toEach(q.nsp.To, s.Rooms(), demo)
		} else {
			q.toEach(s.To, s.Rooms(), demo)
		}
	case "leave-custom":
		q.leaveCustom(s, me, e)
		return
	default:
		if !q.f.unknownModeSilent {
			ackError(e, "Unknown mode "+p.Mode+": use general, general+tech, all-mine or leave-custom.")
		}
		return
	}
	ackOK(e, nil)
}

// toEach sends demo to the members of rooms, each member once (or once per
// room, for the one-emit-per-room mistake).
func (q *q29Rooms) toEach(b func(...string) *socketio.Broadcast, rooms []string, demo any) {
	if q.f.oneEmitPerRoom {
		for _, r := range rooms {
			b(r).Emit("demo", demo)
		}
		return
	}
	b(rooms...).Emit("demo", demo)
}

// leaveCustom leaves every room s joined itself, keeping its id room and
// its user room me, and answers which it left and which it kept.
func (q *q29Rooms) leaveCustom(s *socketio.Socket, me string, e *socketio.Event) {
	left, kept := []string{}, []string{}
	for _, r := range sortedRooms(s) {
		if r == s.ID() || (r == me && !q.f.leaveUserRoom) {
			kept = append(kept, r)
			continue
		}
		if !q.f.leaveCustomOnlyAck {
			s.Leave(r)
		}
		left = append(left, r)
	}
	ackOK(e, map[string]any{"left": left, "rooms": kept})
}
