package socketio_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"time"

	"rtlab/socketio"
)

// A chat server: middleware, rooms, acks and a broadcast that leaves the
// sender out, then a client talking to it.
func Example() {
	srv := socketio.NewServer(nil)
	defer srv.Close()
	srv.Of("/").Use(func(s *socketio.Socket) error {
		var auth struct{ Name string }
		if err := decode(s.Handshake().Auth, &auth); err != nil || auth.Name == "" {
			return &socketio.ConnectError{Message: "name required", Data: map[string]string{"field": "name"}}
		}
		s.Set("name", auth.Name)
		return nil
	})
	srv.Of("/").OnConnect(func(s *socketio.Socket) {
		s.On("join", func(e *socketio.Event) {
			var room string
			e.Bind(0, &room)
			s.Join(room)
			if e.HasAck() {
				e.Ack("ok", s.Get("name"))
			}
		})
		s.On("say", func(e *socketio.Event) {
			var room, text string
			e.Bind(0, &room)
			e.Bind(1, &text)
			s.To(room).Emit("said", s.Get("name"), text)
		})
	})
	hs := httptest.NewServer(srv)
	defer hs.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := socketio.Dial(ctx, hs.URL, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()

	_, err = c.Socket(ctx, "/", nil)
	var refused *socketio.ConnectError
	if errors.As(err, &refused) {
		fmt.Printf("refused: %s %s\n", refused.Message, refused.Data)
	}
	s, err := c.Socket(ctx, "/", map[string]string{"name": "alice"})
	if err != nil {
		fmt.Println(err)
		return
	}
	reply, err := s.EmitWithAck(ctx, "join", "lobby")
	fmt.Println(string(reply[0]), string(reply[1]), err)
	// Output:
	// refused: name required {"field":"name"}
	// "ok" "alice" <nil>
}

// The codec on its own: what a packet looks like on the wire.
func ExampleEncode() {
	p, _ := socketio.NewEventPacket("/admin", "upload", []byte{0xde, 0xad}, map[string]int{"size": 2})
	text, attachments, _ := socketio.Encode(p)
	fmt.Printf("%s + %d attachment(s)\n", text, len(attachments))

	var d socketio.Decoder
	q, _ := d.Add(text, false) // nil: waits for the attachment
	fmt.Println(q == nil)
	q, _ = d.Add(attachments[0], true)
	fmt.Println(q.Type, q.Namespace, len(q.Attachments))
	// Output:
	// 51-/admin,["upload",{"_placeholder":true,"num":0},{"size":2}] + 1 attachment(s)
	// true
	// BINARY_EVENT /admin 1
}

func ExampleDecoder_Add() {
	var d socketio.Decoder
	if _, err := d.Add([]byte(`2["connect"]`), false); err != nil {
		fmt.Println(errors.Is(err, socketio.ErrMalformed), err)
	}
	// Output:
	// true socketio: malformed packet "2[\"connect\"]": reserved event name "connect"
}

func decode(raw []byte, v any) error { return json.Unmarshal(raw, v) }
