package socketio

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func inboxEvent(name string, args ...string) *Event {
	e := &Event{Name: name}
	for _, a := range args {
		e.Args = append(e.Args, json.RawMessage(a))
	}
	return e
}

func TestInboxNextMovesTheCursor(t *testing.T) {
	in := NewInbox(nil)
	in.Add(inboxEvent("count", `{"n":1}`))
	in.Add(inboxEvent("chat", `"hi"`))
	in.Add(inboxEvent("count", `{"n":2}`))

	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	byName := func(n string) func(InboxEvent) bool { return func(e InboxEvent) bool { return e.Name == n } }
	ev, ok := in.Next(ctx, byName("count"))
	require.True(t, ok)
	assert.Equal(t, map[string]any{"n": 1.0}, ev.Data)
	ev, ok = in.Next(ctx, byName("count"))
	require.True(t, ok, "the second count is after the cursor")
	assert.Equal(t, map[string]any{"n": 2.0}, ev.Data)
	assert.Empty(t, in.Pending(), "the chat before the cursor is consumed")
	assert.Equal(t, 2, in.Count("count"), "Count looks back past the cursor")
	assert.Len(t, in.All(), 3)

	short, cancel2 := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel2()
	_, ok = in.Next(short, byName("count"))
	assert.False(t, ok, "no third count: Next ends with its context")
}

func TestInboxNextWakesOnALaterEvent(t *testing.T) {
	in := NewInbox(nil)
	go func() {
		time.Sleep(10 * time.Millisecond)
		in.Add(inboxEvent("late", `{}`))
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ev, ok := in.Next(ctx, func(e InboxEvent) bool { return e.Name == "late" })
	require.True(t, ok)
	assert.True(t, ev.HasData)
}

func TestInboxStaysBoundedUnderAFlood(t *testing.T) {
	in := NewInbox(&InboxOptions{Max: 5})
	for i := range 100 {
		in.Add(inboxEvent("tick", fmt.Sprint(i)))
	}
	assert.Len(t, in.All(), 5)
	assert.Equal(t, 100, in.Total())
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	ev, ok := in.Next(ctx, func(e InboxEvent) bool { return e.Data == 99.0 })
	require.True(t, ok, "the newest event stays visible")
	assert.Equal(t, "tick", ev.Name)
}

func TestInboxRecentAndGone(t *testing.T) {
	in := NewInbox(nil)
	in.Add(inboxEvent("count", `{"n":1}`))
	in.Add(inboxEvent("none"))
	in.Add(inboxEvent("big", `"`+strings.Repeat("x", 300)+`"`))
	in.Gone(ReasonTransportClose)
	in.GoneText("later reason")
	assert.Equal(t, "transport close", in.Left(), "the first reason wins")
	r := in.Recent(2, "bob")
	require.Len(t, r, 3)
	assert.True(t, strings.HasPrefix(r[0], "bob ← none "), r[0])
	assert.Contains(t, r[1], "…", "a long argument is cut")
	assert.Less(t, len(r[1]), 220)
	assert.Equal(t, "bob was disconnected: transport close", r[2])
}
