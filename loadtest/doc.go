// Package loadtest drives many simulated Socket.IO clients against one
// server and measures how it holds up: connect latency and memory per idle
// connection, broadcast deliveries per second and delivery latency, echo
// acknowledgements per second and their latency.
//
// Load tools that speak no Socket.IO (k6) or that drive the browser client
// (Artillery) either cannot talk to a student's server or cannot hold
// thousands of clients on a small machine. This package speaks the wire
// protocol itself: over WebSocket each simulated client is a TCP connection,
// a 512-byte read buffer and one goroutine that parses only the packets its
// mode cares about, so that ten thousand of them fit in one process. An
// echo round trip costs the client one write and one read system call
// (wsClient.sendAndWait, on Unix): net.Conn would add a read that finds the
// socket still empty, and on a VM system calls are most of what an ack
// costs.
// Over HTTP long-polling it uses the socketio package's client, which is
// heavier but complete.
//
// The pipeline is one way, as in package bench: Run produces a *Result;
// Compare runs the same loads against several servers, each in its own
// process, and produces a *Comparison; WriteResult and WriteComparison
// render them as JSON, text and charts.
//
// The server under test must implement the fixture of the load modes (the
// "loadtest" exercise of package reference, or testdata/node/loadtest-server.js):
// "echo" acknowledges its arguments; "bcast" {"n","size"} sends "tick"
// {"seq","t","pad"} to every client n times, t in epoch milliseconds, then
// acknowledges {"sent","ms"}.
package loadtest
