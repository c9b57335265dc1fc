package graders

import (
	"time"

	"rtlab/internal/defaults"
)

// Options configure a grading run. A nil *Options means the defaults.
type Options struct {
	// URL is the server's base URL (http://, https://). Required.
	URL string
	// Timeout is how long an expected event may take. Default 2s, the
	// contract's --timeout.
	Timeout time.Duration
	// QuietPeriod is how long "must not receive" listens. Default 300ms.
	QuietPeriod time.Duration
	// CheckTimeout bounds a check that sets no timeout. Default 15s.
	CheckTimeout time.Duration
	// Settle is the pause after a check that opened clients, so that the
	// server has seen them leave before the next check. Default 100ms.
	Settle time.Duration
	// Transport is websocket (default) or polling.
	Transport string
	// NamespacePrefix goes in front of every namespace ("/q17" makes "/"
	// into "/q17" and "/admin" into "/q17/admin"). "{exercise}" in it is
	// replaced by the exercise id. Default none.
	NamespacePrefix string
	// JWTSecret signs minted tokens. Default "rtlab-dev-secret".
	JWTSecret string
	// Server is the managed server started by --cmd, whose logs log steps
	// read. Nil means checks that need --cmd are skipped.
	Server *Process
	// Nginx describes the nginx rtlab started at URL (Q8) for the probes
	// that read its configuration. Default nil: the server at URL is not
	// one rtlab started.
	Nginx *Nginx
	// Harness is what rtlab runs at URL to grade a browser page
	// (clients.md): the page and the hooked reference server behind it,
	// which the page's probes steer. Its type is the probes' own (package
	// probes' *PageHarness); the engine only hands it on. Default nil:
	// the target is a server.
	Harness any
	// Probes are the probes probe steps may call. Default none: a probe
	// step then fails as a scenario error (unknown probe).
	Probes *Probes
	// OnCheck is called after each check (for progress bars). It must not
	// block for long.
	OnCheck func(exercise string, r CheckResult)
}

func (o *Options) withDefaults() Options {
	out := defaults.Copy(o)
	defaults.Positive(&out.Timeout, 2*time.Second)
	defaults.Positive(&out.QuietPeriod, 300*time.Millisecond)
	defaults.Positive(&out.CheckTimeout, 15*time.Second)
	defaults.Positive(&out.Settle, 100*time.Millisecond)
	defaults.Zero(&out.Transport, "websocket")
	defaults.Zero(&out.JWTSecret, "rtlab-dev-secret")
	return out
}
