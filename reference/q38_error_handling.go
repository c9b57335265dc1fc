package reference

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"sync/atomic"
	"time"

	"rtlab/socketio"
)

func init() { registerFaults("q38", q38Variants, newQ38) }

type q38Faults struct {
	stackInAck   bool // the ack's message carries the error and its stack trace
	stackField   bool // the message is friendly, but the ack has a "stack" field beside it
	stackArg     bool // the ack is right, but a second ack argument carries the stack
	noAckOnAsync bool // only panics are caught: an error from the async work is never answered
	crashOnThrow bool // no wrapper: a panic takes the whole server down (every socket gone, no ack)
	busyStuck    bool // a per-socket "busy" flag is not reset when the handler fails
	noLogContext bool // the log line has the error only, not who, which event, what payload
}

var q38Variants = map[string]q38Faults{
	"stack-in-ack":     {stackInAck: true},
	"stack-field":      {stackField: true},
	"stack-second-arg": {stackArg: true},
	"no-ack-on-async":  {noAckOnAsync: true},
	"crash-on-throw":   {crashOnThrow: true},
	"busy-flag-stuck":  {busyStuck: true},
	"no-log-context":   {noLogContext: true},
}

// friendlyMessage is what a user reads when a handler fails: what went
// wrong in their words and what to do, never the internals.
const friendlyMessage = "Sorry, something went wrong while doing that. Please try again in a moment."

// handlerFunc is an event handler that may fail. It returns the fields of
// the ok answer, or an error; a panic counts as an error too.
type handlerFunc func(ctx context.Context, s *socketio.Socket, e *socketio.Event) (map[string]any, error)

// errorWrapper turns a handlerFunc into a socket.io handler that cannot
// take the server down: it is the Go form of the async wrapper a Node.js
// server puts around `async (payload, ack) => {…}` handlers. A panic (a
// thrown exception) and a returned error (a rejected promise) end the same
// way: the client gets {"status":"error","message"} with a friendly
// message, the full error goes to the log with the user id, the event and
// the payload, and the socket and the server go on.
type errorWrapper struct {
	log     *slog.Logger
	timeout time.Duration // bounds a handler's work
	f       q38Faults
}

func (w *errorWrapper) wrap(s *socketio.Socket, h handlerFunc) func(*socketio.Event) {
	return func(e *socketio.Event) {
		ctx, cancel := context.WithTimeout(context.Background(), w.timeout)
		defer cancel()
		fields, err := w.call(ctx, s, e, h)
		if err == nil {
			ackOK(e, fields)
			return
		}
		var p *panicError
		isPanic := errors.As(err, &p)
		if w.f.noAckOnAsync && !isPanic {
			return // the rejection nobody awaited
		}
		w.logFailure(s, e, err)
		msg := friendlyMessage
		if w.f.stackInAck {
			msg = err.Error()
			if p != nil {
				msg += "\n" + p.stack
			}
		}
		if (w.f.stackField || w.f.stackArg) && e.HasAck() {
			// {status, message: err.message, stack: err.stack}, or
			// ack(answer, err.stack): the message alone looks clean.
			stack := string(debug.Stack())
			if p != nil {
				stack = p.stack
			}
			answer := map[string]any{"status": "error", "message": msg}
			if w.f.stackArg {
				e.Ack(answer, stack)
				return
			}
			answer["stack"] = stack
			e.Ack(answer)
			return
		}
		ackError(e, msg)
	}
}

// panicError is a recovered panic with the stack where it happened, kept
// for the log (and, in the stack-in-ack variant, leaked to the client).
type panicError struct {
	value any
	stack string
}

func (p *panicError) Error() string { return fmt.Sprintf("panic: %v", p.value) }

// call runs h, turning a panic into a *panicError.
func (w *errorWrapper) call(ctx context.Context, s *socketio.Socket, e *socketio.Event, h handlerFunc) (fields map[string]any, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &panicError{value: v, stack: string(debug.Stack())}
		}
	}()
	return h(ctx, s, e)
}

