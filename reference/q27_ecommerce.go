package reference

import (
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"rtlab/socketio"
)

func init() { registerFaults("q27", q27Variants, newQ27) }

// q27Faults are the mistakes students make splitting an app into
// namespaces.
type q27Faults struct {
	auth               authFaults
	userOnAdmin        bool // /admin checks the token but not the role
	anyRoleOnShops     bool // /customer and /seller take any valid token
	adminNotEverywhere bool // an admin is refused on /customer and /seller
	statusToAll        bool // order-status goes to every customer
	statsWrongNsp      bool // customers counted on the default namespace
	crashOnNull        bool // a null place-order payload kills the connection
	noTokenAsInvalid   bool // a missing token is reported as INVALID_TOKEN
	sellerRoleTypo     bool // /seller admits role "sellers": no seller gets in
	sameOrderID        bool // every order gets the id "1"
	newOrderOnCustomer bool // new-order is emitted on /customer, not /seller
	statsLeakOnDrop    bool // hand-kept counts, lowered on graceful disconnects only
}

var q27Variants = map[string]q27Faults{
	"user-on-admin":           {userOnAdmin: true},
	"any-role-on-shops":       {anyRoleOnShops: true},
	"admin-not-everywhere":    {adminNotEverywhere: true},
	"status-to-all-customers": {statusToAll: true},
	"stats-wrong-namespace":   {statsWrongNsp: true},
	"expired-as-invalid":      {auth: authFaults{expiredAsInvalid: true}},
	"crash-on-null-payload":   {crashOnNull: true},
	"no-token-as-invalid":     {noTokenAsInvalid: true},
	"alg-none-accepted":       {auth: authFaults{acceptNone: true}},
	"seller-role-typo":        {sellerRoleTypo: true},
	"same-order-id":           {sameOrderID: true},
	"new-order-on-customer":   {newOrderOnCustomer: true},
	"stats-leak-on-drop":      {statsLeakOnDrop: true},
}

func orderRoom(id string) string { return "order:" + id }

// q27Shop is the Q27 server: its three namespaces, and the counts the
// stats-leak-on-drop variant keeps by hand, per namespace name.
type q27Shop struct {
	f                       q27Faults
	io                      *socketio.Server
	customer, seller, admin *socketio.Namespace
	nextOrder               atomic.Int64
	leakMu                  sync.Mutex
	leak                    map[string]int
}

// newQ27 splits one shop across three namespaces, one per kind of user,
// each behind the JWT middleware with the roles it admits. The namespaces
// talk to each other only through the server: a customer's order is
// emitted on /seller, a seller's status update on /customer, to the room
// of that order alone.
func newQ27(o Options, f q27Faults) (Server, error) {
	srv, io := ioServer(o)
	q := &q27Shop{f: f, io: io, customer: io.Of("/customer"), seller: io.Of("/seller"), admin: io.Of("/admin"), leak: map[string]int{}}
	q.guard(o.JWTSecret)
	if f.statsLeakOnDrop {
		q.countByHand()
	}
	q.customer.OnConnect(func(s *socketio.Socket) {
		s.On("track-order", func(e *socketio.Event) { q.trackOrder(s, e) })
		s.On("place-order", func(e *socketio.Event) { q.placeOrder(s, e) })
	})
	q.seller.OnConnect(func(s *socketio.Socket) { s.On("update-order-status", q.updateStatus) })
	q.admin.OnConnect(func(s *socketio.Socket) { s.On("stats", q.stats) })
	return srv, nil
}

// guard puts each namespace behind the JWT middleware with the roles it
// admits.
func (q *q27Shop) guard(secret string) {
	f := q.f
	customerRoles, sellerRoles, adminRoles := []string{"user", "admin"}, []string{"seller", "admin"}, []string{"admin"}
	switch {
	case f.anyRoleOnShops:
		customerRoles, sellerRoles = nil, nil
	case f.adminNotEverywhere:
		customerRoles, sellerRoles = []string{"user"}, []string{"seller"}
	case f.userOnAdmin:
		adminRoles = nil
	case f.sellerRoleTypo:
		sellerRoles = []string{"sellers", "admin"}
	}
	for _, n := range q.namespaces() {
		if f.noTokenAsInvalid {
			n.Use(func(s *socketio.Socket) error {
				if authToken(s) == "" {
					return refusal(codeInvalidToken, "Invalid token.")
				}
				return nil
			})
		}
	}
	q.customer.Use(jwtMiddleware(secret, f.auth, customerRoles...))
	q.seller.Use(jwtMiddleware(secret, f.auth, sellerRoles...))
	q.admin.Use(jwtMiddleware(secret, f.auth, adminRoles...))
}

