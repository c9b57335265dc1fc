package graders

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"sync"
	"time"

	"rtlab/graders/scenario"
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
	// Dialer opens Socket.IO connections; the probe closes what it opens.
	Dialer SocketDialer
	// Server is the --cmd process, nil without --cmd. In reference mode it
	// is a log sink (Server.InProcess()): logs only, no signals.
	Server *Process
	// Vars reads and writes the check's variables.
	Get func(name string) (any, bool)
	Set func(name string, v any)
}

var (
	probeMu sync.RWMutex
	probes  = map[string]ProbeFunc{}
)

// RegisterProbe makes a probe callable from scenario files as
// `probe: {name: NAME, params: {...}}`. Call it from init; a duplicate
// name panics.
func RegisterProbe(name string, f ProbeFunc) {
	probeMu.Lock()
	defer probeMu.Unlock()
	if _, dup := probes[name]; dup {
		panic("graders: duplicate probe " + name)
	}
	probes[name] = f
}

func lookupProbe(name string) (ProbeFunc, bool) {
	probeMu.RLock()
	defer probeMu.RUnlock()
	f, ok := probes[name]
	return f, ok
}

// ProbeNames lists the registered probes, sorted.
func ProbeNames() []string {
	probeMu.RLock()
	defer probeMu.RUnlock()
	out := make([]string, 0, len(probes))
	for n := range probes {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func (r *stepRun) probe(ctx context.Context, st *scenario.ProbeStep) error {
	f, ok := lookupProbe(st.Name)
	if !ok {
		return &ScenarioError{fmt.Sprintf("unknown probe %q", st.Name)}
	}
	params := map[string]any{}
	for k, v := range st.Params {
		ev, err := r.expand(v)
		if err != nil {
			return err
		}
		params[k] = scenario.Normalize(ev)
	}
	env := &ProbeEnv{
		URL: r.base, HTTP: r.http, Timeout: r.opts.Timeout, QuietPeriod: r.opts.QuietPeriod,
		Transport: r.opts.Transport, Namespace: r.namespace(""), JWTSecret: r.opts.JWTSecret,
		Dialer: r.opts.Dialer, Server: r.opts.Server,
		Get: r.vars.get, Set: r.vars.set,
	}
	return f(ctx, env, params)
}

// Probe returns the probe registered as name, for tools that show where a
// probe lives (rtlab list --files).
func Probe(name string) (ProbeFunc, bool) { return lookupProbe(name) }
