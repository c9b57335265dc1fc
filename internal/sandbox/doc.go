// Package sandbox runs one submission's untrusted server commands inside
// bubblewrap (bwrap) and lets the grader's clients reach them, and nothing
// else (../shared/spec/submissions.md, "The sandbox").
//
// # Design
//
// Each Box is one submission: a network namespace with loopback only, a
// read-only view of the system, the submission read-only at /submission,
// private tmpfs for /tmp and HOME, and rlimits. The servers run in it; the
// grader does not. The grader's clients reach a server through a loopback
// port on the grader's side whose every accepted connection is dialled
// again inside the box's network namespace (setns on a locked OS thread,
// then connect to 127.0.0.1:PORT there): the grader's probes, Chromium and
// nginx keep running unchanged in the grader's process, and what the
// student's server sees is a loopback client in its own namespace. Nothing
// in the box can reach out: its namespace has no interface but lo, and the
// grader's port lives in another namespace.
//
// The design hint of re-executing rtlab itself inside the namespace was
// set aside: the page and answer graders are Go functions of the caller
// (submission.Options), which a re-executed process would not have, and a
// per-connection setns keeps one process, one Result, no wire format.
//
// Each server is its own bwrap (--unshare-net for the first, joining the
// first one's namespace is not possible with bwrap, so a Box with several
// servers gives each its own namespace and port; they cannot talk to each
// other, which the contract does not ask for). Inside, util-linux's prlimit
// sets the rlimits and setpriv drops to a uid of the Box's own (no
// capabilities, no_new_privs): RLIMIT_NPROC counts per uid and does not
// bind uid 0, so a fork bomb is held only when the submission's processes
// have a uid no other process on the machine has. The same uid finds every
// process of the submission in /proc at the end, wherever it went (a
// daemon that left the process group included), and lets the tests prove
// that none survives.
//
// # Requirements
//
// Linux, bwrap, prlimit and setpriv, and the privilege to enter another
// network namespace and to switch uids (root, as in CI). Available says
// what is missing; elsewhere the caller refuses to run student code unless
// told to run it unsandboxed.
package sandbox
