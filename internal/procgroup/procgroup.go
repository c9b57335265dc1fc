// Package procgroup runs a server command in its own process group and
// signals the whole group, so that what a shell started (sh -c 'node
// server.js') ends with it. Unix and Windows do this differently; the
// build-tagged files keep the difference out of the graders.
package procgroup

import "errors"

// ErrNoGracefulStop is returned by Signal on a platform that cannot deliver
// a graceful stop signal (SIGTERM, SIGQUIT) to a process: the caller kills
// it instead.
var ErrNoGracefulStop = errors.New("this platform has no graceful stop signal (SIGTERM): the process can only be killed")
