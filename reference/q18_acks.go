package reference

import (
	"encoding/json"
	"strconv"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"rtlab/socketio"
)

func init() { registerFaults("q18", q18Variants, newQ18) }

type q18Faults struct {
	noTrim        bool // a title of spaces is accepted
	noLengthLimit bool // titles of any length are accepted
	noTypeCheck   bool // a number as title is accepted
	sameID        bool // every task gets id "1"
	crashNoAck    bool // an emit without a callback kills the connection
}

var q18Variants = map[string]q18Faults{
	"no-trim":         {noTrim: true},
	"no-length-limit": {noLengthLimit: true},
	"no-type-check":   {noTypeCheck: true},
	"same-id":         {sameID: true},
	"crash-no-ack":    {crashNoAck: true},
}

const maxTitle = 200

// validateTask returns "" for a valid save-task payload, or the message of
// the error ack: one sentence a user can act on.
func validateTask(raw json.RawMessage, f q18Faults) string {
	var p map[string]json.RawMessage
	if t := strings.TrimSpace(string(raw)); !strings.HasPrefix(t, "{") || json.Unmarshal(raw, &p) != nil {
		return "The task must be an object: {\"title\": \"...\", \"description\": \"...\"}."
	}
	rawTitle, ok := p["title"]
	if !ok || string(rawTitle) == "null" {
		return "A title is required."
	}
	var title string
	if err := json.Unmarshal(rawTitle, &title); err != nil {
		if f.noTypeCheck {
			title = string(rawTitle)
		} else {
			return "The title must be a string."
		}
	}
	trimmed := strings.TrimSpace(title)
	if f.noTrim {
		trimmed = title
	}
	if trimmed == "" {
		return "The title cannot be empty."
	}
	if utf8.RuneCountInString(trimmed) > maxTitle && !f.noLengthLimit {
		return "The title is too long: at most 200 characters."
	}
	if d, ok := p["description"]; ok && string(d) != "null" {
		var s string
		if json.Unmarshal(d, &s) != nil {
			return "The description must be a string when given."
		}
	}
	return ""
}

// newQ18 validates save-task and answers through the ack: every error case
// of the contract gets {"status":"error","message"}, a valid task gets a
// fresh id. An emit without a callback is simply not answered.
func newQ18(o Options, f q18Faults) (Server, error) {
	var nextID atomic.Int64
	srv, io := ioServer(o)
	io.Of("/").OnConnect(func(s *socketio.Socket) {
		s.On("save-task", func(e *socketio.Event) {
			if !e.HasAck() {
				if f.crashNoAck {
					s.Disconnect(true) // what an uncaught "callback is not a function" does
				}
				return
			}
			var raw json.RawMessage
			if len(e.Args) > 0 {
				raw = e.Args[0]
			}
			if msg := validateTask(raw, f); msg != "" {
				ackError(e, msg)
				return
			}
			id := nextID.Add(1)
			if f.sameID {
				id = 1
			}
			ackOK(e, map[string]any{"taskId": strconv.FormatInt(id, 10)})
		})
	})
	return srv, nil
}
