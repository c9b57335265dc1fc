package graders

import (
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func TestMintJWT(t *testing.T) {
	now := time.Now()
	key := func(*jwt.Token) (any, error) { return []byte("s3cret"), nil }
	tok, err := MintJWT("sub=u2 role=admin", "s3cret", now)
	if err != nil {
		t.Fatal(err)
	}
	claims := jwt.MapClaims{}
	if _, err := jwt.ParseWithClaims(tok, claims, key, jwt.WithValidMethods([]string{"HS256"})); err != nil {
		t.Fatal(err)
	}
	if claims["sub"] != "u2" || claims["role"] != "admin" {
		t.Errorf("claims %v", claims)
	}

	expired, _ := MintJWT("sub=u1 exp=-1m", "s3cret", now)
	if _, err := jwt.Parse(expired, key); err == nil {
		t.Error("exp=-1m is valid")
	}
	wrong, _ := MintJWT("sub=u1 secret=other", "s3cret", now)
	if _, err := jwt.Parse(wrong, key); err == nil {
		t.Error("secret=other verifies with the real secret")
	}
	none, _ := MintJWT("sub=u1 alg=none", "s3cret", now)
	if _, err := jwt.Parse(none, key, jwt.WithValidMethods([]string{"HS256"})); err == nil {
		t.Error("alg=none verifies")
	}
	if m, _ := MintJWT("malformed", "s", now); m == "" {
		t.Error("malformed is empty")
	}
	if _, err := MintJWT("exp=soon", "s", now); err == nil {
		t.Error("bad exp accepted")
	}
}

func TestTemplatesExpandInStrings(t *testing.T) {
	r := &stepRun{checkRun: &checkRun{opts: &Options{JWTSecret: "k"}}, vars: newVars()}
	r.vars.set("room", "r-1")
	r.vars.set("n", 3.0)
	v, err := r.expand(map[string]any{"token": "{{jwt sub=u1}}", "room": "${room}", "label": "room ${room} of ${n}", "n": "${n}"})
	if err != nil {
		t.Fatal(err)
	}
	m := v.(map[string]any)
	if m["room"] != "r-1" || m["label"] != "room r-1 of 3" || m["n"] != 3.0 {
		t.Errorf("expanded %v", m)
	}
	if _, err := jwt.Parse(m["token"].(string), func(*jwt.Token) (any, error) { return []byte("k"), nil }); err != nil {
		t.Errorf("minted token: %v", err)
	}
	if _, err := r.expand("${nope}"); err == nil {
		t.Error("unknown variable accepted")
	}
}
