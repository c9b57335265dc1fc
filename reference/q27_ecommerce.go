package reference

import (
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"rtlab/socketio"
)

func init() {
	Register(&Exercise{
		ID:       "q27",
		Title:    "E-commerce namespaces",
		New:      newQ27,
		Variants: variantNames(q27Variants),
	})
}

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

// newQ27 splits one shop across three namespaces, one per kind of user,
// each behind the JWT middleware with the roles it admits. The namespaces
// talk to each other only through the server: a customer's order is
// emitted on /seller, a seller's status update on /customer, to the room
// of that order alone.
func newQ27(opts *Options) (Server, error) {
	o := opts.withDefaults()
	if err := checkVariant("q27", o.Variant, variantNames(q27Variants)); err != nil {
		return nil, err
	}
	f := q27Variants[o.Variant]
	io := newIO(o)
	customer, seller, admin := io.Of("/customer"), io.Of("/seller"), io.Of("/admin")

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
	for _, n := range []*socketio.Namespace{customer, seller, admin} {
		if f.noTokenAsInvalid {
			n.Use(func(s *socketio.Socket) error {
				if authToken(s) == "" {
					return refusal(codeInvalidToken, "Invalid token.")
				}
				return nil
			})
		}
	}
	customer.Use(jwtMiddleware(o.JWTSecret, f.auth, customerRoles...))
	seller.Use(jwtMiddleware(o.JWTSecret, f.auth, sellerRoles...))
	admin.Use(jwtMiddleware(o.JWTSecret, f.auth, adminRoles...))

	// stats-leak-on-drop: counts kept by hand, per namespace name.
	var leakMu sync.Mutex
	leak := map[string]int{}
	for _, n := range []*socketio.Namespace{customer, seller, admin} {
		if !f.statsLeakOnDrop {
			break
		}
		n.OnConnect(func(s *socketio.Socket) {
			leakMu.Lock()
			leak[n.Name()]++
			leakMu.Unlock()
			s.OnDisconnect(func(r socketio.Reason) {
				if r != socketio.ReasonTransportClose {
					leakMu.Lock()
					leak[n.Name()]--
					leakMu.Unlock()
				}
			})
		})
	}

	var nextOrder atomic.Int64
	customer.OnConnect(func(s *socketio.Socket) {
		s.On("track-order", func(e *socketio.Event) {
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
		})
		s.On("place-order", func(e *socketio.Event) {
			var p struct {
				ProductID json.RawMessage `json:"productId"`
				Quantity  json.Number     `json:"quantity"`
			}
			if !objectArg(e, &p) {
				if f.crashOnNull {
					s.Disconnect(true) // what "Cannot destructure property 'productId' of null" does
					return
				}
				ackError(e, `Send {"productId": "...", "quantity": N}.`)
				return
			}
			product, ok := idValue(p.ProductID)
			qty, err := strconv.Atoi(strings.TrimSpace(p.Quantity.String()))
			if !ok || err != nil || qty < 1 {
				ackError(e, "An order needs a productId and a quantity of at least 1.")
				return
			}
			id := "ord-" + strconv.FormatInt(nextOrder.Add(1), 10)
			if f.sameOrderID {
				id = "1"
			}
			to := seller
			if f.newOrderOnCustomer {
				to = customer
			}
			to.Emit("new-order", map[string]any{"orderId": id, "productId": product, "quantity": qty})
			ackOK(e, map[string]any{"orderId": id})
		})
	})
	seller.OnConnect(func(s *socketio.Socket) {
		s.On("update-order-status", func(e *socketio.Event) {
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
			if f.statusToAll {
				customer.Emit("order-status", msg)
			} else {
				customer.To(orderRoom(id)).Emit("order-status", msg)
			}
			ackOK(e, nil)
		})
	})
	admin.OnConnect(func(s *socketio.Socket) {
		s.On("stats", func(e *socketio.Event) {
			customers, sellers, admins := len(customer.Sockets()), len(seller.Sockets()), len(admin.Sockets())
			if f.statsWrongNsp {
				customers = len(io.Of("/").Sockets())
			}
			if f.statsLeakOnDrop {
				leakMu.Lock()
				customers, sellers, admins = leak["/customer"], leak["/seller"], leak["/admin"]
				leakMu.Unlock()
			}
			ack(e, map[string]any{"customers": customers, "sellers": sellers, "admins": admins})
		})
	})
	s := newServer()
	s.mountIO(io)
	return s, nil
}
