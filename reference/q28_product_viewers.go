package reference

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"

	"rtlab/socketio"
)

func init() {
	Register(&Exercise{
		ID:       "q28",
		Title:    "Product viewers",
		New:      newQ28,
		Variants: variantNames(q28Variants),
	})
}

// q28Faults are the mistakes students make counting viewers.
type q28Faults struct {
	keepPrevious     bool // view-product does not leave the previous product's room
	stockToAll       bool // stock-update goes to every client
	countToJoiner    bool // viewer-count goes to the new viewer only (socket.emit)
	countToAll       bool // viewer-count goes to every client (io.emit)
	noCountOnLeave   bool // leave-product leaves the room silently
	noCountOnDisconn bool // a disconnect leaves the room silently
	crashOnNull      bool // a null payload kills the connection
	countBeforeJoin  bool // the count is sent before joining: the newcomer misses it
	stockRoomTypo    bool // the HTTP side emits to product-<id>, a room nobody is in
}

var q28Variants = map[string]q28Faults{
	"keep-previous-room":     {keepPrevious: true},
	"stock-to-everyone":      {stockToAll: true},
	"count-to-joiner-only":   {countToJoiner: true},
	"count-to-everyone":      {countToAll: true},
	"leave-not-announced":    {noCountOnLeave: true},
	"disconnect-not-counted": {noCountOnDisconn: true},
	"crash-on-null-payload":  {crashOnNull: true},
	"count-before-join":      {countBeforeJoin: true},
	"stock-room-mismatch":    {stockRoomTypo: true},
}

func productRoom(id string) string { return "product:" + id }

// productArg reads {"productId": ID} from argument 0.
func productArg(e *socketio.Event) (string, bool) {
	var p struct {
		ProductID json.RawMessage `json:"productId"`
	}
	if !objectArg(e, &p) {
		return "", false
	}
	return idValue(p.ProductID)
}

// newQ28 keeps one room per product, product:<id>, whose size is the
// number of viewers. A socket views one product at a time: the id of its
// current one is kept on the socket, because by the time "disconnect"
// runs the socket has already left its rooms and cannot say which.
// Changes and their viewer-count emits happen under one lock, so that the
// counts a room receives come in the order of the changes.
func newQ28(opts *Options) (Server, error) {
	o := opts.withDefaults()
	if err := checkVariant("q28", o.Variant, variantNames(q28Variants)); err != nil {
		return nil, err
	}
	f := q28Variants[o.Variant]
	io := newIO(o)
	nsp := io.Of("/")
	var mu sync.Mutex

	// announce tells the viewers of product id how many they are now.
	// Called with mu held; s is the socket that caused the change.
	announce := func(s *socketio.Socket, id string) {
		msg := map[string]any{"productId": id, "count": nsp.RoomSize(productRoom(id))}
		switch {
		case f.countToJoiner:
			if s.Connected() {
				s.Emit("viewer-count", msg)
			}
		case f.countToAll:
			nsp.Emit("viewer-count", msg)
		default:
			nsp.To(productRoom(id)).Emit("viewer-count", msg)
		}
	}
	current := func(s *socketio.Socket) string { id, _ := s.Get("product").(string); return id }

	nsp.OnConnect(func(s *socketio.Socket) {
		bad := func(e *socketio.Event) {
			if f.crashOnNull && (len(e.Args) == 0 || strings.TrimSpace(string(e.Args[0])) == "null") {
				s.Disconnect(true) // what "Cannot destructure property 'productId' of null" does
				return
			}
			ackError(e, `Send {"productId": "..."}.`)
		}
		s.On("view-product", func(e *socketio.Event) {
			id, ok := productArg(e)
			if !ok {
				bad(e)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if prev := current(s); prev != "" && prev != id && !f.keepPrevious {
				s.Leave(productRoom(prev))
				announce(s, prev)
			}
			s.Set("product", id)
			if f.countBeforeJoin {
				announce(s, id)
				s.Join(productRoom(id))
			} else {
				s.Join(productRoom(id))
				announce(s, id)
			}
			ackOK(e, map[string]any{"productId": id})
		})
		s.On("leave-product", func(e *socketio.Event) {
			id, ok := productArg(e)
			if !ok {
				bad(e)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if !contains(s.Rooms(), productRoom(id)) {
				ackOK(e, nil)
				return
			}
			s.Leave(productRoom(id))
			if current(s) == id {
				s.Set("product", "")
			}
			if !f.noCountOnLeave {
				announce(s, id)
			}
			ackOK(e, nil)
		})
		s.OnDisconnect(func(socketio.Reason) {
			mu.Lock()
			defer mu.Unlock()
			if id := current(s); id != "" && !f.noCountOnDisconn && !f.countToJoiner {
				announce(s, id)
			}
		})
	})

	s := newServer()
	s.mountIO(io)
	s.HandleFunc("POST /api/products/{id}/stock", func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		var body struct {
			Stock *float64 `json:"stock"`
		}
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 16<<10)).Decode(&body); err != nil || body.Stock == nil || *body.Stock < 0 {
			writeError(w, http.StatusBadRequest, `the body must be {"stock": N}, N a number of 0 or more`)
			return
		}
		msg := map[string]any{"productId": id, "stock": *body.Stock}
		if f.stockToAll {
			nsp.Emit("stock-update", msg)
		} else if f.stockRoomTypo {
			nsp.To("product-"+id).Emit("stock-update", msg)
		} else {
			nsp.To(productRoom(id)).Emit("stock-update", msg)
		}
		writeJSON(w, http.StatusOK, msg)
	})
	return s, nil
}
