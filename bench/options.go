package bench

import (
	"fmt"
	"time"

	"rtlab/internal/defaults"
)

// Options configures a Run. A nil *Options means every default; each field's
// zero value means its default, so callers set only what they change.
type Options struct {
	// Users is the number of simulated users per transport.
	// Default 1000 (the Q12 load).
	Users int

	// Interval is the time between two updates to the same user.
	// Default 1s (Q12: "an update every second").
	Interval time.Duration

	// Warmup runs the load before the measured window starts, so that
	// connection set-up and the first requests stay out of the counts.
	// Default 2s.
	Warmup time.Duration

	// Window is the measured window. Counts are reported per minute whatever
	// its length. Default 20s.
	Window time.Duration

	// Drain bounds the wait, after the window, for updates sent inside it to
	// arrive. Default Interval + 2s.
	Drain time.Duration

	// Payload is the size in bytes of one update, the same for every
	// transport: an 8-digit sequence number padded with filler. Minimum and
	// default 8, so that a WebSocket frame costs the exercise's 10 B (2 B of
	// header plus 8 B of payload).
	Payload int

	// Transports lists the transports to run, by name (see TransportNames).
	// Default DefaultTransports.
	Transports []string

	// MinimalHeaders makes HTTP clients send only the headers Go's client
	// sends by itself. By default they send the headers of a browser's fetch
	// (user agent, client hints, cookies, fetch metadata), so requests have
	// a realistic size, near the exercise's 800 B per exchange.
	MinimalHeaders bool

	// ConnectTimeout bounds how long all users may take to connect.
	// Default 30s.
	ConnectTimeout time.Duration

	// Progress, when set, receives progress events about every 250 ms.
	// Default none.
	Progress func(ProgressEvent)
}

// ProgressEvent reports how far a transport's run is.
type ProgressEvent struct {
	Transport string
	Phase     Phase
	// Elapsed and Total cover warm-up plus window.
	Elapsed, Total time.Duration
	// Delivered counts updates delivered so far in this transport's run.
	Delivered int64
	// Done is set on the last event of a transport.
	Done bool
	// Err is set when the transport failed.
	Err error
}

// Phase names where a transport's run is.
type Phase string

// The phases of a transport's run, in order.
const (
	PhaseConnect Phase = "connect"
	PhaseWarmup  Phase = "warm-up"
	PhaseWindow  Phase = "measure"
	PhaseDrain   Phase = "drain"
	PhaseDone    Phase = "done"
)

// withDefaults returns a copy of o with every zero field set to its default.
func (o *Options) withDefaults() Options {
	r := defaults.Copy(o)
	defaults.Positive(&r.Users, 1000)
	defaults.Positive(&r.Interval, time.Second)
	defaults.Positive(&r.Warmup, 2*time.Second)
	defaults.Positive(&r.Window, 20*time.Second)
	defaults.Positive(&r.Drain, r.Interval+2*time.Second)
	if r.Payload < minPayload {
		r.Payload = minPayload
	}
	if len(r.Transports) == 0 {
		r.Transports = append([]string(nil), DefaultTransports...)
	}
	defaults.Positive(&r.ConnectTimeout, 30*time.Second)
	return r
}

func (o *Options) validate() error {
	for _, n := range o.Transports {
		if lookupTransport(n) == nil {
			return &UnknownTransportError{Name: n}
		}
	}
	if o.Users > 20000 {
		return fmt.Errorf("bench: %d users is more than this harness supports (20000)", o.Users)
	}
	return nil
}
