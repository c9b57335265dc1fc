package reference

import (
	"rtlab/socketio"
)

func init() { registerFaults("q35", q35Variants, newQ35) }

// q35Faults are the role-matrix mistakes of the broken variants.
type q35Faults struct {
	auth            authFaults
	supportOnly     bool // /support lets in support and forgets admin
	supportInAdmin  bool // /admin lets in support too
	publicNeedsAuth bool // /public runs the JWT middleware
	chatAnyRole     bool // /chat accepts any token, verified or not
}

var q35Variants = map[string]q35Faults{
	"support-only-support": {supportOnly: true},
	"support-in-admin":     {supportInAdmin: true},
	"forbidden-as-invalid": {auth: authFaults{forbiddenAsInvalid: true}},
	"public-needs-token":   {publicNeedsAuth: true},
	"chat-unverified":      {chatAnyRole: true},
}

// newQ35 puts one middleware per namespace: /public none, /chat any
// valid token, /admin the admin role, /support admin or support. The same
// jwtMiddleware verifies the token everywhere, so an expired token is
// TOKEN_EXPIRED on every namespace, and a valid token with the wrong role
// is FORBIDDEN: the client knows it must not retry with the same token.
func newQ35(o Options, f q35Faults) (Server, error) {
	srv, io := ioServer(o)
	public := io.Of("/public")
	if f.publicNeedsAuth {
		public.Use(jwtMiddleware(o.JWTSecret, f.auth))
	}
	chat := io.Of("/chat")
	if f.chatAnyRole {
		chat.Use(func(s *socketio.Socket) error {
			if authToken(s) == "" {
				return refusal(codeNoToken, "Authentication required: send a token in auth.token.")
			}
			return nil // decoded, never verified
		})
	} else {
		chat.Use(jwtMiddleware(o.JWTSecret, f.auth))
	}
	adminRoles := []string{"admin"}
	if f.supportInAdmin {
		adminRoles = append(adminRoles, "support")
	}
	io.Of("/admin").Use(jwtMiddleware(o.JWTSecret, f.auth, adminRoles...))
	supportRoles := []string{"admin", "support"}
	if f.supportOnly {
		supportRoles = []string{"support"}
	}
	io.Of("/support").Use(jwtMiddleware(o.JWTSecret, f.auth, supportRoles...))
	for _, name := range []string{"/public", "/chat", "/admin", "/support"} {
		io.Of(name).OnConnect(onWhoami)
	}
	return srv, nil
}
