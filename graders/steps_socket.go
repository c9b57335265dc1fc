package graders

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// namespace applies --namespace-prefix to a scenario's namespace.
func (r *stepRun) namespace(ns string) string {
	if ns == "" {
		ns = r.sc.Namespace
	}
	p := strings.TrimSuffix(r.opts.NamespacePrefix, "/")
	if p == "" {
		return ns
	}
	if ns == "/" {
		return p
	}
	return p + ns
}

func (r *stepRun) clientNamed(raw string) (*client, error) {
	name, err := r.expandString(raw)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	c, ok := r.clients[name]
	if !ok {
		return nil, &ScenarioError{fmt.Sprintf("client %q is not connected (connect it in an earlier step)", name)}
	}
	return c, nil
}

func (r *stepRun) stringMap(m map[string]string) (map[string]string, error) {
	out := make(map[string]string, len(m))
	for k, v := range m {
		ev, err := r.expandString(v)
		if err != nil {
			return nil, err
		}
		out[k] = ev
	}
	return out, nil
}

func (r *stepRun) connect(ctx context.Context, st *ConnectStep) error {
	ns := r.namespace(st.Namespace)
	auth, err := r.expand(st.Auth)
	if err != nil {
		return err
	}
	auth = normalize(auth)
	hdr, err := r.stringMap(st.Headers)
	if err != nil {
		return err
	}
	qry, err := r.stringMap(st.Query)
	if err != nil {
		return err
	}
	do := &DialOptions{Transport: r.opts.Transport, Header: http.Header{}, Query: url.Values{}, Timeout: r.opts.Timeout}
	if st.Transport != "" {
		do.Transport = st.Transport
	}
	for k, v := range hdr {
		do.Header.Set(k, v)
	}
	for k, v := range qry {
		do.Query.Set(k, v)
	}
	timeout := st.Timeout
	if timeout <= 0 {
		timeout = r.opts.Timeout
	}
	expectErr, err := r.expand(st.ExpectError)
	if err != nil {
		return err
	}
	for _, raw := range st.Clients {
		name, err := r.expandString(raw)
		if err != nil {
			return err
		}
		if err := r.connectOne(ctx, name, ns, auth, do, st.Via, timeout, expectErr); err != nil {
			return err
		}
	}
	return nil
}

func (r *stepRun) connectOne(ctx context.Context, name, ns string, auth any, do *DialOptions, via string, timeout time.Duration, expectErr any) error {
	r.mu.Lock()
	if _, dup := r.clients[name]; dup {
		r.mu.Unlock()
		return &ScenarioError{fmt.Sprintf("client %q is already connected", name)}
	}
	r.mu.Unlock()
	cl := newClient(name)
	dctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	where := fmt.Sprintf("namespace %s", ns)
	if via != "" {
		parent, err := r.clientNamed(via)
		if err != nil {
			return err
		}
		cl.conn = parent.conn
	} else {
		conn, err := r.opts.Dialer.Dial(dctx, r.base.String(), do)
		if err != nil {
			return &Failure{
				Reason:   fmt.Sprintf("client %s could not open a Socket.IO connection (%s transport) within %s", name, do.Transport, timeout),
				Expected: "a Socket.IO v4 server at " + r.base.String() + "/socket.io/",
				Actual:   shorten(err.Error(), 400),
			}
		}
		cl.conn, cl.owner = conn, true
	}
	r.adopt(cl) // from here on, cleanup closes it
	sock, err := cl.conn.Join(dctx, ns, auth, cl.handlers())
	var refused *ConnectRefused
	errors.As(err, &refused)
	if expectErr != nil {
		if err == nil {
			cl.sock = sock
			r.setLast(cl)
			return &Failure{
				Reason:   fmt.Sprintf("client %s was let into %s, but the server should have refused it", name, where),
				Expected: "connect_error" + matcherSuffix(expectErr),
				Actual:   "connected, socket id " + sock.ID(),
			}
		}
		if refused == nil {
			return &Failure{Reason: fmt.Sprintf("client %s: expected a connect_error from %s", name, where),
				Expected: "connect_error" + matcherSuffix(expectErr), Actual: shorten(err.Error(), 400)}
		}
		if b, ok := expectErr.(bool); ok && b {
			cl.close("graceful")
			r.forget(cl)
			return nil
		}
		got := map[string]any{"message": refused.Message}
		if len(refused.Data) > 0 {
			if d, e := decodeJSON(refused.Data); e == nil {
				got["data"] = d
			}
		}
		caps := map[string]any{}
		if m := match(normalize(expectErr), got, caps); m != nil {
			return &Failure{Reason: fmt.Sprintf("client %s was refused by %s, but not with the expected connect_error", name, where),
				Expected: describe(expectErr), Actual: describe(got) + " (" + m.String() + ")"}
		}
		r.vars.merge(caps)
		cl.close("graceful")
		r.forget(cl)
		return nil
	}
	if err != nil {
		if refused != nil {
			return &Failure{Reason: fmt.Sprintf("client %s was refused by %s", name, where),
				Expected: "a successful connection", Actual: refused.Error()}
		}
		return &Failure{Reason: fmt.Sprintf("client %s could not join %s within %s", name, where, timeout),
			Expected: "the CONNECT packet answered", Actual: shorten(err.Error(), 400)}
	}
	cl.sock = sock
	r.vars.set(name+".id", sock.ID())
	return nil
}

