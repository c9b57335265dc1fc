package reference

import (
	"encoding/json"
	"net/http"
	"sync"

	"rtlab/socketio"
)

func init() { registerFaults("q28", q28Variants, newQ28) }

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

// q28Viewers is the Q28 server. Its lock orders each change of a product
// room with the viewer-count emit that follows it.
type q28Viewers struct {
	f   q28Faults
	nsp *socketio.Namespace
	mu  sync.Mutex
}

// newQ28 keeps one room per product, product:<id>, whose size is the
// number of viewers. A socket views one product at a time: the id of its
// current one is kept on the socket, because by the time "disconnect"
// runs the socket has already left its rooms and cannot say which.
// Changes and their viewer-count emits happen under one lock, so that the
// counts a room receives come in the order of the changes.
func newQ28(o Options, f q28Faults) (Server, error) {
	srv, io := ioServer(o)
	q := &q28Viewers{f: f, nsp: io.Of("/")}
	q.nsp.OnConnect(q.connect)
	srv.HandleFunc("POST /api/products/{id}/stock", q.stock)
	return srv, nil
}

// announce tells the viewers of product id how many they are now. Called
// with mu held; s is the socket that caused the change.
func (q *q28Viewers) announce(s *socketio.Socket, id string) {
	msg := map[string]any{"productId": id, "count": q.nsp.RoomSize(productRoom(id))}
	switch {
	case q.f.countToJoiner:
		if s.Connected() {
			s.Emit("viewer-count", msg)
		}
	case q.f.countToAll:
		q.nsp.Emit("viewer-count", msg)
	default:
		q.nsp.To(productRoom(id)).Emit("viewer-count", msg)
	}
}

// currentProduct is the product s views, "" for none.
func currentProduct(s *socketio.Socket) string { id, _ := s.Get("product").(string); return id }

func (q *q28Viewers) connect(s *socketio.Socket) {
	// onProduct registers fn, under the lock, for an event whose payload
	// is {"productId": ID}.
	onProduct := func(event string, fn func(e *socketio.Event, id string)) {
		s.On(event, func(e *socketio.Event) {
			id, ok := productArg(e)
			if !ok {
				// crash: what "Cannot destructure property 'productId' of null" does
				refuseArg(s, e, q.f.crashOnNull && nullArg(e), `Send {"productId": "..."}.`)
				return
			}
			q.mu.Lock()
			defer q.mu.Unlock()
			fn(e, id)
		})
	}
	onProduct("view-product", func(e *socketio.Event, id string) { q.view(s, e, id) })
	onProduct("leave-product", func(e *socketio.Event, id string) { q.leave(s, e, id) })
	s.OnDisconnect(func(socketio.Reason) {
		q.mu.Lock()
		defer q.mu.Unlock()
		if id := currentProduct(s); id != "" && !q.f.noCountOnDisconn && !q.f.countToJoiner {
			q.announce(s, id)
		}
	})
}

// view moves s from the product it viewed to product id. Called with mu
// held.
func (q *q28Viewers) view(s *socketio.Socket, e *socketio.Event, id string) {
	if prev := currentProduct(s); prev != "" && prev != id && !q.f.keepPrevious {
		s.Leave(productRoom(prev))
		q.announce(s, prev)
	}
	s.Set("product", id)
	if q.f.countBeforeJoin {
		q.announce(s, id)
		s.Join(productRoom(id))
	} else {
		s.Join(productRoom(id))
		q.announce(s, id)
	}
	ackOK(e, map[string]any{"productId": id})
}

// leave takes s out of product id's room. Called with mu held.
func (q *q28Viewers) leave(s *socketio.Socket, e *socketio.Event, id string) {
	if !contains(s.Rooms(), productRoom(id)) {
		ackOK(e, nil)
		return
	}
	s.Leave(productRoom(id))
	if currentProduct(s) == id {
		s.Set("product", "")
	}
	if !q.f.noCountOnLeave {
		q.announce(s, id)
	}
	ackOK(e, nil)
}

// stock sends a product's new stock, posted over HTTP, to its viewers.
func (q *q28Viewers) stock(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	var body struct {
		Stock *float64 `json:"stock"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 16<<10)).Decode(&body); err != nil || body.Stock == nil || *body.Stock < 0 {
		writeError(w, http.StatusBadRequest, `the body must be {"stock": N}, N a number of 0 or more`)
		return
	}
	msg := map[string]any{"productId": id, "stock": *body.Stock}
	switch {
	case q.f.stockToAll:
		q.nsp.Emit("stock-update", msg)
	case q.f.stockRoomTypo:
		q.nsp.To("product-"+id).Emit("stock-update", msg)
	default:
		q.nsp.To(productRoom(id)).Emit("stock-update", msg)
	}
	writeJSON(w, http.StatusOK, msg)
}
