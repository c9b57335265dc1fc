package reference

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const testSecret = "rtlab-dev-secret"

func mint(t *testing.T, m jwt.SigningMethod, key any, c jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(m, c).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func refusalCode(t *testing.T, tok string, f authFaults) string {
	t.Helper()
	_, r := verifyToken(testSecret, tok, f)
	if r == nil {
		return ""
	}
	return r.Data.(map[string]string)["code"]
}

// TestQ31OnlyHS256 checks what the grader's templates cannot mint: a
// token signed with the right secret but another HMAC algorithm is as
// invalid as an unsigned one.
func TestQ31OnlyHS256(t *testing.T) {
	exp := time.Now().Add(time.Hour).Unix()
	ok := jwt.MapClaims{"sub": "u1", "role": "user", "exp": exp}
	cases := []struct {
		name, tok, want string
	}{
		{"HS256", mint(t, jwt.SigningMethodHS256, []byte(testSecret), ok), ""},
		{"HS384", mint(t, jwt.SigningMethodHS384, []byte(testSecret), ok), codeInvalidToken},
		{"HS512", mint(t, jwt.SigningMethodHS512, []byte(testSecret), ok), codeInvalidToken},
		{"none", mint(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, ok), codeInvalidToken},
		{"expired", mint(t, jwt.SigningMethodHS256, []byte(testSecret), jwt.MapClaims{"sub": "u1", "exp": time.Now().Add(-time.Minute).Unix()}), codeTokenExpired},
		{"unknown user", mint(t, jwt.SigningMethodHS256, []byte(testSecret), jwt.MapClaims{"sub": "u9", "exp": exp}), codeUserNotFound},
		{"empty", "", codeNoToken},
		{"garbage", "not.a.jwt", codeInvalidToken},
	}
	for _, c := range cases {
		if got := refusalCode(t, c.tok, authFaults{}); got != c.want {
			t.Errorf("%s: refusal %q, want %q", c.name, got, c.want)
		}
	}
	if got := refusalCode(t, cases[3].tok, authFaults{acceptNone: true}); got != "" {
		t.Errorf("accept-alg-none variant refuses alg none: %q", got)
	}
}

func TestQ34SlidingLimiter(t *testing.T) {
	l := &slidingLimiter{limit: 30, window: 3 * time.Second, hits: map[string][]time.Time{}}
	t0 := time.Unix(1000, 0)
	if ok, _ := l.allow("u1", t0); !ok {
		t.Fatal("first message refused")
	}
	for i := 0; i < 29; i++ {
		if ok, _ := l.allow("u1", t0.Add(1500*time.Millisecond)); !ok {
			t.Fatalf("message %d refused", i+2)
		}
	}
	ok, wait := l.allow("u1", t0.Add(1600*time.Millisecond))
	if ok || retryAfterSeconds(wait) != 2 {
		t.Fatalf("31st: ok=%v retryAfter=%d, want refused with 2", ok, retryAfterSeconds(wait))
	}
	if ok, _ := l.allow("u2", t0.Add(1600*time.Millisecond)); !ok {
		t.Fatal("another user is limited")
	}
	// t0+3.2s: the first message left the window, the 29 have not.
	if ok, _ := l.allow("u1", t0.Add(3200*time.Millisecond)); !ok {
		t.Fatal("the freed slot is refused")
	}
	ok, wait = l.allow("u1", t0.Add(3300*time.Millisecond))
	if ok || retryAfterSeconds(wait) != 2 {
		t.Fatalf("after the freed slot: ok=%v retryAfter=%d, want refused with 2 (1.2 s, rounded up)", ok, retryAfterSeconds(wait))
	}
	if got := retryAfterSeconds(10 * time.Millisecond); got != 1 {
		t.Errorf("retryAfter of 10ms = %d, want at least 1", got)
	}
}

// TestQ36TransformRules states the contract's rules as cases: b was
// received first, a is transformed against it.
func TestQ36TransformRules(t *testing.T) {
	ins := func(p int, s string) textOp { return textOp{Type: "insert", Position: p, Text: s} }
	del := func(p, n int) textOp { return textOp{Type: "delete", Position: p, Length: n} }
	cases := []struct {
		name    string
		a, b    textOp
		want    textOp
		f       q36Faults
		content string // both applied to it, b first
		result  string
	}{
		{"insert tie: first stays left", ins(5, "B"), ins(5, "A"), ins(6, "B"), q36Faults{}, "Hello world", "HelloAB world"},
		{"insert after insert", ins(11, "!"), ins(0, "Hey, "), ins(16, "!"), q36Faults{}, "Hello world", "Hey, Hello world!"},
		{"insert before insert", ins(0, "X"), ins(5, "Y"), ins(0, "X"), q36Faults{}, "Hello world", "XHelloY world"},
		{"insert inside earlier delete", ins(3, "XYZ"), del(1, 5), ins(1, "XYZ"), q36Faults{}, "Hello world", "HXYZworld"},
		{"insert at delete start", ins(1, "X"), del(1, 5), ins(1, "X"), q36Faults{}, "Hello world", "HXworld"},
		{"insert at delete end", ins(6, "X"), del(1, 5), ins(1, "X"), q36Faults{}, "Hello world", "HXworld"},
		{"delete grows over earlier insert", del(1, 5), ins(3, "XYZ"), del(1, 8), q36Faults{}, "Hello world", "Hworld"},
		{"insert at delete start is outside", del(1, 5), ins(1, "X"), del(2, 5), q36Faults{}, "Hello world", "HXworld"},
		{"insert at delete end is outside", del(1, 5), ins(6, "X"), del(1, 5), q36Faults{}, "Hello world", "HXworld"},
		{"overlapping deletes", del(4, 4), del(2, 5), del(2, 1), q36Faults{}, "Hello world", "Herld"},
		{"delete inside delete", del(2, 3), del(0, 11), del(0, 0), q36Faults{}, "Hello world", ""},
		{"delete covering delete", del(0, 11), del(2, 3), del(0, 8), q36Faults{}, "Hello world", ""},
		{"disjoint deletes", del(6, 5), del(0, 6), del(0, 5), q36Faults{}, "Hello world", ""},
		{"tie-later-left variant", ins(5, "B"), ins(5, "A"), ins(5, "B"), q36Faults{tieLeft: true}, "Hello world", "HelloBA world"},
	}
	for _, c := range cases {
		got := transformOp(c.a, c.b, c.f)
		if got != c.want {
			t.Errorf("%s: transform(%+v, %+v) = %+v, want %+v", c.name, c.a, c.b, got, c.want)
			continue
		}
		out := string(applyOp(applyOp([]rune(c.content), c.b), got))
		if out != c.result {
			t.Errorf("%s: result %q, want %q", c.name, out, c.result)
		}
	}
}

func TestQ37EmitterWarnsOncePastTen(t *testing.T) {
	var log bytes.Buffer
	e := newEmitter(&log)
	var offs []func()
	for i := 0; i < 10; i++ {
		offs = append(offs, e.on("price", func(any) {}))
	}
	if log.Len() != 0 {
		t.Fatalf("warned at 10 listeners: %s", log.String())
	}
	for _, off := range offs {
		off()
		off() // twice is harmless
	}
	for i := 0; i < 10; i++ {
		e.on("price", func(any) {})
	}
	if log.Len() != 0 || e.count("price") != 10 {
		t.Fatalf("removed listeners still counted: %d, log %q", e.count("price"), log.String())
	}
	e.on("price", func(any) {})
	e.on("price", func(any) {})
	if n := strings.Count(log.String(), "MaxListenersExceededWarning"); n != 1 {
		t.Fatalf("%d warnings past ten listeners, want 1: %q", n, log.String())
	}
	called := 0
	e2 := newEmitter(&log)
	off := e2.on("x", func(any) { called++ })
	e2.emit("x", nil)
	off()
	e2.emit("x", nil)
	if called != 1 {
		t.Fatalf("listener called %d times, want 1 (before its removal only)", called)
	}
}