func (q *q27Shop) namespaces() []*socketio.Namespace {
	return []*socketio.Namespace{q.customer, q.seller, q.admin}
}

// countByHand keeps stats-leak-on-drop's counts: raised on every
// connection, lowered on graceful disconnects only.
func (q *q27Shop) countByHand() {
	for _, n := range q.namespaces() {
		n.OnConnect(func(s *socketio.Socket) {
			q.leakMu.Lock()
			q.leak[n.Name()]++
			q.leakMu.Unlock()
			s.OnDisconnect(func(r socketio.Reason) {
				if r != socketio.ReasonTransportClose {
					q.leakMu.Lock()
					q.leak[n.Name()]--
					q.leakMu.Unlock()
				}
			})
		})
	}
}

// trackOrder joins a customer to the room of one order, whose status
// updates it then receives.
func (q *q27Shop) trackOrder(s *socketio.Socket, e *socketio.Event) {
	var p struct {
		OrderID json.RawMessage `json:"orderId"`
	}
	id, ok := "", objectArg(e, &p)
	if ok {
		id, ok = idValue(p.OrderID)
	}
	if !ok {
		ackError(e, `Send {"orderId": "..."}.`)
		return
	}
	s.Join(orderRoom(id))
	ackOK(e, map[string]any{"orderId": id})
}

// placeOrder numbers a customer's order and tells the sellers.
func (q *q27Shop) placeOrder(s *socketio.Socket, e *socketio.Event) {
	var p struct {
		ProductID json.RawMessage `json:"productId"`
		Quantity  json.Number     `json:"quantity"`
	}
	if !objectArg(e, &p) {
		// crash: what "Cannot destructure property 'productId' of null" does
		refuseArg(s, e, q.f.crashOnNull, `Send {"productId": "...", "quantity": N}.`)
		return
	}
	product, ok := idValue(p.ProductID)
	qty, err := strconv.Atoi(strings.TrimSpace(p.Quantity.String()))
	if !ok || err != nil || qty < 1 {
		ackError(e, "An order needs a productId and a quantity of at least 1.")
		return
	}
	id := "ord-" + strconv.FormatInt(q.nextOrder.Add(1), 10)
	if q.f.sameOrderID {
		id = "1"
	}
	to := q.seller
	if q.f.newOrderOnCustomer {
		to = q.customer
	}
	to.Emit("new-order", map[string]any{"orderId": id, "productId": product, "quantity": qty})
	ackOK(e, map[string]any{"orderId": id})
}

// updateStatus sends a seller's status update to the customers tracking
// that order.
func (q *q27Shop) updateStatus(e *socketio.Event) {
	var p struct {
		OrderID json.RawMessage `json:"orderId"`
		Status  string          `json:"status"`
	}
	id, ok := "", objectArg(e, &p)
	if ok {
		id, ok = idValue(p.OrderID)
	}
	if !ok || strings.TrimSpace(p.Status) == "" {
		ackError(e, `Send {"orderId": "...", "status": "shipped"}.`)
		return
	}
	msg := map[string]any{"orderId": id, "status": p.Status}
	if q.f.statusToAll {
		q.customer.Emit("order-status", msg)
	} else {
		q.customer.To(orderRoom(id)).Emit("order-status", msg)
	}
	ackOK(e, nil)
}

// stats answers how many sockets each namespace has.
func (q *q27Shop) stats(e *socketio.Event) {
	customers, sellers, admins := len(q.customer.Sockets()), len(q.seller.Sockets()), len(q.admin.Sockets())
	if q.f.statsWrongNsp {
		customers = len(q.io.Of("/").Sockets())
	}
	if q.f.statsLeakOnDrop {
		q.leakMu.Lock()
		customers, sellers, admins = q.leak["/customer"], q.leak["/seller"], q.leak["/admin"]
		q.leakMu.Unlock()
	}
	ack(e, map[string]any{"customers": customers, "sellers": sellers, "admins": admins})
}
