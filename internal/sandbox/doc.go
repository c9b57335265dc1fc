// Package sandbox runs one submission's untrusted server commands inside
// bubblewrap (bwrap) and lets the grader's clients reach them, and nothing
// else (../shared/spec/submissions.md, "The sandbox").
//
// # Design
//
// A Box is one submission. It owns a network namespace with loopback only,
// made by unsharing one locked OS thread of the grader (the box's starter)
// and bringing lo up there; every server of the box is started from that
// thread, so they share the namespace and reach each other on loopback.
// Each server is a bwrap with its own pid, ipc and uts namespaces, a
// read-only view of the system (/usr and the libraries, a few files of
// /etc, node's install folder), the submission read-only at /submission,
// private tmpfs for /tmp and HOME, and an environment cleared but for
// PATH, HOME, TMPDIR, PORT and what the caller gives (JWT_SECRET,
// RATE_LIMIT_WINDOW_MS). Inside, util-linux's prlimit sets the rlimits and
// setpriv drops to a uid of the box's own, with no capabilities and
// no_new_privs.
//
// The grader does not run in the box. Its clients reach a server through
// a loopback port on the grader's side whose every accepted connection is
// dialled again inside the box's namespace (setns on a locked OS thread
// that is then thrown away), and copied both ways, half-closes and resets
// included: the grader's probes, Chromium and nginx run unchanged, a
// server sees loopback clients in its own namespace, and nothing in the
// box reaches out, the grader's own loopback ports included. The design
// hint of re-executing rtlab inside the namespace was set aside: the page
// and answer graders are Go functions of the caller (submission.Options),
// which a re-executed process would not have, and this keeps one process
// and one Result without a wire format between them.
//
// # Processes
//
// RLIMIT_NPROC counts processes per uid and does not bind uid 0, so a fork
// bomb is held only when the box's processes have a uid no other process
// has: each Box draws one. The same uid finds every process of the box in
// /proc, wherever it went (a daemon that left its process group), which is
// how Close kills what is left and says so, and how the tests prove that
// nothing survives. bwrap ends its namespace as soon as its first process
// exits, which would hide a server that ignores SIGTERM; so the first
// process is a small supervisor that runs the student's line in a session
// of its own and stays until the box is empty. Stop sends SIGTERM to the
// line's process group and SIGKILL to everything after the grace period,
// as managed mode does, and notes what had to be killed.
//
// What a server tried and was denied shows in its output as an errno
// (ENETUNREACH, EROFS, EAGAIN); the box notes each kind once. A limit that
// ended a server (SIGXCPU, SIGXFSZ) is noted from its exit status.
//
// # Requirements
//
// Linux, bwrap, prlimit and setpriv, and root (or CAP_SYS_ADMIN and
// CAP_SETUID) to make and enter network namespaces and to switch uids, as
// in CI. Available says what is missing; elsewhere the caller refuses to
// run student code unless told to run it unsandboxed. The submission must
// be readable by others (a clone made with the usual umask is), since the
// box's uid is nobody's.
package sandbox
