package reference

import (
	"rtlab/socketio"
)

func init() { registerVariants("q31", variantNames(q31Variants), newQ31) }

// q31Variants are the authentication mistakes students make most: every
// failure reported alike, the unsigned token let through, the user table
// never consulted.
var q31Variants = map[string]authFaults{
	"expired-as-invalid": {expiredAsInvalid: true},
	"accept-alg-none":    {acceptNone: true},
	"no-user-check":      {noUserCheck: true},
}

// newQ31 authenticates every connection of the default namespace with
// jwtMiddleware, which tells the client why it was refused (NO_TOKEN,
// TOKEN_EXPIRED, INVALID_TOKEN, USER_NOT_FOUND) so that a front end can
// react: an expired session asks to log in again, a forged token does not.
// whoami answers from the mock user database, not from the token's claims.
func newQ31(o Options) (Server, error) {
	io := newIO(o)
	nsp := io.Of("/")
	nsp.Use(jwtMiddleware(o.JWTSecret, q31Variants[o.Variant]))
	nsp.OnConnect(onWhoami)
	s := newServer()
	s.mountIO(io)
	return s, nil
}

// onWhoami answers whoami with the socket's user, {"id","name","role"},
// as jwtMiddleware found it in the mock database.
func onWhoami(s *socketio.Socket) {
	s.On("whoami", func(e *socketio.Event) {
		u, ok := s.Get("user").(user)
		if !ok {
			c := socketClaims(s)
			if c == nil {
				ackError(e, "You are not logged in.")
				return
			}
			u = user{ID: c.Subject, Role: c.Role} // no-user-check: a user the table does not know
		}
		ack(e, u)
	})
}
