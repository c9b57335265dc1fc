package reference

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/golang-jwt/jwt/v5"

	"rtlab/socketio"
)

// user is one row of the course's fixed mock user database.
type user struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Role string `json:"role"`
}

// mockUsers is the contract's table; the grader's tokens name these ids.
var mockUsers = map[string]user{
	"u1": {"u1", "Alice", "user"},
	"u2": {"u2", "Bob", "admin"},
	"u3": {"u3", "Carol", "support"},
	"u4": {"u4", "Dave", "seller"},
	"u5": {"u5", "Erin", "user"},
}

// The data.code values of an authentication refusal.
const (
	codeNoToken      = "NO_TOKEN"
	codeTokenExpired = "TOKEN_EXPIRED"
	codeInvalidToken = "INVALID_TOKEN"
	codeUserNotFound = "USER_NOT_FOUND"
	codeForbidden    = "FORBIDDEN"
)

// refusal builds the CONNECT_ERROR of a refused connection:
// {"message": msg, "data": {"code": code}}.
func refusal(code, msg string) *socketio.ConnectError {
	return &socketio.ConnectError{Message: msg, Data: map[string]string{"code": code}}
}

// claims are what the course's tokens carry.
type claims struct {
	Role string `json:"role"`
	jwt.RegisteredClaims
}

// authFaults are the mistakes of a JWT middleware the broken variants make.
type authFaults struct {
	expiredAsInvalid bool // an expired token is reported as INVALID_TOKEN
	acceptNone       bool // alg "none" passes
	noUserCheck      bool // any sub is accepted
	// forbiddenAsInvalid reports a role that may not enter as
	// INVALID_TOKEN, so the client cannot tell "log in again" from "you
	// may not go there".
	forbiddenAsInvalid bool
}

// verifyToken checks an HS256 token and returns its claims, or the refusal
// to send. Only HS256 is accepted: a token that names another algorithm
// (none included) is invalid, whatever its signature.
func verifyToken(secret, token string, f authFaults) (*claims, *socketio.ConnectError) {
	if token == "" {
		return nil, refusal(codeNoToken, "Authentication required: send a token in auth.token.")
	}
	var c claims
	methods := []string{"HS256"}
	if f.acceptNone {
		methods = append(methods, "none")
	}
	_, err := jwt.ParseWithClaims(token, &c, func(t *jwt.Token) (any, error) {
		if t.Method.Alg() == "none" && f.acceptNone {
			return jwt.UnsafeAllowNoneSignatureType, nil
		}
		return []byte(secret), nil
	}, jwt.WithValidMethods(methods))
	switch {
	case errors.Is(err, jwt.ErrTokenExpired) && !f.expiredAsInvalid:
		return nil, refusal(codeTokenExpired, "Your session has expired: log in again.")
	case err != nil:
		return nil, refusal(codeInvalidToken, "Invalid token: it is malformed or its signature does not match.")
	}
	if _, ok := mockUsers[c.Subject]; !ok && !f.noUserCheck {
		return nil, refusal(codeUserNotFound, fmt.Sprintf("No user %q: the token names an unknown user.", c.Subject))
	}
	return &c, nil
}

// authToken reads handshake.auth.token; a non-string token reads as "".
func authToken(s *socketio.Socket) string {
	var a struct {
		Token any `json:"token"`
	}
	json.Unmarshal(s.Handshake().Auth, &a)
	tok, _ := a.Token.(string)
	return strings.TrimSpace(tok)
}

// jwtMiddleware authenticates every connection of a namespace: the claims
// land in socket data "claims", the user in "user". allowed, when not
// empty, lists the roles that may enter (FORBIDDEN for the others).
func jwtMiddleware(secret string, f authFaults, allowed ...string) func(s *socketio.Socket) error {
	return func(s *socketio.Socket) error {
		c, refused := verifyToken(secret, authToken(s), f)
		if refused != nil {
			return refused
		}
		if len(allowed) > 0 && !contains(allowed, c.Role) {
			code := codeForbidden
			if f.forbiddenAsInvalid {
				code = codeInvalidToken
			}
			return refusal(code, fmt.Sprintf("Forbidden: the %s namespace is for %s, and you are %s.",
				s.Namespace().Name(), strings.Join(allowed, " or "), c.Role))
		}
		s.Set("claims", c)
		if u, ok := mockUsers[c.Subject]; ok {
			s.Set("user", u)
		}
		return nil
	}
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// socketClaims returns the claims jwtMiddleware stored.
func socketClaims(s *socketio.Socket) *claims {
	c, _ := s.Get("claims").(*claims)
	return c
}
