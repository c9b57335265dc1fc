package probes

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"syscall"
	"time"

	"rtlab/graders"

	"rtlab/graders/scenario"
	"rtlab/internal/rawws"
)

// wsCloseProbe provokes the server and requires a close frame with a
// given code. Params:
//
//	path   the endpoint (default /ws)
//	send   close (a masked close 1000), unmasked (an unmasked text frame),
//	       invalid-utf8 (a text frame holding 0xC3 0x28), or too-big (a
//	       text message of size bytes)
//	size   for too-big (default 1 MiB + 1)
//	code   the close code required
func wsCloseProbe(ctx context.Context, env *graders.ProbeEnv, params map[string]any) error {
	target, cfg, err := wsTarget(env, params)
	if err != nil {
		return err
	}
	want, ok := scenario.ToFloat(params["code"])
	if !ok {
		return &graders.ScenarioError{Msg: "ws-close needs params.code"}
	}
	timeout := probeTimeout(env, params)
	var f rawws.Frame
	var did string
	send, _ := params["send"].(string)
	switch send {
	case "close":
		f = rawws.Frame{Fin: true, Opcode: rawws.OpClose, Masked: true, Payload: rawws.ClosePayload(rawws.CloseNormal, "bye")}
		did = "the client closed with 1000"
	case "unmasked":
		f = rawws.Frame{Fin: true, Opcode: rawws.OpText, Payload: []byte("unmasked " + randomToken())}
		did = "the client sent an unmasked text frame"
	case "invalid-utf8":
		f = rawws.Frame{Fin: true, Opcode: rawws.OpText, Masked: true, Payload: []byte{'a', 0xC3, 0x28, 'b'}}
		did = "the client sent a text frame that is not UTF-8 (61 C3 28 62)"
	case "too-big":
		size := 1<<20 + 1
		if v, ok := scenario.ToFloat(params["size"]); ok && v > 0 {
			size = int(v)
		}
		p := make([]byte, size)
		for i := range p {
			p[i] = 'x'
		}
		f = rawws.Frame{Fin: true, Opcode: rawws.OpText, Masked: true, Payload: p}
		did = fmt.Sprintf("the client sent a %d-byte text message (1 MiB is %d)", size, 1<<20)
		timeout += 3 * time.Second // the upload itself takes a moment
	default:
		return &graders.ScenarioError{Msg: "ws-close: params.send must be close, unmasked, invalid-utf8 or too-big"}
	}
	c, err := openWS(ctx, target, cfg, probeTimeout(env, params))
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(timeout))
	// The write goes on its own goroutine: a server may close in the
	// middle of a large upload, and the answer must still be read.
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		c.WriteFrame(f)
	}()
	defer wg.Wait()
	defer c.Close() // runs first: unblocks the writer
	expected := fmt.Sprintf("a close frame with code %d after %s", int(want), did)
	for {
		fr, err := c.ReadFrame()
		if err != nil {
			return &graders.Failure{Reason: fmt.Sprintf("no close %d: %s", int(want), did), Expected: expected, Actual: describeReadErr(err)}
		}
		switch fr.Opcode {
		case rawws.OpPing, rawws.OpPong:
			continue
		case rawws.OpClose:
			code, _, perr := rawws.ParseClose(fr.Payload)
			if perr == nil && code == int(want) {
				return nil
			}
			return &graders.Failure{Reason: fmt.Sprintf("the server closed with another code than %d: %s", int(want), did),
				Expected: expected, Actual: describeFrame(fr)}
		default:
			return &graders.Failure{Reason: fmt.Sprintf("the server did not close with %d: %s", int(want), did),
				Expected: expected, Actual: describeFrame(fr) + " (the server took the frame as valid)"}
		}
	}
}

// wsResetProbe ends a connection with a TCP reset (no close frame: the
// server's side sees 1006, abnormal closure) in the middle of a message,
// then requires a new connection to be accepted and echoed. A Node server
// that has no 'error' listener on the socket crashes on ECONNRESET; this
// is the check that finds it. Params: path (default /ws).
func wsResetProbe(ctx context.Context, env *graders.ProbeEnv, params map[string]any) error {
	target, cfg, err := wsTarget(env, params)
	if err != nil {
		return err
	}
	timeout := probeTimeout(env, params)
	c, err := openWS(ctx, target, cfg, timeout)
	if err != nil {
		return err
	}
	// Half a frame, then RST: the server is reading when the reset comes.
	frame := rawws.AppendFrame(nil, rawws.Frame{Fin: true, Opcode: rawws.OpText, Masked: true, Key: [4]byte{1, 2, 3, 4}, Payload: []byte("cut short")})
	c.Write(frame[:len(frame)/2])
	if tc, ok := c.Conn.(*net.TCPConn); ok {
		tc.SetLinger(0) // Close sends RST instead of FIN
	}
	c.Close()
	t := time.NewTimer(300 * time.Millisecond)
	select {
	case <-t.C:
	case <-ctx.Done():
		t.Stop()
		return ctx.Err()
	}
	if err := wsEchoProbe(ctx, env, params); err != nil {
		var f *graders.Failure
		if errors.As(err, &f) {
			f.Reason = "after a client reset its connection, the server no longer works: " + f.Reason
			f.Expected = "the server survives a client's TCP reset (it sees 1006) and echoes on a new connection; " + f.Expected
		}
		return err
	}
	return nil
}

// wsSigtermProbe opens clients, sends SIGTERM to the managed server and
// requires a close frame 1001 (going away) on each. It stops the server,
// so it belongs in the last check. Params: path (default /ws), clients
// (default 2).
//
// A reference server running in-process cannot be signalled; there the
// check is skipped ("needs --cmd").
func wsSigtermProbe(ctx context.Context, env *graders.ProbeEnv, params map[string]any) error {
	if env.Server == nil {
		return &graders.ScenarioError{Msg: "ws-sigterm needs --cmd (mark the check needs_cmd: true)"}
	}
	target, cfg, err := wsTarget(env, params)
	if err != nil {
		return err
	}
	n := 2
	if v, ok := scenario.ToFloat(params["clients"]); ok && v >= 1 {
		n = int(v)
	}
	timeout := probeTimeout(env, params)
	var conns []*rawws.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range n {
		c, err := openWS(ctx, target, cfg, timeout)
		if err != nil {
			return err
		}
		conns = append(conns, c)
	}
	if err := env.Server.Signal(syscall.SIGTERM); err != nil {
		return graders.Skipf("needs --cmd: the server runs in-process and cannot be sent SIGTERM (%v)", err)
	}
	wait := timeout + 5*time.Second // a graceful shutdown may take a moment
	for i, c := range conns {
		c.SetDeadline(time.Now().Add(wait))
		for {
			f, err := c.ReadFrame()
			if err != nil {
				return &graders.Failure{Reason: fmt.Sprintf("client %d of %d got no close 1001 when the server received SIGTERM", i+1, n),
					Expected: "close 1001 (going away) to every open client, then exit",
					Actual:   describeReadErr(err)}
			}
			if f.Opcode != rawws.OpClose {
				continue
			}
			if code, _, err := rawws.ParseClose(f.Payload); err != nil || code != rawws.CloseGoingAway {
				return &graders.Failure{Reason: fmt.Sprintf("client %d of %d was closed with another code than 1001 on SIGTERM", i+1, n),
					Expected: "close 1001 (going away)", Actual: describeFrame(f)}
			}
			break
		}
	}
	return nil
}
