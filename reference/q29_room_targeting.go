package reference

import (
	"encoding/json"
	"sort"
	"strings"

	"rtlab/socketio"
)

func init() {
	Register(&Exercise{
		ID:       "q29",
		Title:    "Room targeting",
		New:      newQ29,
		Variants: variantNames(q29Variants),
	})
}

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

// userIDMiddleware reads auth.userId into socket data "userId", refusing
// a connection without one.
func userIDMiddleware(s *socketio.Socket) error {
	var a struct {
		UserID json.RawMessage `json:"userId"`
	}
	json.Unmarshal(s.Handshake().Auth, &a)
	id, ok := idValue(a.UserID)
	if !ok {
		return refusal("NO_USER_ID", "Send your user id: io({auth: {userId: \"u1\"}}).")
	}
	s.Set("userId", id)
	return nil
}

func sortedRooms(s *socketio.Socket) []string {
	r := s.Rooms()
	sort.Strings(r)
	return r
}

// newQ29 shows the ways of addressing rooms: one room, several at once
// (each member once, however many of the rooms it is in), and every room
// of the sender but the sender itself, which is socket.to with the
// sender's rooms. The sender's own id room and user room are the rooms it
// is born with; leave-custom keeps them.
func newQ29(opts *Options) (Server, error) {
	o := opts.withDefaults()
	if err := checkVariant("q29", o.Variant, variantNames(q29Variants)); err != nil {
		return nil, err
	}
	f := q29Variants[o.Variant]
	io := newIO(o)
	nsp := io.Of("/")
	nsp.Use(userIDMiddleware)
	nsp.OnConnect(func(s *socketio.Socket) {
		me := userRoom(s.Get("userId").(string))
		if !f.noUserRoom {
			s.Join(me)
		}
		bad := func(e *socketio.Event, want string) {
			if f.crashOnNull && (len(e.Args) == 0 || strings.TrimSpace(string(e.Args[0])) == "null") {
				s.Disconnect(true) // what destructuring null does
				return
			}
			ackError(e, "Send "+want+".")
		}
		s.On("join", func(e *socketio.Event) {
			room, ok := roomArg(e)
			if !ok {
				bad(e, `{"room": "name"}`)
				return
			}
			s.Join(room)
			ackOK(e, map[string]any{"rooms": sortedRooms(s)})
		})
		s.On("leave", func(e *socketio.Event) {
			room, ok := roomArg(e)
			if !ok {
				bad(e, `{"room": "name"}`)
				return
			}
			if !f.leaveIgnored {
				s.Leave(room)
			}
			ackOK(e, map[string]any{"rooms": sortedRooms(s)})
		})
		s.On("my-rooms", func(e *socketio.Event) {
			rooms := sortedRooms(s)
			if f.myRoomsWithoutID {
				rooms = without(rooms, s.ID())
			}
			ack(e, map[string]any{"rooms": rooms})
		})
		s.On("room-demo", func(e *socketio.Event) {
			var p struct {
				Mode string `json:"mode"`
			}
			if !objectArg(e, &p) {
				bad(e, `{"mode": "general" | "general+tech" | "all-mine" | "leave-custom"}`)
				return
			}
			demo := map[string]string{"mode": p.Mode}
			// toEach sends demo to the members of rooms, each member once
			// (or once per room, for the one-emit-per-room mistake).
			toEach := func(b func(...string) *socketio.Broadcast, rooms []string) {
				if f.oneEmitPerRoom {
					for _, r := range rooms {
						b(r).Emit("demo", demo)
					}
					return
				}
				b(rooms...).Emit("demo", demo)
			}
			switch p.Mode {
			case "general":
				if f.generalToAll {
					nsp.Emit("demo", demo)
				} else {
					nsp.To("general").Emit("demo", demo)
				}
			case "general+tech":
				toEach(nsp.To, []string{"general", "tech"})
			case "all-mine":
				if f.allMineWithSender {
					toEach(nsp.To, s.Rooms())
				} else {
					toEach(s.To, s.Rooms())
				}
			case "leave-custom":
				left, kept := []string{}, []string{}
				for _, r := range sortedRooms(s) {
					if r == s.ID() || (r == me && !f.leaveUserRoom) {
						kept = append(kept, r)
						continue
					}
					if !f.leaveCustomOnlyAck {
						s.Leave(r)
					}
					left = append(left, r)
				}
				ackOK(e, map[string]any{"left": left, "rooms": kept})
				return
			default:
				if !f.unknownModeSilent {
					ackError(e, "Unknown mode "+p.Mode+": use general, general+tech, all-mine or leave-custom.")
				}
				return
			}
			ackOK(e, nil)
		})
	})
	s := newServer()
	s.mountIO(io)
	return s, nil
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
