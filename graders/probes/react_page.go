package probes

import (
	"context"
	"errors"
	"fmt"
	"html"
	"strings"
	"testing/fstest"
	"time"

	"github.com/chromedp/chromedp"

	"rtlab/graders"
	"rtlab/reference"
)

// pageReact judges one check of a Q21 answer (clients.md, Q21):
// strict-mode, status, cleanup, remount, server-restart or server-kick
// (params.check). The first check runs the whole session (about 20 s);
// the others read its verdicts.
func pageReact(ctx context.Context, env *graders.ProbeEnv, params map[string]any) error {
	return judgePage(ctx, env, params, "q21", "page-react", runReact)
}

// startReactAnswer bundles the Q21 answer in file into the grader's
// harness page (reference.ReactAnswerPage) and serves it beside the Q21
// server. An answer that does not build is served as a page that says
// so, and every check fails with esbuild's words.
func startReactAnswer(file string, opts *PageOptions) (*PageHarness, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	page, err := reference.ReactAnswerPage(ctx, file)
	var be *reference.ReactAnswerBuildError
	if errors.As(err, &be) {
		return StartPage("q21", buildErrorPage(be), "index.html", opts)
	}
	if err != nil {
		return nil, err
	}
	return StartPage("q21", page, "index.html", opts)
}

// startReferenceReactAnswer serves the reference answer,
// reference/react/q21_react.jsx, as startReactAnswer serves a student's.
func startReferenceReactAnswer(opts *PageOptions) (*PageHarness, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	page, err := reference.ReactReferencePage(ctx)
	if err != nil {
		return nil, err
	}
	return StartPage("q21", page, "index.html", opts)
}

// buildErrorPage is the page of an answer esbuild rejected: it carries
// esbuild's message for the probe to report.
func buildErrorPage(be *reference.ReactAnswerBuildError) fstest.MapFS {
	msg := html.EscapeString(be.Error())
	return fstest.MapFS{"index.html": {Data: []byte(`<!doctype html><meta charset="utf-8"><title>Q21: the answer does not build</title>` +
		`<pre id="rtlab-build-error">` + msg + `</pre>` +
		`<script>window.__rtlab21 = {buildError: document.getElementById("rtlab-build-error").textContent};</script>`)}}
}

// Q21's windows (clients.md).
const (
	q21ConnectWithin = 5 * time.Second  // connected after load, and after a remount
	q21Settle        = time.Second      // after connected: count the sockets
	q21CleanupWithin = 2 * time.Second  // unmounted: no socket, no listener
	q21StopWithin    = 2 * time.Second  // server stopped: not connected
	q21DownFor       = 2 * time.Second  // the server stays down
	q21BackWithin    = 10 * time.Second // back: connected again
	q21KickWithin    = 2 * time.Second  // kicked: disconnected
)

var q21Checks = []string{"status", "strict-mode", "cleanup", "remount", "server-restart", "server-kick"}

// statusJS reads the component's #status data-status, null without one.
const statusJS = `(() => { const el = document.getElementById("status"); return el ? el.getAttribute("data-status") : null; })()`

// listenersJS counts what is left on the sockets the answer made and on
// their Managers: listeners (socket.io-client keeps them in _callbacks),
// and catch-all ones; with the events they listen to.
const listenersJS = `(() => {
  const r = window.__rtlab21 || { sockets: [] };
  const left = [];
  const count = (e, who) => {
    let n = 0;
    for (const [k, fns] of Object.entries(e._callbacks || {})) {
      if (fns.length) { n += fns.length; left.push(who + " " + k.replace(/^\$/, "") + (fns.length > 1 ? " ×" + fns.length : "")); }
    }
    const any = (e._anyListeners || []).length + (e._anyOutgoingListeners || []).length;
    if (any) { n += any; left.push(who + " onAny ×" + any); }
    return n;
  };
  let onSockets = 0, onManagers = 0;
  const managers = new Set();
  for (const s of r.sockets) { onSockets += count(s, "socket"); if (s.io) managers.add(s.io); }
  for (const m of managers) onManagers += count(m, "Manager");
  return { sockets: r.sockets.length, onSockets, onManagers, left };
})()`

