package graders

import (
	"context"
	"fmt"
	"strings"

	"rtlab/graders/scenario"
)

func (r *stepRun) assert(ctx context.Context, a *scenario.AssertStep) error {
	switch {
	case a.Unique != nil || a.Equal != nil:
		return r.assertSame(a)
	case a.Received != nil:
		return r.assertReceived(a.Received)
	default:
		return r.assertThat(a)
	}
}

// assertSame checks that the values of unique: all differ, or those of
// equal: are all the same.
func (r *stepRun) assertSame(a *scenario.AssertStep) error {
	list := a.Unique
	if list == nil {
		list = a.Equal
	}
	vals, err := r.expand(list)
	if err != nil {
		return err
	}
	vs, _ := vals.([]any)
	// A single ${var} that holds a list is the list itself.
	if len(vs) == 1 {
		if inner, ok := vs[0].([]any); ok {
			vs = inner
		}
	}
	strs := make([]string, len(vs))
	for i, v := range vs {
		strs[i] = scenario.AsString(scenario.Normalize(v))
	}
	if a.Unique != nil {
		seen := map[string]int{}
		for i, s := range strs {
			if j, dup := seen[s]; dup {
				return &Failure{Reason: fmt.Sprintf("%svalues %d and %d are the same, but must all differ", whatPrefix(a.What), j+1, i+1),
					Expected: "all different", Actual: strings.Join(strs, ", ")}
			}
			seen[s] = i
		}
		return nil
	}
	for i := 1; i < len(strs); i++ {
		if strs[i] != strs[0] {
			return &Failure{Reason: whatPrefix(a.What) + "values differ, but must all be the same",
				Expected: "all equal to " + strs[0], Actual: strings.Join(strs, ", ")}
		}
	}
	return nil
}

// assertReceived counts the events of a name (and data, when given) in a
// client's inbox.
func (r *stepRun) assertReceived(rc *scenario.ReceivedAssert) error {
	cl, err := r.clientNamed(rc.Client)
	if err != nil {
		return err
	}
	evName, err := r.expandString(rc.Event)
	if err != nil {
		return err
	}
	var want any
	if rc.Data != nil {
		w, err := r.expand(rc.Data)
		if err != nil {
			return err
		}
		want = scenario.Normalize(w)
	}
	n := 0
	for _, e := range cl.inbox.All() {
		if e.Name == evName && (want == nil || scenario.Match(want, payload(e), nil) == nil) {
			n++
		}
	}
	if n != rc.Count {
		r.setLast(cl)
		return &Failure{Reason: fmt.Sprintf("client %s received %s %d times", cl.name, evName, n),
			Expected: fmt.Sprintf("%d times", rc.Count), Actual: fmt.Sprintf("%d times", n), Recent: cl.recent(5)}
	}
	return nil
}

// assertThat matches value: against that:, saving what the pattern
// captures.
func (r *stepRun) assertThat(a *scenario.AssertStep) error {
	v, err := r.expand(a.Value)
	if err != nil {
		return err
	}
	want, err := r.expand(a.That)
	if err != nil {
		return err
	}
	caps := map[string]any{}
	if m := scenario.Match(scenario.Normalize(want), scenario.Normalize(v), caps); m != nil {
		what := a.What
		if what == "" {
			what = "a value"
		}
		return &Failure{Reason: what + " is not as expected", Expected: scenario.Describe(want), Actual: scenario.Describe(v) + " — " + m.String()}
	}
	r.vars.merge(caps)
	return nil
}

func whatPrefix(what string) string {
	if what == "" {
		return ""
	}
	return what + ": "
}
