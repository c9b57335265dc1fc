package graders

import (
	"context"
	"fmt"

	"rtlab/graders/scenario"
)

func (r *stepRun) probe(ctx context.Context, st *scenario.ProbeStep) error {
	f, ok := r.opts.Probes.Lookup(st.Name)
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
		Server: r.opts.Server, Nginx: r.opts.Nginx, Harness: r.opts.Harness,
		Get: r.vars.get, Set: r.vars.set,
	}
	return f(ctx, env, params)
}
