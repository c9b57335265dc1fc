package graders

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"rtlab/graders/scenario"
)

// UnreachableError says the server could not be reached at all: the
// grader exits 2, since no check could say anything.
type UnreachableError struct {
	URL string
	Err error
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("cannot reach %s: %v (is the server running on that port?)", e.URL, e.Err)
}

func (e *UnreachableError) Unwrap() error { return e.Err }

// Run grades one exercise: its checks in file order, each with its own
// deadline, all clients closed before it returns. ctx is the global
// deadline: when it ends, the remaining checks fail with that reason.
func Run(ctx context.Context, sc *scenario.Scenario, opts *Options) *Report {
	o := opts.withDefaults()
	o.NamespacePrefix = strings.ReplaceAll(o.NamespacePrefix, "{exercise}", sc.Exercise)
	start := time.Now()
	rep := &Report{Exercise: sc.Exercise, Title: sc.Title, URL: o.URL}
	defer func() { rep.Duration = time.Since(start) }()
	base, err := url.Parse(o.URL)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		rep.Err = fmt.Errorf("bad --url %q: want http://host:port or https://host:port", o.URL)
		return rep
	}
	if err := reachable(ctx, base, o.Timeout); err != nil {
		rep.Err = &UnreachableError{URL: o.URL, Err: err}
		return rep
	}
	transport := &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: o.Timeout}).DialContext,
		TLSClientConfig:     &tls.Config{InsecureSkipVerify: true}, // reference servers use self-signed certificates
		MaxIdleConnsPerHost: 8,
	}
	defer transport.CloseIdleConnections()
	httpc := &http.Client{Transport: transport, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}

	// Closings that outlast their grace finish in the background; the run
	// waits for them, so no goroutine or connection survives it.
	var bg sync.WaitGroup
	defer bg.Wait()
	status := map[string]Status{}
	for _, c := range sc.Checks {
		var res CheckResult
		if skip := skipReason(c, status, &o); skip != "" {
			res = CheckResult{ID: c.ID, Name: c.Name, Status: Skip, Reason: skip}
		} else if ctx.Err() != nil {
			res = CheckResult{ID: c.ID, Name: c.Name, Status: Fail, Harness: true,
				Reason: "not run: the grader's overall deadline passed"}
		} else {
			res = runCheck(ctx, sc, c, &o, base, httpc, &bg)
		}
		status[c.ID] = res.Status
		rep.Checks = append(rep.Checks, res)
		if o.OnCheck != nil {
			o.OnCheck(sc.Exercise, res)
		}
	}
	return rep
}

func skipReason(c *scenario.Check, status map[string]Status, o *Options) string {
	for _, p := range c.Needs {
		if status[p] != Pass {
			return "needs " + p
		}
	}
	if c.NeedsCmd && o.Server == nil {
		return "needs --cmd"
	}
	return ""
}

// reachable dials the server's port once, so that a server that is not
// there gives one clear error instead of every check failing.
func reachable(ctx context.Context, base *url.URL, timeout time.Duration) error {
	host := base.Host
	if base.Port() == "" {
		if base.Scheme == "https" {
			host = net.JoinHostPort(base.Hostname(), "443")
		} else {
			host = net.JoinHostPort(base.Hostname(), "80")
		}
	}
	dctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	conn, err := (&net.Dialer{}).DialContext(dctx, "tcp", host)
	if err != nil {
		return err
	}
	defer conn.Close()
	if base.Scheme == "https" {
		// Finish a TLS handshake, so that the server does not log an
		// aborted one; a failure here is not "unreachable" (checks will say
		// more), so it is ignored.
		tc := tls.Client(conn, &tls.Config{InsecureSkipVerify: true, ServerName: base.Hostname()})
		_ = tc.HandshakeContext(dctx)
		return tc.Close()
	}
	return nil
}