type reactListeners struct {
	Sockets    int      `json:"sockets"`
	OnSockets  int      `json:"onSockets"`
	OnManagers int      `json:"onManagers"`
	Left       []string `json:"left"`
}

// runReact drives a Q21 answer: loaded (Strict Mode mounts it twice),
// unmounted and mounted again with #toggle, the server stopped and
// restarted on the same port, then made to kick the page's socket.
func runReact(ctx context.Context, h *PageHarness) *pageOutcome {
	t := newTrial(q21Checks...)
	if err := t.open(ctx, h, nil); err != nil {
		return t.fail(err)
	}
	defer t.close()
	for _, step := range []reactStep{reactLoaded, reactFirstMount, reactUnmount, reactRemount, reactServerGone} {
		next, err := step(ctx, t, h)
		if err != nil {
			return t.fail(err)
		}
		if !next {
			break
		}
	}
	return t.out
}

// reactStep is one step of a Q21 session: it gives its checks' verdicts
// and says whether the next step can run; an error is the grader's.
type reactStep func(ctx context.Context, t *pageTrial, h *PageHarness) (next bool, err error)

// reactLoaded: the answer was bundled and has a component to mount; if
// not, every check fails with why.
func reactLoaded(ctx context.Context, t *pageTrial, _ *PageHarness) (bool, error) {
	var loaded struct {
		BuildError   string `json:"buildError"`
		HasComponent bool   `json:"hasComponent"`
	}
	if err := t.s.Eval(ctx, `(() => { const r = window.__rtlab21 || {}; return { buildError: r.buildError || "", hasComponent: !!r.hasComponent }; })()`, &loaded); err != nil {
		return false, err
	}
	switch {
	case loaded.BuildError != "":
		t.failAll(&graders.Failure{Reason: "the grader could not bundle the answer with esbuild",
			Expected: "one ES module (JSX allowed) importing only react, react-dom, socket.io-client and files beside it",
			Actual:   loaded.BuildError})
		return false, nil
	case !loaded.HasComponent:
		t.failAll(&graders.Failure{Reason: "the answer has no default export the grader can mount",
			Expected: "export default function Component({ url }) { … }", Actual: t.s.Context(4)})
		return false, nil
	}
	return true, nil
}

// reactFirstMount judges status (connecting, then connected within 5 s)
// and strict-mode (1 s after connected, one socket on the server).
func reactFirstMount(ctx context.Context, t *pageTrial, h *PageHarness) (bool, error) {
	s, v := t.s, t.v
	v["status"] = reactStatus(ctx, s)
	if v["status"] != nil {
		return false, nil
	}
	if err := Wait(ctx, q21Settle); err != nil {
		return false, err
	}
	v["strict-mode"] = reactOneSocket(s, h, "1 s after the page showed connected (Strict Mode mounted the component twice)",
		"no cleanup returned from the effect: the first mount's socket stays open")
	return v["strict-mode"] == nil, nil
}

// reactUnmount judges cleanup: #toggle unmounts; within 2 s no socket,
// no listener.
func reactUnmount(ctx context.Context, t *pageTrial, h *PageHarness) (bool, error) {
	if err := t.s.act(ctx, chromedp.Click(chromedp.CSS("#toggle"))); err != nil {
		return false, err
	}
	f, err := reactCleanup(ctx, t.s, h)
	if err != nil {
		return false, err
	}
	t.v["cleanup"] = f
	return f == nil, nil
}

// reactRemount judges remount: #toggle again; connected, one socket.
func reactRemount(ctx context.Context, t *pageTrial, h *PageHarness) (bool, error) {
	s, v := t.s, t.v
	if err := s.act(ctx, chromedp.Click(chromedp.CSS("#toggle"))); err != nil {
		return false, err
	}
	v["remount"] = waitStatus(ctx, s, q21ConnectWithin, "connected", "the grader mounted the component again with #toggle")
	if v["remount"] == nil {
		if err := Wait(ctx, q21Settle); err != nil {
			return false, err
		}
		v["remount"] = reactOneSocket(s, h, "1 s after the component was mounted again", "")
	}
	return v["remount"] == nil, nil
}

