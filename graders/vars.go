package graders

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

	"rtlab/graders/scenario"
)

// vars holds a check's variables: captures (${room}), client socket ids
// (${a.id}) and loop counters (${i}). Parallel branches share it.
type vars struct {
	mu sync.Mutex
	m  map[string]any
}

func newVars() *vars { return &vars{m: map[string]any{}} }

func (v *vars) set(k string, val any) {
	v.mu.Lock()
	v.m[k] = val
	v.mu.Unlock()
}

func (v *vars) get(k string) (any, bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	val, ok := v.m[k]
	return val, ok
}

// child is a copy for a loop iteration, whose counter must not leak into
// sibling iterations running in parallel; captures are written through to
// the parent as well.
func (v *vars) child(k string, val any) *vars {
	v.mu.Lock()
	defer v.mu.Unlock()
	c := &vars{m: make(map[string]any, len(v.m)+1)}
	for kk, vv := range v.m {
		c.m[kk] = vv
	}
	if k != "" {
		c.m[k] = val
	}
	return c
}

func (v *vars) merge(from map[string]any) {
	v.mu.Lock()
	defer v.mu.Unlock()
	for k, val := range from {
		v.m[k] = val
	}
}

var varRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_.-]*)\}`)

// expand replaces ${vars} and {{jwt ...}} templates in every string of v.
// A string that is exactly one ${var} becomes the variable's value with its
// type (a number stays a number).
func (r *stepRun) expand(v any) (any, error) {
	switch x := v.(type) {
	case string:
		if m := varRef.FindStringSubmatch(x); m != nil && m[0] == x {
			val, ok := r.vars.get(m[1])
			if !ok {
				return nil, &ScenarioError{fmt.Sprintf("${%s} is not set (by a save:, a connect, or a loop)", m[1])}
			}
			return val, nil
		}
		return r.expandString(x)
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			ev, err := r.expand(e)
			if err != nil {
				return nil, err
			}
			out[k] = ev
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			ev, err := r.expand(e)
			if err != nil {
				return nil, err
			}
			out[i] = ev
		}
		return out, nil
	}
	return v, nil
}

// expandString interpolates ${vars} (as strings) and mints JWT templates.
func (r *stepRun) expandString(s string) (string, error) {
	var err error
	out := varRef.ReplaceAllStringFunc(s, func(ref string) string {
		name := ref[2 : len(ref)-1]
		val, ok := r.vars.get(name)
		if !ok {
			err = &ScenarioError{fmt.Sprintf("${%s} is not set (by a save:, a connect, or a loop)", name)}
			return ref
		}
		return scenario.AsString(val)
	})
	if err != nil {
		return "", err
	}
	if strings.Contains(out, "{{") {
		out = jwtTemplate.ReplaceAllStringFunc(out, func(t string) string {
			m := jwtTemplate.FindStringSubmatch(t)
			tok, e := MintJWT(m[1], r.opts.JWTSecret, time.Now())
			if e != nil {
				err = &ScenarioError{e.Error()}
			}
			return tok
		})
	}
	return out, err
}

// expandRegexp interpolates ${vars} quoted, so that an id with dots or
// dashes matches literally.
func (r *stepRun) expandRegexp(s string) (*regexp.Regexp, error) {
	var err error
	out := varRef.ReplaceAllStringFunc(s, func(ref string) string {
		val, ok := r.vars.get(ref[2 : len(ref)-1])
		if !ok {
			err = &ScenarioError{fmt.Sprintf("%s is not set", ref)}
			return ref
		}
		return regexp.QuoteMeta(scenario.AsString(val))
	})
	if err != nil {
		return nil, err
	}
	re, e := regexp.Compile(out)
	if e != nil {
		return nil, &ScenarioError{fmt.Sprintf("bad regular expression %q: %v", out, e)}
	}
	return re, nil
}
