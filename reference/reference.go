// Package reference holds a reference server for every exercise of the
// course: the servers that pass every check, run alone by `rtlab serve qNN`
// and in-process by `rtlab grade` when no --url is given.
//
// Each exercise registers itself (one file per exercise, qNN_*.go) with a
// constructor and the names of its deliberately broken variants, which the
// grader's tests use to prove that each check can fail.
package reference

import (
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Options configure a reference server. A nil *Options means the defaults.
type Options struct {
	// JWTSecret signs and verifies HS256 tokens. Default "rtlab-dev-secret",
	// the grader's default --jwt-secret.
	JWTSecret string
	// RateLimitWindow is Q34's sliding window. Default 60s; the grader sets
	// it short (RATE_LIMIT_WINDOW_MS) to test in seconds.
	RateLimitWindow time.Duration
	// Log receives what a student's server would print on stdout (Q15's
	// socket ids, Q32's JSON lines). Default io.Discard.
	Log io.Writer
	// Variant selects a deliberately broken behaviour by name (see
	// Exercise.Variants); "" is the correct server.
	Variant string
	// PingInterval and PingTimeout are the Engine.IO heartbeat of every
	// Socket.IO reference server: how often it pings, and how long a
	// client has to answer. Zero means the exercise's own: 25s and 20s as
	// socket.io (the conformance fixture: 300ms and 200ms, which the
	// official suites expect). A soak sets them short so that a few
	// seconds hold many heartbeats. Servers without Engine.IO ignore them.
	PingInterval time.Duration
	PingTimeout  time.Duration
}

// withDefaults returns a copy of o with every zero field set to its default.
func (o *Options) withDefaults() Options {
	var out Options
	if o != nil {
		out = *o
	}
	if out.JWTSecret == "" {
		out.JWTSecret = "rtlab-dev-secret"
	}
	if out.RateLimitWindow == 0 {
		out.RateLimitWindow = 60 * time.Second
	}
	if out.Log == nil {
		out.Log = io.Discard
	}
	return out
}

// Server is a running reference server: an http.Handler serving every path
// of its exercise, and Close to end its sessions and goroutines.
type Server interface {
	http.Handler
	Close() error
}

// Exercise describes one exercise's reference server.
type Exercise struct {
	ID    string // "q17"
	Title string // "Live user count"
	// New builds the server. opts may be nil; Variant must be "" or one
	// of Variants.
	New func(opts *Options) (Server, error)
	// Variants names the broken variants New accepts, each a mistake a
	// student makes ("no-initial-count": forgets to send the count to a
	// new client).
	Variants []string
}

var (
	mu        sync.RWMutex
	exercises = map[string]*Exercise{}
)

// Register adds e to the registry; exercise files call it from init.
func Register(e *Exercise) {
	mu.Lock()
	defer mu.Unlock()
	id := NormalizeID(e.ID)
	if _, dup := exercises[id]; dup {
		panic("reference: duplicate exercise " + id)
	}
	exercises[id] = e
}

// Lookup finds an exercise by id; "q09", "Q9" and "9" all name q9.
func Lookup(id string) (*Exercise, bool) {
	mu.RLock()
	defer mu.RUnlock()
	e, ok := exercises[NormalizeID(id)]
	return e, ok
}

// All returns every registered exercise in course order (q1 … q38, then
// named fixtures such as "conformance").
func All() []*Exercise {
	mu.RLock()
	defer mu.RUnlock()
	out := make([]*Exercise, 0, len(exercises))
	for _, e := range exercises {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return lessID(out[i].ID, out[j].ID) })
	return out
}

// NormalizeID maps "Q09", "q9" and "9" to "q9"; other names are lowered.
func NormalizeID(id string) string {
	s := strings.ToLower(strings.TrimSpace(id))
	num := strings.TrimPrefix(s, "q")
	if n, err := strconv.Atoi(num); err == nil && n > 0 {
		return fmt.Sprintf("q%d", n)
	}
	return s
}

func lessID(a, b string) bool {
	na, ea := strconv.Atoi(strings.TrimPrefix(a, "q"))
	nb, eb := strconv.Atoi(strings.TrimPrefix(b, "q"))
	switch {
	case ea == nil && eb == nil:
		return na < nb
	case ea == nil:
		return true
	case eb == nil:
		return false
	}
	return a < b
}

// checkVariant returns an error when v is not "" and not among known.
func checkVariant(id, v string, known []string) error {
	if v == "" {
		return nil
	}
	for _, k := range known {
		if k == v {
			return nil
		}
	}
	return fmt.Errorf("reference %s: unknown variant %q (known: %s)", id, v, strings.Join(known, ", "))
}

// variantNames lists a variant table's names, sorted.
func variantNames[T any](m map[string]T) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