// reactServerGone judges server-restart (stopped, not connected within
// 2 s; back 2 s later, connected within 10 s, one socket) and then
// server-kick (socket.disconnect() on the server: disconnected).
func reactServerGone(ctx context.Context, t *pageTrial, h *PageHarness) (bool, error) {
	s, v := t.s, t.v
	f, err := reactRestart(ctx, s, h)
	if err != nil {
		return false, err
	}
	v["server-restart"] = f
	if f != nil {
		v["server-kick"] = graders.Skipf("needs server-restart")
		return false, nil
	}
	if n := h.Hooks.Sockets.Kick(); n == 0 {
		v["server-kick"] = &graders.Failure{Reason: "the grader found no socket of the page to kick", Actual: s.Context(4)}
		return false, nil
	}
	v["server-kick"] = waitStatus(ctx, s, q21KickWithin, "disconnected",
		"the server called socket.disconnect() on the page's socket (socket.io does not reconnect after that)")
	return true, nil
}

// reactStatus: the first status shown is connecting, then connected
// within 5 s of the load.
func reactStatus(ctx context.Context, s *PageSession) error {
	if err := waitStatusUntil(ctx, s, s.Loaded.Add(q21ConnectWithin), "connected", "the grader loaded the page",
		fmt.Sprintf("within %g s of the load", q21ConnectWithin.Seconds())); err != nil {
		return err
	}
	var seen []struct {
		Status string `json:"status"`
	}
	if err := s.Eval(ctx, `window.__rtlab21.statuses`, &seen); err != nil {
		return err
	}
	var shown []string
	for _, st := range seen {
		if st.Status != "" {
			shown = append(shown, st.Status)
		}
	}
	if len(shown) == 0 || shown[0] != "connecting" {
		return &graders.Failure{Reason: "the page did not show connecting first",
			Expected: `data-status="connecting" until the socket connects, then "connected"`,
			Actual:   "statuses shown: " + strings.Join(shown, " → ")}
	}
	return nil
}

// waitStatus waits until #status has data-status want, for at most within.
func waitStatus(ctx context.Context, s *PageSession, within time.Duration, want, did string) error {
	return waitStatusUntil(ctx, s, time.Now().Add(within), want, did, fmt.Sprintf("within %g s", within.Seconds()))
}

// waitStatusUntil waits until #status has data-status want, until
// deadline; window words the deadline for the failure.
func waitStatusUntil(ctx context.Context, s *PageSession, deadline time.Time, want, did, window string) error {
	got, ok, err := pollStatus(ctx, s, time.Until(deadline), func(st *string) bool { return st != nil && *st == want })
	if err != nil || ok {
		return err
	}
	return &graders.Failure{Reason: fmt.Sprintf("%s, but #status did not show %s %s", did, want, window),
		Expected: fmt.Sprintf(`#status with data-status=%q`, want), Actual: describeStatus(got) + "; " + s.Context(3)}
}

// pollStatus reads data-status every 50 ms until cond accepts it, for at
// most within; it returns the last value read.
func pollStatus(ctx context.Context, s *PageSession, within time.Duration, cond func(*string) bool) (*string, bool, error) {
	deadline := time.Now().Add(within)
	for {
		var st *string
		if err := s.Eval(ctx, statusJS, &st); err != nil {
			return nil, false, err
		}
		if cond(st) {
			return st, true, nil
		}
		if time.Now().After(deadline) {
			return st, false, nil
		}
		if err := Wait(ctx, 50*time.Millisecond); err != nil {
			return st, false, err
		}
	}
}

func describeStatus(st *string) string {
	if st == nil {
		return "no element #status"
	}
	return fmt.Sprintf("data-status=%q", *st)
}

// reactOneSocket: exactly one socket of the page connected now.
func reactOneSocket(s *PageSession, h *PageHarness, when, likely string) error {
	n := connectedPageSockets(h)
	if n == 1 {
		return nil
	}
	reason := fmt.Sprintf("%s, the server had %d sockets of the page connected", when, n)
	if likely != "" && n > 1 {
		reason += ": " + likely
	}
	return &graders.Failure{Reason: reason, Expected: "exactly one",
		Actual: "sockets of the page: " + describeSockets(pageSockets(h), s.Opened)}
}