// logFailure writes one JSON line: who (auth.userId), which event, what
// payload, and the error with its stack; enough to reproduce the failure.
func (w *errorWrapper) logFailure(s *socketio.Socket, e *socketio.Event, err error) {
	if w.f.noLogContext {
		w.log.Error("handler failed", "error", err.Error())
		return
	}
	var payload any = json.RawMessage("null")
	if len(e.Args) > 0 && json.Valid(e.Args[0]) {
		payload = json.RawMessage(e.Args[0])
	}
	attrs := []any{"userId", userIDOf(s), "event", e.Name, "payload", payload, "error", err.Error()}
	var p *panicError
	if errors.As(err, &p) {
		attrs = append(attrs, "stack", p.stack)
	}
	w.log.Error("handler failed", attrs...)
}

// userIDOf reads handshake.auth.userId; "anonymous" when absent.
func userIDOf(s *socketio.Socket) string {
	var a struct {
		UserID any `json:"userId"`
	}
	json.Unmarshal(s.Handshake().Auth, &a)
	switch v := a.UserID.(type) {
	case string:
		if v != "" {
			return v
		}
	case float64:
		return fmt.Sprint(v)
	}
	return "anonymous"
}

// riskyOp does what its action says: "ok" succeeds, "throw" panics (a
// bug in synchronous code), "reject" fails in asynchronous work (a
// rejected promise: the error comes back from another goroutine).
func riskyOp(ctx context.Context, s *socketio.Socket, e *socketio.Event) (map[string]any, error) {
	var p struct {
		Action string `json:"action"`
	}
	if !objectArg(e, &p) {
		return nil, errors.New("risky-op: the payload is not an object")
	}
	switch p.Action {
	case "ok":
		return nil, nil
	case "throw":
		var m map[string]int
		m["boom"]++ // a nil map write: the kind of bug that throws
		return nil, nil
	case "reject":
		done := make(chan error, 1)
		go func() { done <- errors.New("risky-op: the remote service refused the request") }()
		select {
		case err := <-done:
			return nil, err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return nil, fmt.Errorf("risky-op: unknown action %q", p.Action)
}

// newQ38 serves risky-op through errorWrapper: every failure becomes a
// friendly error ack and a log line, and the socket keeps working.
func newQ38(o Options, f q38Faults) (Server, error) {
	w := &errorWrapper{log: jsonLogger(o.Log), timeout: 5 * time.Second, f: f}
	srv, io := ioServer(o)
	nsp := io.Of("/")
	nsp.OnConnect(func(s *socketio.Socket) {
		h := handlerFunc(riskyOp)
		if f.busyStuck {
			var busy atomic.Bool
			inner := h
			h = func(ctx context.Context, s *socketio.Socket, e *socketio.Event) (map[string]any, error) {
				if busy.Load() {
					return nil, errors.New("busy: a previous risky-op is still running")
				}
				busy.Store(true)
				fields, err := inner(ctx, s, e)
				if err != nil {
					return nil, err // returns before the reset: the flag stays set
				}
				busy.Store(false)
				return fields, nil
			}
		}
		if f.crashOnThrow {
			s.On("risky-op", func(e *socketio.Event) {
				ctx, cancel := context.WithTimeout(context.Background(), w.timeout)
				defer cancel()
				if _, err := w.call(ctx, s, e, h); err != nil {
					var p *panicError
					if errors.As(err, &p) {
						// What an uncaught exception does to a Node.js process:
						// every client is cut off, nobody gets an answer.
						for _, other := range nsp.Sockets() {
							other.Disconnect(true)
						}
						return
					}
					ackError(e, friendlyMessage)
					return
				}
				ackOK(e, nil)
			})
			return
		}
		s.On("risky-op", w.wrap(s, h))
	})
	return srv, nil
}

// jsonLogger writes JSON lines to w, the form log collectors read.
func jsonLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, nil))
}
