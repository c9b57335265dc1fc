// Package reference holds a reference server for every exercise of the
// course: the servers that pass every check, run alone by `rtlab serve qNN`
// and in-process by `rtlab grade` when no --url is given.
//
// Each exercise registers itself (one file per exercise, qNN_*.go) with a
// constructor and the names of its deliberately broken variants, which the
// grader's tests use to prove that each check can fail.
package reference

import (
	"crypto/tls"
	"fmt"
	"io"
	"log"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"rtlab/internal/defaults"
	"rtlab/internal/exercise"
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
	// Hooks put the server in the mode the grader tests a browser page
	// against (clients.md): a shifted clock, shorter waits, streams it can
	// pause and end. Default nil: none.
	Hooks *Hooks

	// Addr is where Start listens. Default "127.0.0.1:0", a free loopback
	// port. New ignores it.
	Addr string
	// TLS, when set, makes Start serve HTTPS with it. Default nil, plain
	// HTTP. New ignores it.
	TLS *tls.Config
	// Public, when set, serves every request that no route of the
	// exercise's own answers, in place of its embedded page folder: the
	// student's page and the files beside it (rtlab grade --page). The
	// exercise's API routes win. Default nil. New ignores it.
	Public http.Handler
	// Wrap, when set, stands between Start's listener and the server: a
	// test that makes a reference misbehave on purpose (refuse every
	// other handshake, die after its first client) wraps its handler.
	// Default nil. New ignores it.
	Wrap func(http.Handler) http.Handler
	// ErrorLog receives the HTTP server's own errors (a client that hangs
	// up mid-handshake). Default nil, the standard logger. New ignores it.
	ErrorLog *log.Logger
}

// withDefaults returns a copy of o with every zero field set to its default.
func (o *Options) withDefaults() Options {
	out := defaults.Copy(o)
	defaults.Zero(&out.JWTSecret, "rtlab-dev-secret")
	defaults.Zero(&out.RateLimitWindow, 60*time.Second)
	defaults.Zero(&out.Log, io.Discard)
	defaults.Zero(&out.Addr, "127.0.0.1:0")
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
	// ID names the exercise ("q17"); its title and file names are
	// package exercise's.
	ID string
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
	id := exercise.Normalize(e.ID)
	if _, dup := exercises[id]; dup {
		panic("reference: duplicate exercise " + id)
	}
	exercises[id] = e
}

// Lookup finds an exercise by id; "q09", "Q9" and "9" all name q9.
func Lookup(id string) (*Exercise, bool) {
	mu.RLock()
	defer mu.RUnlock()
	e, ok := exercises[exercise.Normalize(id)]
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
	slices.SortFunc(out, func(a, b *Exercise) int { return exercise.Compare(a.ID, b.ID) })
	return out
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

// registerVariants registers exercise id, whose broken variants are
// names, with build as its constructor. build gets the options with their
// defaults, their Variant checked against names, so that an exercise file
// names its id and its variants once.
func registerVariants(id string, names []string, build func(o Options) (Server, error)) {
	Register(&Exercise{
		ID:       id,
		Variants: names,
		New: func(opts *Options) (Server, error) {
			o := opts.withDefaults()
			if err := checkVariant(id, o.Variant, names); err != nil {
				return nil, err
			}
			return build(o)
		},
	})
}

// registerFaults is registerVariants for an exercise whose variants are a
// table (a variant's name → the mistakes it makes): build gets the faults
// of the variant the options name, the zero faults for the correct server.
func registerFaults[F any](id string, table map[string]F, build func(o Options, f F) (Server, error)) {
	registerVariants(id, variantNames(table), func(o Options) (Server, error) { return build(o, table[o.Variant]) })
}
