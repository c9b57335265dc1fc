package probes

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"rtlab/graders"
	"rtlab/socketio"

	"rtlab/graders/scenario"
)

// probeSocket is one Socket.IO connection a probe opened, with what its
// socket received.
type probeSocket struct {
	conn *socketio.Client
	sock *socketio.ClientSocket
}

func (p *probeSocket) Close() {
	if p != nil && p.conn != nil {
		p.conn.Close()
	}
}

// probeDial opens a connection and joins env.Namespace (or ns when not
// ""), with auth and header; on, when not nil, receives every event.
func probeDial(ctx context.Context, env *graders.ProbeEnv, ns string, auth any, header http.Header, on func(*socketio.Event)) (*probeSocket, error) {
	if header == nil {
		header = http.Header{}
	}
	if ns == "" {
		ns = env.Namespace
	}
	dctx, cancel := context.WithTimeout(ctx, env.Timeout)
	defer cancel()
	conn, err := env.DialSocket(dctx, header)
	if err != nil {
		return nil, &graders.Failure{Reason: "could not open a Socket.IO connection", Actual: scenario.Shorten(err.Error(), 300)}
	}
	sock, err := graders.ConnectSocket(dctx, conn, ns, auth, on, nil)
	if err != nil {
		conn.Close()
		var refused *socketio.ConnectError
		if errors.As(err, &refused) {
			return nil, &graders.Failure{Reason: "the server refused the probe's connection to " + ns, Actual: graders.RefusalText(refused)}
		}
		return nil, &graders.Failure{Reason: "could not connect to namespace " + ns, Actual: scenario.Shorten(err.Error(), 300)}
	}
	return &probeSocket{conn: conn, sock: sock}, nil
}

// emitAck emits event with data and decodes the first argument of the
// ack, within env.Timeout.
func (p *probeSocket) emitAck(ctx context.Context, env *graders.ProbeEnv, event string, data any) (map[string]any, error) {
	actx, cancel := context.WithTimeout(ctx, env.Timeout)
	defer cancel()
	args, err := p.sock.EmitWithAck(actx, event, data)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &graders.Failure{Reason: fmt.Sprintf("%s got no acknowledgement within %s", event, env.Timeout), Actual: scenario.Shorten(err.Error(), 300)}
	}
	if len(args) == 0 {
		return nil, &graders.Failure{Reason: event + " was acknowledged with no argument", Expected: "an object with status"}
	}
	var m map[string]any
	if err := json.Unmarshal(args[0], &m); err != nil {
		return nil, &graders.Failure{Reason: event + " was acknowledged with something that is not an object", Actual: scenario.Shorten(string(args[0]), 200)}
	}
	return m, nil
}
