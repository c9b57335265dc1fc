package loadtest

import (
	"fmt"
	"time"

	"rtlab/internal/defaults"
)

// The load modes.
const (
	// ModeIdle opens the clients at the ramp rate and holds them, answering
	// heartbeats: connect latency, failures, memory per connection.
	ModeIdle = "idle"
	// ModeBroadcast connects the clients, then one more client asks the
	// server to broadcast: deliveries per second, delivery latency, losses.
	ModeBroadcast = "broadcast"
	// ModeEcho makes every client emit "echo" with an ack in a loop: acks
	// per second and ack latency.
	ModeEcho = "echo"
)

// Modes lists the load modes.
var Modes = []string{ModeIdle, ModeBroadcast, ModeEcho}

// Options configures Run. A nil *Options gives the defaults.
type Options struct {
	// Mode is ModeIdle, ModeBroadcast or ModeEcho. Default ModeIdle.
	Mode string
	// Clients is the number of simulated clients (the broadcast's emitter
	// not counted). Default 100.
	Clients int
	// Ramp is how many clients start connecting per second. Default 1000.
	Ramp float64
	// Duration is how long idle clients are held once all are connected,
	// and how long echo clients emit. Default 20s.
	Duration time.Duration
	// Messages is the number of ticks the broadcast asks for. Default 200.
	Messages int
	// Size is the size of a tick's pad and of an echo's payload, in
	// characters. Default 100.
	Size int
	// Transport is "websocket" (default) or "polling". Polling clients
	// use package socketio's client and cost far more memory each.
	Transport string
	// Path is the server's Socket.IO path. Default "/socket.io/", or the
	// URL's path when it has one.
	Path string
	// PID, when set, is the server's process id: its resident memory is
	// read from /proc before and after the clients connect.
	PID int
	// ConnectTimeout bounds each client's connection and namespace join.
	// Default 10s.
	ConnectTimeout time.Duration
	// DrainTimeout is how long a broadcast waits for its last deliveries
	// once none has arrived for a while. Default 10s without progress.
	DrainTimeout time.Duration
	// Progress, when set, is called a few times a second with the state of
	// the run.
	Progress func(ProgressEvent)
}

// ProgressEvent is the state of a run, for progress bars.
type ProgressEvent struct {
	Mode      string
	Phase     string // "connect", "run", "drain", "close", "done"
	Connected int64
	Failed    int64
	Clients   int
	Done      int64 // deliveries or acks so far
	Total     int64 // deliveries expected (broadcast), 0 when open-ended
	Elapsed   time.Duration
	Finished  bool
}

func (o *Options) withDefaults() (Options, error) {
	out := defaults.Copy(o)
	defaults.Zero(&out.Mode, ModeIdle)
	defaults.Zero(&out.Clients, 100)
	defaults.Zero(&out.Ramp, 1000)
	defaults.Zero(&out.Duration, 20*time.Second)
	defaults.Zero(&out.Messages, 200)
	defaults.Zero(&out.Size, 100)
	defaults.Zero(&out.Transport, "websocket")
	defaults.Zero(&out.ConnectTimeout, 10*time.Second)
	defaults.Zero(&out.DrainTimeout, 10*time.Second)
	switch {
	case out.Mode != ModeIdle && out.Mode != ModeBroadcast && out.Mode != ModeEcho:
		return out, fmt.Errorf("loadtest: unknown mode %q (want idle, broadcast or echo)", out.Mode)
	case out.Transport != "websocket" && out.Transport != "polling":
		return out, fmt.Errorf("loadtest: unknown transport %q (want websocket or polling)", out.Transport)
	case out.Clients < 0 || out.Ramp < 0 || out.Duration < 0 || out.Messages < 0 || out.Size < 0:
		return out, fmt.Errorf("loadtest: clients, ramp, duration, messages and size must be positive")
	}
	return out, nil
}
