package graders

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"sort"
	"sync"
	"time"

	"rtlab/internal/exercise"
)

// ProbeFunc checks what steps cannot say (timing series, convergence,
// sliding windows, raw WebSocket frames). It returns nil when the server
// behaves, a *Failure when it does not, a *SkipError (Skipf) when it cannot
// judge here, and any other error for a harness problem. It must return by
// ctx's deadline and leave nothing running.
type ProbeFunc func(ctx context.Context, env *ProbeEnv, params map[string]any) error

// ProbeEnv is what a probe may use of the running check.
type ProbeEnv struct {
	// URL is the server's base URL.
	URL *url.URL
	// HTTP is the run's client (loopback, self-signed certificates allowed).
	HTTP *http.Client
	// Timeout is --timeout; QuietPeriod the "must not receive" window.
	Timeout     time.Duration
	QuietPeriod time.Duration
	// Transport and Namespace are the run's defaults (prefix applied).
	Transport string
	Namespace string
	JWTSecret string
	// Server is the --cmd process, nil without --cmd. In reference mode it
	// is a log sink (Server.InProcess()): logs only, no signals.
	Server *Process
	// Nginx is the nginx rtlab runs at URL (Q8), nil when the server at
	// URL is not one rtlab started.
	Nginx *Nginx
	// Harness is Options.Harness: the page rtlab serves at URL and the
	// hooks of the server behind it, nil when grading a server.
	Harness any
	// Vars reads and writes the check's variables.
	Get func(name string) (any, bool)
	Set func(name string, v any)
}

// Nginx is what a probe may know of the nginx rtlab runs at the URL (Q8),
// which it cannot learn over HTTP: the configuration it runs.
type Nginx struct {
	// Conf is the configuration nginx runs, as the student wrote it.
	Conf string
	// Missing, when not empty, says why no nginx runs (not installed):
	// the server at the URL is the backend alone, and the checks that
	// need nginx are skipped with this reason.
	Missing string
}

// ExplainFunc prints, for `rtlab explain`, what a live server does in an
// exercise beyond what its checks say: Q2 draws the captured handshake.
// It talks to the server at base with client's TLS settings, and returns
// by ctx's deadline.
type ExplainFunc func(ctx context.Context, w io.Writer, base *url.URL, client *http.Client) error

// Probes is the set of probes a run's probe steps may call by name, and
// the live parts of `rtlab explain`. The program that runs the engine
// fills it (rtlab: probes.Register); the engine knows no probe of its own,
// so a test can run it with only the probes it means. Safe for concurrent
// use; a nil *Probes is an empty set.
type Probes struct {
	mu         sync.RWMutex
	probes     map[string]ProbeFunc
	explainers map[string]ExplainFunc
}

// NewProbes returns an empty set.
func NewProbes() *Probes {
	return &Probes{probes: map[string]ProbeFunc{}, explainers: map[string]ExplainFunc{}}
}

// Add makes f callable from scenario files as `probe: {name: NAME,
// params: {...}}`. A duplicate name panics: two probes would answer it.
func (p *Probes) Add(name string, f ProbeFunc) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, dup := p.probes[name]; dup {
		panic("graders: duplicate probe " + name)
	}
	p.probes[name] = f
}

// AddExplainer adds the live part of `rtlab explain ID`. A duplicate
// panics.
func (p *Probes) AddExplainer(id string, f ExplainFunc) {
	p.mu.Lock()
	defer p.mu.Unlock()
	id = exercise.Normalize(id)
	if _, dup := p.explainers[id]; dup {
		panic("graders: duplicate explainer " + id)
	}
	p.explainers[id] = f
}

// Lookup returns the probe registered as name.
func (p *Probes) Lookup(name string) (ProbeFunc, bool) {
	if p == nil {
		return nil, false
	}
	p.mu.RLock()
	defer p.mu.RUnlock()
	f, ok := p.probes[name]
	return f, ok
}

// Names lists the registered probes, sorted.
func (p *Probes) Names() []string {
	if p == nil {
		return nil
	}
	p.mu.RLock()
	defer p.mu.RUnlock()
	out := make([]string, 0, len(p.probes))
	for n := range p.probes {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Explainer returns the live part of exercise id's explanation, if any.
func (p *Probes) Explainer(id string) (ExplainFunc, bool) {
	if p == nil {
		return nil, false
	}
	p.mu.RLock()
	defer p.mu.RUnlock()
	f, ok := p.explainers[exercise.Normalize(id)]
	return f, ok
}
