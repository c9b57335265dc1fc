package graders

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"rtlab/graders/scenario"
	"rtlab/socketio"
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

func (r *stepRun) connect(ctx context.Context, st *scenario.ConnectStep) error {
	ns := r.namespace(st.Namespace)
	auth, err := r.expand(st.Auth)
	if err != nil {
		return err
	}
	auth = scenario.Normalize(auth)
	hdr, err := r.stringMap(st.Headers)
	if err != nil {
		return err
	}
	qry, err := r.stringMap(st.Query)
	if err != nil {
		return err
	}
	do := &dialOptions{Transport: r.opts.Transport, Header: http.Header{}, Query: url.Values{}}
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

func (r *stepRun) connectOne(ctx context.Context, name, ns string, auth any, do *dialOptions, via string, timeout time.Duration, expectErr any) error {
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
		conn, err := dialSocketIO(dctx, r.base.String(), do)
		if err != nil {
			return &Failure{
				Reason:   fmt.Sprintf("client %s could not open a Socket.IO connection (%s transport) within %s", name, do.Transport, timeout),
				Expected: "a Socket.IO v4 server at " + r.base.String() + "/socket.io/",
				Actual:   scenario.Shorten(err.Error(), 400),
			}
		}
		cl.conn, cl.owner = conn, true
	}
	r.adopt(cl) // from here on, cleanup closes it
	sock, err := ConnectSocket(dctx, cl.conn, ns, auth, cl.inbox.Add, cl.inbox.GoneText)
	var refused *socketio.ConnectError
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
				Expected: "connect_error" + matcherSuffix(expectErr), Actual: scenario.Shorten(err.Error(), 400)}
		}
		if b, ok := expectErr.(bool); ok && b {
			cl.close("graceful")
			r.forget(cl)
			return nil
		}
		got := map[string]any{"message": refused.Message}
		if d, ok := refused.Data.(json.RawMessage); ok && len(d) > 0 {
			if v, e := scenario.DecodeJSON(d); e == nil {
				got["data"] = v
			}
		}
		caps := map[string]any{}
		if m := scenario.Match(scenario.Normalize(expectErr), got, caps); m != nil {
			return &Failure{Reason: fmt.Sprintf("client %s was refused by %s, but not with the expected connect_error", name, where),
				Expected: scenario.Describe(expectErr), Actual: scenario.Describe(got) + " (" + m.String() + ")"}
		}
		r.vars.merge(caps)
		cl.close("graceful")
		r.forget(cl)
		return nil
	}
	if err != nil {
		if refused != nil {
			return &Failure{Reason: fmt.Sprintf("client %s was refused by %s", name, where),
				Expected: "a successful connection", Actual: RefusalText(refused)}
		}
		return &Failure{Reason: fmt.Sprintf("client %s could not join %s within %s", name, where, timeout),
			Expected: "the CONNECT packet answered", Actual: scenario.Shorten(err.Error(), 400)}
	}
	cl.sock = sock
	r.vars.set(name+".id", sock.ID())
	return nil
}

func matcherSuffix(m any) string {
	if b, ok := m.(bool); ok && b {
		return ""
	}
	return " " + scenario.Describe(m)
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
			dropConn(c.conn)
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
			dropConn(c.conn)
			<-done
		}()
	}
}

// closeGrace bounds a graceful close.
const closeGrace = time.Second

func (r *stepRun) disconnect(ctx context.Context, st *scenario.DisconnectStep) error {
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
