package reference

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"rtlab/socketio"
)

func init() {
	Register(&Exercise{
		ID:  "loadtest",
		New: newLoadtest,
	})
}

// maxTickPad bounds the pad a bcast may ask for, so that one request cannot
// make the server build a gigabyte string.
const maxTickPad = 1 << 20

// newLoadtest is the server the load modes of rtlab load expect, the same
// two events as testdata/node/loadtest-server.js: "echo" acknowledges its
// arguments; "bcast" {"n","size"} sends "tick" {"seq","t","pad"} to every
// socket n times as fast as it can (t in epoch milliseconds, pad a string of
// size characters), then acknowledges {"sent","ms"}.
func newLoadtest(opts *Options) (Server, error) {
	o := opts.withDefaults()
	if err := checkVariant("loadtest", o.Variant, nil); err != nil {
		return nil, err
	}
	io := socketio.NewServer(&socketio.ServerOptions{Engine: o.engine()})
	root := io.Of("/")
	root.OnConnect(func(s *socketio.Socket) {
		s.On("echo", func(e *socketio.Event) {
			if e.HasAck() {
				e.Ack(eventArgs(e)...)
			}
		})
		s.On("bcast", func(e *socketio.Event) {
			var req struct {
				N    int `json:"n"`
				Size int `json:"size"`
			}
			if !objectArg(e, &req) || req.N < 0 || req.Size < 0 || req.Size > maxTickPad {
				ack(e, map[string]string{"error": `bcast wants {"n": count, "size": characters}`})
				return
			}
			start := time.Now()
			pad := strconv.Quote(strings.Repeat("x", req.Size))
			var b []byte
			for i := 1; i <= req.N; i++ {
				// The tick is written as JSON by hand: the encoding of a
				// map per message would be most of the fixture's cost.
				b = append(b[:0], `{"seq":`...)
				b = strconv.AppendInt(b, int64(i), 10)
				b = append(b, `,"t":`...)
				b = strconv.AppendInt(b, time.Now().UnixMilli(), 10)
				b = append(b, `,"pad":`...)
				b = append(b, pad...)
				b = append(b, '}')
				root.Emit("tick", json.RawMessage(b))
			}
			ack(e, map[string]any{"sent": req.N, "ms": float64(time.Since(start).Microseconds()) / 1000})
		})
	})
	s := newServer()
	s.mountIO(io)
	return s, nil
}
