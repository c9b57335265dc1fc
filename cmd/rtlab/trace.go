package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"rtlab/engineio"
	"rtlab/graders"
	"rtlab/socketio"
)

// traceCommand is `rtlab trace`; main lists it in newCommands.
func traceCommand() *command {
	return &command{name: "trace", summary: "watch a Socket.IO conversation packet by packet", usage: traceUsage, run: runTrace}
}

// traceUsage is what `rtlab trace --help` prints.
const traceUsage = `usage: rtlab trace URL [flags]

Connects to any Socket.IO v4 server and prints every packet in both
directions as it happens: the time since the start, the direction
(→ sent, ← received), the layer (eio for Engine.IO, sio for Socket.IO),
the bytes as they were on the wire, and what they mean.

Flags:
  --namespace NSP      the namespace to join (default /)
  --auth JSON          the CONNECT payload, e.g. '{"token":"abc"}'
  --transport T        websocket (default) or polling (which then upgrades
                       to websocket, as socket.io-client does)
  --no-upgrade         with --transport polling, stay on polling
  --emit EVENT=JSON    emit an event once connected (repeatable); the
                       JSON is its one argument
  --for DURATION       stop after this long (default: until Ctrl-C)

Examples:
  rtlab trace http://localhost:3000
  rtlab trace http://localhost:3000 --namespace /admin --auth '{"token":"…"}'
  rtlab trace http://localhost:3000 --transport polling --for 10s
  rtlab trace http://localhost:3000 --emit 'chat={"text":"hi"}'
`

// multiFlag collects a repeatable flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func runTrace(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet("trace")
	nsp := fs.String("namespace", "/", "")
	auth := fs.String("auth", "", "")
	transport := fs.String("transport", "websocket", "")
	noUpgrade := fs.Bool("no-upgrade", false, "")
	dur := fs.Duration("for", 0, "")
	var emits multiFlag
	fs.Var(&emits, "emit", "")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("give the server's URL, e.g. http://localhost:3000")
	}
	if err := checkServerURL("URL", pos[0], "http", "https", "ws", "wss"); err != nil {
		return err
	}
	if *transport != "websocket" && *transport != "polling" {
		return usagef("--transport is websocket or polling, not %q", *transport)
	}
	authVal, err := traceAuth(*auth)
	if err != nil {
		return err
	}
	toEmit, err := traceEmits(emits)
	if err != nil {
		return err
	}
	if *dur > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *dur)
		defer cancel()
	}

	tp := &tracePrinter{w: e.stdout, start: time.Now()}
	rec := socketio.NewRecorder()
	rec.OnRecord(tp.print)
	fmt.Fprintf(e.stdout, "tracing %s (namespace %s, %s) — Ctrl-C to stop\n", pos[0], *nsp, *transport)
	dialCtx, cancelDial := context.WithTimeout(ctx, 10*time.Second)
	defer cancelDial()
	c, err := socketio.Dial(dialCtx, pos[0], &socketio.ClientOptions{
		Transport: *transport, Upgrade: *transport == "polling" && !*noUpgrade, Recorder: rec,
	})
	if err != nil {
		return fmt.Errorf("cannot open a Socket.IO connection to %s: %w\nhint: is the server running, and is this its base URL (without /socket.io/)?", pos[0], err)
	}
	defer c.Close()
	s, err := c.Socket(dialCtx, *nsp, authVal)
	if err != nil {
		if ce, ok := err.(*socketio.ConnectError); ok {
			tp.note("the server refused namespace %s: %s", *nsp, ce.Message)
			return &exitError{1}
		}
		return fmt.Errorf("joining namespace %s: %w", *nsp, err)
	}
	s.OnDisconnect(func(r socketio.Reason) { tp.note("disconnected: %s", r) })
	for _, em := range toEmit {
		if err := s.Emit(em.event, em.arg); err != nil {
			return err
		}
	}
	select {
	case <-ctx.Done():
	case <-c.Done():
		tp.note("connection closed: %s", c.Reason())
	}
	return nil
}

// traceAuth is the auth payload of --auth, JSON (none: nil).
func traceAuth(auth string) (any, error) {
	if auth == "" {
		return nil, nil
	}
	var raw json.RawMessage
	if err := json.Unmarshal([]byte(auth), &raw); err != nil {
		return nil, usagef("--auth is not JSON: %v", err)
	}
	return raw, nil
}

// traceEmit is an event --emit sends once the namespace is joined.
type traceEmit struct {
	event string
	arg   json.RawMessage
}

// traceEmits parses the --emit flags, EVENT or EVENT=JSON (the argument
// defaults to {}).
func traceEmits(emits []string) ([]traceEmit, error) {
	var toEmit []traceEmit
	for _, s := range emits {
		ev, js, ok := strings.Cut(s, "=")
		if !ok {
			js = "{}"
		}
		if !json.Valid([]byte(js)) {
			return nil, usagef("--emit %s: %q is not JSON", ev, js)
		}
		toEmit = append(toEmit, traceEmit{ev, json.RawMessage(js)})
	}
	return toEmit, nil
}

// tracePrinter prints records as they come, one line each.
type tracePrinter struct {
	mu    sync.Mutex
	w     io.Writer
	start time.Time
}

func (tp *tracePrinter) note(format string, args ...any) {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	fmt.Fprintf(tp.w, "%8.3fs  %s\n", time.Since(tp.start).Seconds(), graders.Printable(fmt.Sprintf(format, args...)))
}

func (tp *tracePrinter) print(r socketio.Record) {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	arrow := "→"
	if r.Dir == engineio.In {
		arrow = "←"
	}
	layer, meaning := "eio", engineMeaning(r.Engine)
	switch {
	case r.Err != nil:
		layer, meaning = "sio", "NOT SOCKET.IO: "+r.Err.Error()
	case r.Packet != nil:
		layer, meaning = "sio", r.Packet.Describe()
	case r.Engine.Type == engineio.MessagePacket:
		layer, meaning = "sio", "(binary attachment)"
	}
	// What the server sent is shown escaped (graders.Printable): a trace
	// of a hostile server must not drive the terminal.
	fmt.Fprintf(tp.w, "%8.3fs %s %s %-9s %-40s %s\n", r.Time.Sub(tp.start).Seconds(), arrow, layer, r.Transport, showRaw(r.Raw, r.Binary), graders.Printable(meaning))
}

// engineMeaning names an Engine.IO packet that carries no Socket.IO packet.
func engineMeaning(p engineio.Packet) string {
	m := strings.ToUpper(p.Type.String())
	if len(p.Data) > 0 && !p.Binary {
		m += " " + string(p.Data)
	}
	return m
}

// showRaw prints wire bytes: text as a quoted string cut at 40 characters,
// binary as its length.
func showRaw(b []byte, binary bool) string {
	if binary || !utf8.Valid(b) {
		return fmt.Sprintf("<%d bytes binary>", len(b))
	}
	s := string(b)
	if len(s) > 38 {
		s = s[:35] + "…"
	}
	return fmt.Sprintf("%q", s)
}
