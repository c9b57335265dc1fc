package probes

import (
	"context"
	"fmt"
	"time"

	"rtlab/graders"

	"rtlab/graders/scenario"
	"rtlab/internal/rawws"
)

// wsEchoProbe opens a connection, sends a masked text message and wants the
// same text back. Params: path (default /ws), text (default a fresh token
// with a non-ASCII letter, so that an encoding slip shows).
func wsEchoProbe(ctx context.Context, env *graders.ProbeEnv, params map[string]any) error {
	target, cfg, err := wsTarget(env, params)
	if err != nil {
		return err
	}
	timeout := probeTimeout(env, params)
	text, _ := params["text"].(string)
	if text == "" {
		text = "rtlab é " + randomToken()
	}
	c, err := openWS(ctx, target, cfg, timeout)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(timeout))
	if err := c.WriteFrame(rawws.Frame{Fin: true, Opcode: rawws.OpText, Masked: true, Payload: []byte(text)}); err != nil {
		return &graders.Failure{Reason: "could not send a text message", Actual: err.Error()}
	}
	for {
		f, err := c.ReadFrame()
		if err != nil {
			return &graders.Failure{Reason: "the text message was not echoed", Expected: fmt.Sprintf("a text frame %q within %s", text, timeout),
				Actual: describeReadErr(err)}
		}
		switch f.Opcode {
		case rawws.OpPing, rawws.OpPong:
			continue
		case rawws.OpText:
			if string(f.Payload) != text {
				return &graders.Failure{Reason: "the echo differs from the message sent", Expected: fmt.Sprintf("%q", text),
					Actual: fmt.Sprintf("%q", scenario.Shorten(string(f.Payload), 200))}
			}
			if f.Masked {
				return &graders.Failure{Reason: "the server masked its frame; RFC 6455 §5.1 says a server must not", Expected: "an unmasked text frame", Actual: "a masked one"}
			}
			return nil
		default:
			return &graders.Failure{Reason: "the text message was not echoed", Expected: fmt.Sprintf("a text frame %q", text), Actual: describeFrame(f)}
		}
	}
}
