package reference

import (
	"bytes"
	"encoding/json"

	"rtlab/engineio"
	"rtlab/socketio"
)

// viteOrigin is where a student's front end runs in development (Vite's
// default port); the references allow it, and only it, cross-origin.
const viteOrigin = "http://localhost:5173"

// newIO returns a Socket.IO server configured as the course teaches:
// CORS for the front end's exact origin, never "*"; o's heartbeat.
func newIO(o Options) *socketio.Server {
	eo := o.engine()
	eo.CORS = &engineio.CORSOptions{Origins: []string{viteOrigin}}
	return socketio.NewServer(&socketio.ServerOptions{Engine: eo})
}

// ioServer returns a reference server with a Socket.IO server configured
// by newIO mounted in it: the start of every Socket.IO exercise.
func ioServer(o Options) (*server, *socketio.Server) {
	io := newIO(o)
	s := newServer()
	s.mountIO(io)
	return s, io
}

// engine returns the Engine.IO options every reference server starts
// from: the one place where Options' heartbeat reaches a server.
func (o Options) engine() *engineio.ServerOptions {
	return &engineio.ServerOptions{PingInterval: o.PingInterval, PingTimeout: o.PingTimeout}
}

// mountIO serves io at /socket.io/ (and the browser client beside it) and
// closes it with the server.
func (s *server) mountIO(io *socketio.Server) {
	s.Handle("/socket.io/", io)
	s.HandleFunc("GET /socket.io/socket.io.js", serveClientScript)
	s.onClose(io.Close)
}

// ack answers e when its sender asked for an answer.
func ack(e *socketio.Event, v any) {
	if e.HasAck() {
		e.Ack(v)
	}
}

// ackOK answers {"status":"ok", ...fields}.
func ackOK(e *socketio.Event, fields map[string]any) {
	out := map[string]any{"status": "ok"}
	for k, v := range fields {
		out[k] = v
	}
	ack(e, out)
}

// ackError answers {"status":"error","message":msg}.
func ackError(e *socketio.Event, msg string) {
	ack(e, map[string]any{"status": "error", "message": msg})
}

// objectArg decodes argument 0 into v when it is a JSON object and reports
// whether it was one: the contract sends every event one object, and a
// string, null or array in its place is bad input, not a crash.
func objectArg(e *socketio.Event, v any) bool {
	if len(e.Args) == 0 {
		return false
	}
	raw := bytes.TrimSpace(e.Args[0])
	if len(raw) == 0 || raw[0] != '{' {
		return false
	}
	return json.Unmarshal(raw, v) == nil
}