// reactCleanup: within 2 s of the unmount, no socket of the page on the
// server and no listener left on its sockets and Managers.
func reactCleanup(ctx context.Context, s *PageSession, h *PageHarness) (error, error) {
	deadline := time.Now().Add(q21CleanupWithin)
	var l reactListeners
	for {
		if err := s.Eval(ctx, listenersJS, &l); err != nil {
			return nil, err
		}
		n := connectedPageSockets(h)
		if n == 0 && l.OnSockets+l.OnManagers == 0 {
			return nil, nil
		}
		if time.Now().After(deadline) {
			if n > 0 {
				return &graders.Failure{Reason: fmt.Sprintf("the grader unmounted the component with #toggle; 2 s later the server still had %d sockets of the page connected", n),
					Expected: "the effect's cleanup calls socket.disconnect()",
					Actual:   "sockets of the page: " + describeSockets(pageSockets(h), s.Opened)}, nil
			}
			return &graders.Failure{Reason: fmt.Sprintf("the grader unmounted the component with #toggle; %d listeners are left on its sockets and %d on their Managers", l.OnSockets, l.OnManagers),
				Expected: "the cleanup removes every listener it added (socket.off, socket.io.off) before disconnect()",
				Actual:   "left: " + strings.Join(l.Left, ", ")}, nil
		}
		if err := Wait(ctx, 50*time.Millisecond); err != nil {
			return nil, err
		}
	}
}

// reactRestart stops the server, checks the page stops showing
// connected, starts it again on the same port 2 s later, and checks the
// page comes back on one socket.
func reactRestart(ctx context.Context, s *PageSession, h *PageHarness) (error, error) {
	addr := h.ref.Addr
	if err := h.ref.Close(); err != nil {
		return nil, fmt.Errorf("stopping the Q21 server: %w", err)
	}
	stopped := time.Now()
	got, ok, err := pollStatus(ctx, s, q21StopWithin, func(st *string) bool { return st == nil || *st != "connected" })
	if err != nil {
		return nil, err
	}
	var verdict error
	if !ok {
		verdict = &graders.Failure{Reason: "the grader stopped the server, but the page still showed connected 2 s later",
			Expected: `data-status="reconnecting" (socket.io retries by itself)`, Actual: describeStatus(got)}
	}
	if err := Wait(ctx, time.Until(stopped.Add(q21DownFor))); err != nil {
		return nil, err
	}
	ref, err := reference.Start(h.Exercise, &reference.Options{Addr: addr, Variant: h.variant, Hooks: h.Hooks, Public: h.public, Wrap: h.record})
	if err != nil {
		return nil, fmt.Errorf("restarting the Q21 server on %s: %w", addr, err)
	}
	h.ref = ref
	if verdict != nil {
		return verdict, nil
	}
	if f := waitStatus(ctx, s, q21BackWithin, "connected", "the grader restarted the server on the same port after 2 s"); f != nil {
		return f, nil
	}
	if err := Wait(ctx, q21Settle); err != nil {
		return nil, err
	}
	// A second socket may still be waiting out socket.io's backoff: count
	// the page's live ones (connected, or retrying by themselves) too.
	var live int
	if err := s.Eval(ctx, `(window.__rtlab21 || {sockets: []}).sockets.filter((k) => k.active).length`, &live); err != nil {
		return nil, err
	}
	if live > 1 {
		return &graders.Failure{Reason: fmt.Sprintf("1 s after the page reconnected to the restarted server it had %d live sockets (connected or retrying): a new io() on disconnect, beside the socket that reconnects by itself", live),
			Expected: "exactly one", Actual: "sockets of the page on the server: " + describeSockets(pageSockets(h), s.Opened)}, nil
	}
	return reactOneSocket(s, h, "1 s after the page reconnected to the restarted server", "a new io() on disconnect, beside the socket that reconnects by itself"), nil
}
