package graders

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"rtlab/graders/scenario"
)

func (r *stepRun) clientsOf(names []string) ([]*client, error) {
	out := make([]*client, 0, len(names))
	for _, n := range names {
		c, err := r.clientNamed(n)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// eventTarget resolves what expect and expect_none look for: the clients,
// the event name and the expected payload (nil: any), variables expanded.
func (r *stepRun) eventTarget(clients []string, event string, data any) (cls []*client, evName string, want any, err error) {
	if cls, err = r.clientsOf(clients); err != nil {
		return nil, "", nil, err
	}
	if evName, err = r.expandString(event); err != nil {
		return nil, "", nil, err
	}
	if data != nil {
		w, err := r.expand(data)
		if err != nil {
			return nil, "", nil, err
		}
		want = scenario.Normalize(w)
	}
	return cls, evName, want, nil
}

func (r *stepRun) expect(ctx context.Context, st *scenario.ExpectStep) error {
	cls, evName, want, err := r.eventTarget(st.Clients, st.Event, st.Data)
	if err != nil {
		return err
	}
	within := st.Within
	if within <= 0 {
		within = r.opts.Timeout
	}
	wctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	shown := evName
	if want != nil {
		shown += " " + scenario.Describe(want)
	}
	type got struct {
		ev   event
		ok   bool
		caps map[string]any
	}
	results := make([]got, len(cls))
	var wg sync.WaitGroup
	for i, cl := range cls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var caps map[string]any
			ev, ok := cl.inbox.Next(wctx, func(e event) bool {
				if e.Name != evName {
					return false
				}
				if want == nil {
					return true
				}
				c := map[string]any{}
				if scenario.Match(want, payload(e), c) != nil {
					return false
				}
				caps = c
				return true
			})
			results[i] = got{ev, ok, caps}
		}()
	}
	wg.Wait()
	for i, g := range results {
		cl := cls[i]
		if !g.ok {
			r.setLast(cl)
			f := &Failure{
				Reason:   fmt.Sprintf("client %s did not receive %s within %s", cl.name, shown, within),
				Expected: shown,
				Recent:   cl.recent(5),
			}
			var same []string
			for _, e := range cl.inbox.Pending() {
				if e.Name == evName {
					s := scenario.Describe(payload(e))
					if m := scenario.Match(want, payload(e), nil); m != nil {
						s += " (" + m.String() + ")"
					}
					same = append(same, s)
				}
			}
			switch {
			case len(same) > 0:
				f.Actual = evName + " " + strings.Join(lastStrings(same, 3), "; then ")
			case ctx.Err() != nil && wctx.Err() != context.DeadlineExceeded:
				f.Actual = "the check's deadline passed first"
			case cl.inbox.Count(evName) > 0:
				f.Actual = "no further " + evName + " event (earlier ones were matched by previous steps)"
			default:
				f.Actual = "no " + evName + " event"
				if n := cl.inbox.Total(); n > 0 {
					f.Actual += fmt.Sprintf(" (%d other events arrived)", n)
				}
			}
			return f
		}
		r.vars.merge(g.caps)
	}
	if len(st.Save) > 0 && len(results) > 0 {
		return r.save(st.Save, payload(results[0].ev), "the "+evName+" payload")
	}
	return nil
}

func lastStrings(s []string, n int) []string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

func (r *stepRun) expectNone(ctx context.Context, st *scenario.ExpectNoneStep) error {
	cls, evName, want, err := r.eventTarget(st.Clients, st.Event, st.Data)
	if err != nil {
		return err
	}
	d := st.For
	if d <= 0 {
		d = r.opts.QuietPeriod
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
		return ctx.Err()
	}
	what := "any event"
	if evName != "" {
		what = evName
	}
	for _, cl := range cls {
		for _, e := range cl.inbox.Pending() {
			if evName != "" && e.Name != evName {
				continue
			}
			if want != nil && scenario.Match(want, payload(e), nil) != nil {
				continue
			}
			r.setLast(cl)
			return &Failure{
				Reason:   fmt.Sprintf("client %s received %s, but should not have", cl.name, what),
				Expected: fmt.Sprintf("no %s for %s", what, d),
				Actual:   e.String(),
				Recent:   cl.recent(5),
			}
		}
	}
	return nil
}
