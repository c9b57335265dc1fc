package socketio

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"
)

// Inbox is the log of the events a ClientSocket received, read the way a
// test reads a conversation: Next waits for the first event after a cursor
// that a predicate accepts and moves the cursor past it, so that a second
// "expect" looks only at what came later; Pending, All and Count look back
// without moving it. Install it with sock.OnAny(inbox.Add) and
// sock.OnDisconnect(inbox.Gone) before Connect, so that an event the server
// sends as it accepts the socket is logged too.
//
// The log is bounded (InboxOptions.Max): a server that floods keeps the
// first events and the newest, and Total still counts them all. Safe for
// concurrent use.
type Inbox struct {
	opts  InboxOptions
	start time.Time

	mu      sync.Mutex
	events  []InboxEvent
	cursor  int
	changed chan struct{} // closed and replaced whenever events or gone change
	gone    string        // why the socket left, "" while connected
	total   int
}

// InboxOptions configure an Inbox. A nil *InboxOptions means the defaults.
type InboxOptions struct {
	// Max bounds the events kept. Default 10000.
	Max int
	// Decode turns an event's first argument into InboxEvent.Data. Default
	// json.Unmarshal into an any; an argument that does not decode leaves
	// Data nil.
	Decode func([]byte) (any, error)
}

// InboxEvent is one event as an Inbox logged it.
type InboxEvent struct {
	Name string
	Args []json.RawMessage
	// Data is the first argument decoded (InboxOptions.Decode); HasData is
	// false when the event had no argument or it did not decode.
	Data    any
	HasData bool
	// At is when it arrived, from the Inbox's creation.
	At time.Duration
}

// String shows the event as reports quote it: its name, its arguments
// (each cut after 160 bytes, marked …) and when it arrived.
func (e InboxEvent) String() string {
	parts := make([]string, 0, len(e.Args))
	for _, a := range e.Args {
		s := string(a)
		if len(s) > 160 {
			s = s[:160] + "…"
		}
		parts = append(parts, s)
	}
	return fmt.Sprintf("%s %s (+%dms)", e.Name, strings.Join(parts, ", "), e.At.Milliseconds())
}

// NewInbox returns an empty inbox; its clock (InboxEvent.At) starts now.
func NewInbox(o *InboxOptions) *Inbox {
	var opts InboxOptions
	if o != nil {
		opts = *o
	}
	if opts.Max <= 0 {
		opts.Max = 10000
	}
	if opts.Decode == nil {
		opts.Decode = func(raw []byte) (any, error) {
			var v any
			err := json.Unmarshal(raw, &v)
			return v, err
		}
	}
	return &Inbox{opts: opts, start: time.Now(), changed: make(chan struct{})}
}

// Add logs an event; it is an OnAny handler.
func (in *Inbox) Add(e *Event) {
	ev := InboxEvent{Name: e.Name, Args: e.Args}
	if len(e.Args) > 0 {
		if v, err := in.opts.Decode(e.Args[0]); err == nil {
			ev.Data, ev.HasData = v, true
		}
	}
	in.mu.Lock()
	ev.At = time.Since(in.start)
	in.total++
	if len(in.events) < in.opts.Max {
		in.events = append(in.events, ev)
	} else {
		// A flood: memory stays bounded and the newest event visible.
		in.events[len(in.events)-1] = ev
	}
	in.signalLocked()
	in.mu.Unlock()
}

// Gone logs that the socket left and why (the first reason given wins);
// it is an OnDisconnect handler.
func (in *Inbox) Gone(r Reason) { in.GoneText(string(r)) }

// GoneText is Gone with the reason worded by the caller (with what ended
// the connection, say).
func (in *Inbox) GoneText(reason string) {
	in.mu.Lock()
	if in.gone == "" {
		in.gone = reason
	}
	in.signalLocked()
	in.mu.Unlock()
}

func (in *Inbox) signalLocked() {
	close(in.changed)
	in.changed = make(chan struct{})
}

// Left returns why the socket left, "" while it is connected.
func (in *Inbox) Left() string {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.gone
}

// Next waits until accept takes an event at or after the cursor, moves the
// cursor past it and returns it; ok is false when ctx ended first. Each
// event is offered to accept at most once per call, so a flood does not
// cost n².
func (in *Inbox) Next(ctx context.Context, accept func(InboxEvent) bool) (ev InboxEvent, ok bool) {
	scanned := -1 // events before it were already offered
	for {
		in.mu.Lock()
		from := max(in.cursor, scanned)
		if from >= len(in.events) && scanned == len(in.events) && len(in.events) == in.opts.Max {
			from = len(in.events) - 1 // the log is full: its last slot is rewritten
		}
		scanned = len(in.events)
		for i := from; i < len(in.events); i++ {
			if accept(in.events[i]) {
				in.cursor = i + 1
				ev := in.events[i]
				in.mu.Unlock()
				return ev, true
			}
		}
		ch := in.changed
		in.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return InboxEvent{}, false
		}
	}
}

// Changed returns a channel closed at the next event or departure: a
// caller that waits for a condition of its own (a count, a version)
// re-checks it each time the channel closes.
func (in *Inbox) Changed() <-chan struct{} {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.changed
}

// Pending returns the events after the cursor.
func (in *Inbox) Pending() []InboxEvent {
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([]InboxEvent(nil), in.events[in.cursor:]...)
}

// All returns every event kept.
func (in *Inbox) All() []InboxEvent {
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([]InboxEvent(nil), in.events...)
}

// Count counts the kept events named name.
func (in *Inbox) Count(name string) int {
	in.mu.Lock()
	defer in.mu.Unlock()
	n := 0
	for _, e := range in.events {
		if e.Name == name {
			n++
		}
	}
	return n
}

// Total returns how many events arrived in all, those past the bound
// included.
func (in *Inbox) Total() int {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.total
}

// Recent returns the last n events, then the departure if the socket
// left, as text ("bob ← count {"n":2} (+15ms)", "bob was disconnected:
// transport close"): the context a report shows under a failure. who
// names the client in each line.
func (in *Inbox) Recent(n int, who string) []string {
	in.mu.Lock()
	defer in.mu.Unlock()
	from := max(0, len(in.events)-n)
	out := make([]string, 0, n+1)
	for _, e := range in.events[from:] {
		out = append(out, who+" ← "+e.String())
	}
	if in.gone != "" {
		out = append(out, who+" was disconnected: "+in.gone)
	}
	return out
}
