// Package graders is the scenario engine behind `rtlab grade`: it runs a
// scenario's checks against a server's URL with simulated clients, and
// reports each check as a sentence with a verdict.
//
// It is the middle of three layers: graders/scenario is the language
// (types, parse, validate, match; no network), graders the engine (runner,
// steps, variables, results, report writers), graders/probes the Go checks
// a scenario calls by name, registered by the program that runs the engine
// (rtlab: probes.Register). The engine grades one target; it knows no
// exercise, no probe and no class.
//
// The data flows one way:
//
//	scenario file ──scenario.Parse──▶ *scenario.Scenario (checks made of steps)
//	        │
//	        ▼  Run(ctx, scenario, *Options): one check after another
//	clients, HTTP requests, SSE streams, log lines, probes ──▶ []CheckResult
//	        │
//	        ▼
//	WriteText / WriteJSON / WriteJUnit / WriteMarkdown read the one Report type
//
// A check passes, fails with what was expected, what arrived, the last
// events the client received and a hint, or is skipped with the reason
// ("needs two-clients", "needs --cmd"). Failures that are the grader's or
// the scenario's fault (an unknown variable, a panic) are marked Harness,
// apart from the student's.
//
// Every wait has a deadline: each step (--timeout, 2s by default), each
// check (15s unless the scenario says), and the run's context. A server
// that hangs, floods, sends garbage or vanishes yields failing checks, and
// Run returns with every client and goroutine it started gone.
//
// The scenario format is documented in scenarios/README.md. Behaviour that
// steps cannot express is a probe: a Go function added to a Probes set
// (Options.Probes) and called from a scenario by name. A probe gets all it
// may use in its *ProbeEnv: the URL, the HTTP client, DialSocket (the one
// Socket.IO client, socketio.Client, as the steps use it), the managed
// server, the nginx rtlab runs.
//
// Managed mode (StartProcess) runs a student's server with PORT,
// JWT_SECRET and RATE_LIMIT_WINDOW_MS in its environment, captures its
// output for log steps, and stops it with SIGTERM, then SIGKILL after a
// grace period.
package graders
