package graders

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"rtlab/graders/scenario"
)

func (r *stepRun) emitArgs(st *scenario.EmitStep) ([]any, error) {
	if st.Args != nil {
		out := make([]any, len(st.Args))
		for i, a := range st.Args {
			ea, err := r.expand(a)
			if err != nil {
				return nil, err
			}
			out[i] = scenario.Normalize(ea)
		}
		return out, nil
	}
	var data any = map[string]any{}
	if st.Data != nil {
		d, err := r.expand(st.Data)
		if err != nil {
			return nil, err
		}
		data = scenario.Normalize(d)
	}
	return []any{data}, nil
}

func (r *stepRun) emit(ctx context.Context, st *scenario.EmitStep) error {
	cl, err := r.clientNamed(st.Client)
	if err != nil {
		return err
	}
	r.setLast(cl)
	evName, err := r.expandString(st.Event)
	if err != nil {
		return err
	}
	args, err := r.emitArgs(st)
	if err != nil {
		return err
	}
	shown := fmt.Sprintf("%s %s", evName, describeArgs(args))
	if st.Ack == nil {
		if err := cl.sock.Emit(evName, args...); err != nil {
			err = emitError(cl.conn, cl.sock, evName, args, err)
			return &Failure{Reason: fmt.Sprintf("client %s could not send %s", cl.name, shown),
				Expected: "the connection still open, so the event can be sent", Actual: err.Error()}
		}
		return nil
	}
	want, err := r.expand(st.Ack)
	if err != nil {
		return err
	}
	want = scenario.Normalize(want)
	timeout := st.Timeout
	if timeout <= 0 {
		timeout = r.opts.Timeout
	}
	var until time.Time
	if st.Until > 0 {
		until = time.Now().Add(st.Until)
	}
	for tries := 1; ; tries++ {
		raw, got, err := r.emitOnce(ctx, cl, evName, args, want, timeout)
		if err != nil {
			return err
		}
		caps := map[string]any{}
		m := matchAck(want, got, raw, caps)
		if m == nil {
			r.vars.merge(caps)
			return r.save(st.Save, got, "the ack")
		}
		if !until.IsZero() && time.Now().Add(untilEvery).Before(until) {
			select {
			case <-time.After(untilEvery):
				continue
			case <-ctx.Done():
			}
		}
		reason := fmt.Sprintf("client %s sent %s; the acknowledgement is not what the contract says", cl.name, shown)
		if st.Until > 0 {
			reason = fmt.Sprintf("client %s sent %s %d times over %s; the acknowledgement never became what the contract says", cl.name, shown, tries, st.Until)
		}
		return &Failure{Reason: reason, Expected: scenario.Describe(want), Actual: describeRaw(raw) + " — " + m.String()}
	}
}

// matchAck matches an ack's first argument against want; a $nowhere in
// want speaks for the whole ack, its further arguments too.
func matchAck(want, got any, raw []json.RawMessage, caps map[string]any) *scenario.Mismatch {
	m := scenario.Match(want, got, caps)
	for i := 1; i < len(raw) && m == nil; i++ {
		v, e := scenario.DecodeJSON(raw[i])
		if e != nil {
			v = string(raw[i])
		}
		for _, nm := range scenario.NowhereMatchers(want) {
			if m = scenario.MatchNowhere(fmt.Sprintf("argument %d", i+1), nm, v); m != nil {
				break
			}
		}
	}
	return m
}

// untilEvery is how often an emit with until: asks again.
const untilEvery = 50 * time.Millisecond

// emitOnce sends one event with an ack callback and returns the ack's
// arguments and its first one decoded (absent when there is none).
func (r *stepRun) emitOnce(ctx context.Context, cl *client, evName string, args []any, want any, timeout time.Duration) ([]json.RawMessage, any, error) {
	shown := fmt.Sprintf("%s %s", evName, describeArgs(args))
	actx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	raw, err := cl.sock.EmitWithAck(actx, evName, args...)
	if err != nil {
		err = emitError(cl.conn, cl.sock, evName, args, err)
		if actx.Err() != nil {
			return nil, nil, &Failure{Reason: fmt.Sprintf("client %s sent %s and got no acknowledgement within %s", cl.name, shown, timeout),
				Expected: "the ack callback called with " + scenario.Describe(want), Actual: "no ack"}
		}
		return nil, nil, &Failure{Reason: fmt.Sprintf("client %s sent %s but the acknowledgement failed", cl.name, shown),
			Expected: "an ack " + scenario.Describe(want), Actual: scenario.Shorten(err.Error(), 400)}
	}
	var got any = scenario.Absent
	if len(raw) > 0 {
		if v, e := scenario.DecodeJSON(raw[0]); e == nil {
			got = v
		}
	}
	return raw, got, nil
}

// save stores values at paths of v into variables.
func (r *stepRun) save(spec map[string]string, v any, what string) error {
	for rawName, path := range spec {
		name, err := r.expandString(rawName)
		if err != nil {
			return err
		}
		val, ok := scenario.GetPath(v, path)
		if !ok {
			return &Failure{Reason: fmt.Sprintf("%s has no %q to remember", what, path), Actual: scenario.Describe(v)}
		}
		r.vars.set(name, val)
	}
	return nil
}

func describeArgs(args []any) string {
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = scenario.Describe(a)
	}
	return strings.Join(parts, ", ")
}

func describeRaw(raw []json.RawMessage) string {
	if len(raw) == 0 {
		return "an ack with no arguments"
	}
	parts := make([]string, len(raw))
	for i, a := range raw {
		parts[i] = scenario.Shorten(string(a), 300)
	}
	return strings.Join(parts, ", ")
}