func matcherSuffix(m any) string {
	if b, ok := m.(bool); ok && b {
		return ""
	}
	return " " + describe(m)
}

func (r *stepRun) adopt(cl *client) {
	cl.bg = r.bg
	r.mu.Lock()
	r.clients[cl.name] = cl
	r.order = append(r.order, cl)
	r.mu.Unlock()
}

func (r *stepRun) forget(cl *client) {
	r.mu.Lock()
	if r.clients[cl.name] == cl {
		delete(r.clients, cl.name)
	}
	r.mu.Unlock()
}

// close ends the client's socket and, when it owns it, its connection.
// It is safe to call twice.
func (c *client) close(mode string) {
	c.mu.Lock()
	if c.isClosed {
		c.mu.Unlock()
		return
	}
	c.isClosed = true
	c.mu.Unlock()
	switch mode {
	case "drop":
		if c.owner && c.conn != nil {
			c.conn.Drop()
		}
		return
	case "namespace":
		if c.sock != nil {
			c.sock.Disconnect()
		}
		return
	}
	if !c.owner || c.conn == nil {
		if c.sock != nil {
			c.sock.Disconnect()
		}
		return
	}
	// A graceful close waits for the server's part of the closing
	// handshake; a server that never answers (or floods) gets closeGrace,
	// then the TCP connection is dropped.
	done := make(chan struct{})
	go func() {
		defer close(done)
		if c.sock != nil {
			c.sock.Disconnect()
		}
		c.conn.Close()
	}()
	t := time.NewTimer(closeGrace)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		// Drop, and let the run wait for the closing goroutines at its
		// end rather than hold up this check.
		c.bg.Add(1)
		go func() {
			defer c.bg.Done()
			c.conn.Drop()
			<-done
		}()
	}
}

// closeGrace bounds a graceful close.
const closeGrace = time.Second

func (r *stepRun) emitArgs(st *EmitStep) ([]any, error) {
	if st.Args != nil {
		out := make([]any, len(st.Args))
		for i, a := range st.Args {
			ea, err := r.expand(a)
			if err != nil {
				return nil, err
			}
			out[i] = normalize(ea)
		}
		return out, nil
	}
	var data any = map[string]any{}
	if st.Data != nil {
		d, err := r.expand(st.Data)
		if err != nil {
			return nil, err
		}
		data = normalize(d)
	}
	return []any{data}, nil
}

