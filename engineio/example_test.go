package engineio_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"rtlab/engineio"
)

// echo is a Handler that sends every message back.
type echo struct{ c *engineio.Conn }

func (e echo) OnMessage(data []byte, binary bool) { e.c.SendMessage(data, binary) }
func (e echo) OnClose(reason string, err error)   {}

// printer is a client Handler that prints what it receives.
type printer struct{ got chan string }

func (p printer) OnMessage(data []byte, binary bool) { p.got <- string(data) }
func (p printer) OnClose(reason string, err error)   { fmt.Println("client closed:", reason) }

// An echo server mounted at /engine.io/, and a client that opens on
// polling (upgrading to WebSocket in the background) and exchanges one
// message.
func Example() {
	srv := engineio.NewServer(&engineio.ServerOptions{
		OnConnection: func(c *engineio.Conn) { c.SetHandler(echo{c}) },
	})
	mux := http.NewServeMux()
	mux.Handle("/engine.io/", srv)
	hs := httptest.NewServer(mux)
	defer hs.Close()
	defer srv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	p := printer{got: make(chan string, 1)}
	c, err := engineio.Dial(ctx, hs.URL, &engineio.DialOptions{Transport: "polling", Upgrade: true}, p)
	if err != nil {
		fmt.Println(err)
		return
	}
	c.Send([]byte("hello"), false)
	fmt.Println("echo:", <-p.got)
	c.Close()
	// Output:
	// echo: hello
	// client closed: forced close
}

// Broadcasting encodes the message once for every recipient.
func ExampleNewMessage() {
	var conns []*engineio.Conn // the sessions of a room
	m := engineio.NewMessage([]byte(`2["news","hi"]`), false)
	for _, c := range conns {
		c.Send(m) // never blocks on the network
	}
	fmt.Println(len(conns))
	// Output: 0
}

// Every packet the client sends and receives can be recorded.
func ExampleDialOptions_observer() {
	opts := &engineio.DialOptions{
		Observer: func(t engineio.Trace) {
			fmt.Printf("%s %s %q\n", t.Dir, t.Transport, t.Raw)
		},
	}
	_ = opts // pass to Dial
}
