package graders

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// jwtTemplate finds `{{jwt key=value ...}}` in scenario strings.
var jwtTemplate = regexp.MustCompile(`\{\{\s*jwt((?:\s+[A-Za-z_]+(?:=[^\s}]*)?)*)\s*\}\}`)

// MintJWT makes the token a template such as "sub=u2 role=admin exp=-1m"
// describes, signed HS256 with secret. Keys:
//
//	sub, role, name, any other key   string claims
//	exp=DURATION                     expiry relative to now (default 1h; negative: expired);
//	                                 exp=none leaves the claim out
//	secret=S                         sign with S instead (a bad signature)
//	alg=none                         an unsigned token, which servers must refuse
//	malformed                        a string that is not a JWT at all
//
// Tokens are minted when the step runs, so "exp" is relative to that moment.
func MintJWT(template, secret string, now time.Time) (string, error) {
	claims := jwt.MapClaims{"iat": now.Unix()}
	exp := time.Hour
	noExp := false
	alg := "HS256"
	for _, f := range strings.Fields(template) {
		k, v, hasV := strings.Cut(f, "=")
		switch {
		case k == "malformed" && !hasV:
			return "this.is-not-a.jwt", nil
		case k == "exp":
			if v == "none" {
				noExp = true
				continue
			}
			d, err := time.ParseDuration(v)
			if err != nil {
				return "", fmt.Errorf("jwt template: exp=%s: %v", v, err)
			}
			exp = d
		case k == "secret":
			secret = v
		case k == "alg":
			alg = v
		case !hasV:
			return "", fmt.Errorf("jwt template: %q needs a value (key=value)", k)
		default:
			claims[k] = v
		}
	}
	if !noExp {
		claims["exp"] = now.Add(exp).Unix()
	}
	switch alg {
	case "HS256":
		return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte(secret))
	case "none":
		return jwt.NewWithClaims(jwt.SigningMethodNone, claims).SignedString(jwt.UnsafeAllowNoneSignatureType)
	}
	return "", fmt.Errorf("jwt template: alg=%s: only HS256 and none", alg)
}