func (r *stepRun) emit(ctx context.Context, st *EmitStep) error {
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
			return &Failure{Reason: fmt.Sprintf("client %s could not send %s", cl.name, shown),
				Expected: "the connection still open, so the event can be sent", Actual: err.Error()}
		}
		return nil
	}
	want, err := r.expand(st.Ack)
	if err != nil {
		return err
	}
	want = normalize(want)
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
		return &Failure{Reason: reason, Expected: describe(want), Actual: describeRaw(raw) + " — " + m.String()}
	}
}

// matchAck matches an ack's first argument against want; a $nowhere in
// want speaks for the whole ack, its further arguments too.
func matchAck(want, got any, raw []json.RawMessage, caps map[string]any) *mismatch {
	m := match(want, got, caps)
	for i := 1; i < len(raw) && m == nil; i++ {
		v, e := decodeJSON(raw[i])
		if e != nil {
			v = string(raw[i])
		}
		for _, nm := range nowhereMatchers(want) {
			if m = matchNowhere(fmt.Sprintf("argument %d", i+1), nm, v); m != nil {
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
		if actx.Err() != nil {
			return nil, nil, &Failure{Reason: fmt.Sprintf("client %s sent %s and got no acknowledgement within %s", cl.name, shown, timeout),
				Expected: "the ack callback called with " + describe(want), Actual: "no ack"}
		}
		return nil, nil, &Failure{Reason: fmt.Sprintf("client %s sent %s but the acknowledgement failed", cl.name, shown),
			Expected: "an ack " + describe(want), Actual: shorten(err.Error(), 400)}
	}
	var got any = absent
	if len(raw) > 0 {
		if v, e := decodeJSON(raw[0]); e == nil {
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
		val, ok := getPath(v, path)
		if !ok {
			return &Failure{Reason: fmt.Sprintf("%s has no %q to remember", what, path), Actual: describe(v)}
		}
		r.vars.set(name, val)
	}
	return nil
}

func describeArgs(args []any) string {
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = describe(a)
	}
	return strings.Join(parts, ", ")
}

func describeRaw(raw []json.RawMessage) string {
	if len(raw) == 0 {
		return "an ack with no arguments"
	}
	parts := make([]string, len(raw))
	for i, a := range raw {
		parts[i] = shorten(string(a), 300)
	}
	return strings.Join(parts, ", ")
}

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
		want = normalize(w)
	}
	return cls, evName, want, nil
}

func (r *stepRun) expect(ctx context.Context, st *ExpectStep) error {
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
		shown += " " + describe(want)
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
			ev, ok := cl.waitFor(wctx, func(e event) bool {
				if e.name != evName {
					return false
				}
				if want == nil {
					return true
				}
				c := map[string]any{}
				if match(want, e.data, c) != nil {
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
			for _, e := range cl.pending() {
				if e.name == evName {
					s := describe(e.data)
					if m := match(want, e.data, nil); m != nil {
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
			case cl.countNamed(evName) > 0:
				f.Actual = "no further " + evName + " event (earlier ones were matched by previous steps)"
			default:
				f.Actual = "no " + evName + " event"
				if n := cl.received(); n > 0 {
					f.Actual += fmt.Sprintf(" (%d other events arrived)", n)
				}
			}
			return f
		}
		r.vars.merge(g.caps)
	}
	if len(st.Save) > 0 && len(results) > 0 {
		return r.save(st.Save, results[0].ev.data, "the "+evName+" payload")
	}
	return nil
}

func lastStrings(s []string, n int) []string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

func (r *stepRun) expectNone(ctx context.Context, st *ExpectNoneStep) error {
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
		for _, e := range cl.pending() {
			if evName != "" && e.name != evName {
				continue
			}
			if want != nil && match(want, e.data, nil) != nil {
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

func (r *stepRun) disconnect(ctx context.Context, st *DisconnectStep) error {
	cls, err := r.clientsOf(st.Clients)
	if err != nil {
		return err
	}
	mode := st.Mode
	if mode == "" {
		mode = "graceful"
	}
	for _, cl := range cls {
		cl.close(mode)
		r.forget(cl)
	}
	return nil
}
