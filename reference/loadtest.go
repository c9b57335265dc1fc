package reference

import (
	"encoding/json"
	"fmt"
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

// Bounds of one bcast request. A client that asked for {"n":500,
// "size":1000000} and stopped reading took the server from 22 MB to 700 MB:
// each tick is kept until every socket has been sent it. The total bound is
// under engineio's MaxQueue (32 MiB), so that one request within bounds
// never makes a reading client a slow consumer. rtlab load asks for 200
// ticks of 100 characters by default.
const (
	maxTickPad   = 1 << 20  // characters of pad per tick
	maxTicks     = 100_000  // ticks per request
	maxBcastSize = 16 << 20 // n × size per request
)

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
	o.Hooks.sockets().watch(root) // the hostile tests see who was dropped
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
			if !objectArg(e, &req) || req.N < 0 || req.Size < 0 {
				ack(e, map[string]string{"error": `bcast wants {"n": count, "size": characters}`})
				return
			}
			if req.N > maxTicks || req.Size > maxTickPad || int64(req.N)*int64(req.Size) > maxBcastSize {
				ack(e, map[string]string{"error": fmt.Sprintf("bcast allows n up to %d, size up to %d and n×size up to %d", maxTicks, maxTickPad, maxBcastSize)})
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
