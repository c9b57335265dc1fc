package probes

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"rtlab/graders"

	"rtlab/graders/scenario"
	"rtlab/internal/rawws"
)

// wsHandshakeProbe checks one property of the answer to a correct opening
// handshake. Params:
//
//	path   the endpoint (default /ws)
//	check  status (101), upgrade (Upgrade: websocket), connection
//	       (Connection: Upgrade) or accept (Sec-WebSocket-Accept equal to
//	       base64(SHA-1(key + GUID)))
func wsHandshakeProbe(ctx context.Context, env *graders.ProbeEnv, params map[string]any) error {
	target, cfg, err := wsTarget(env, params)
	if err != nil {
		return err
	}
	check, _ := params["check"].(string)
	hs := rawws.NewHandshake()
	key := hs.Header.Get("Sec-WebSocket-Key")
	c, err := dialWS(ctx, target, cfg, hs, probeTimeout(env, params))
	if err != nil {
		return err
	}
	defer c.Close()
	resp := c.Response
	if check != "status" && resp.StatusCode != http.StatusSwitchingProtocols {
		return &graders.Failure{Reason: "the handshake was not accepted, so its headers cannot be checked",
			Expected: "101 Switching Protocols", Actual: statusLine(resp)}
	}
	switch check {
	case "status":
		if resp.StatusCode != http.StatusSwitchingProtocols {
			return &graders.Failure{Reason: "a correct version-13 handshake was not accepted",
				Expected: "101 Switching Protocols", Actual: statusLine(resp) + " " + scenario.Shorten(readBody(resp), 200)}
		}
	case "upgrade":
		if !strings.EqualFold(strings.TrimSpace(resp.Header.Get("Upgrade")), "websocket") {
			return &graders.Failure{Reason: "the 101 response does not say which protocol it switches to",
				Expected: "Upgrade: websocket", Actual: headerShown(resp.Header, "Upgrade")}
		}
	case "connection":
		if !headerToken(resp.Header, "Connection", "upgrade") {
			return &graders.Failure{Reason: "the 101 response lacks the Connection: Upgrade header",
				Expected: "Connection: Upgrade", Actual: headerShown(resp.Header, "Connection")}
		}
	case "accept":
		want := rawws.AcceptKey(key)
		if got := resp.Header.Get("Sec-WebSocket-Accept"); got != want {
			return &graders.Failure{Reason: "Sec-WebSocket-Accept is not base64(SHA-1(key + \"258EAFA5-E914-47DA-95CA-C5AB0DC85B11\"))",
				Expected: fmt.Sprintf("Sec-WebSocket-Accept: %s (for Sec-WebSocket-Key: %s)", want, key),
				Actual:   headerShown(resp.Header, "Sec-WebSocket-Accept")}
		}
	default:
		return &graders.ScenarioError{Msg: "ws-handshake: params.check must be status, upgrade, connection or accept"}
	}
	return nil
}

// wsRefuseProbe sends a spoiled handshake and requires a refusal. Params:
//
//	path    the endpoint (default /ws)
//	drop    a header to leave out (Sec-WebSocket-Key)
//	set     headers to replace ({Sec-WebSocket-Version: "99"})
//	status  the exact status required (400), or "4xx" for any client error
func wsRefuseProbe(ctx context.Context, env *graders.ProbeEnv, params map[string]any) error {
	target, cfg, err := wsTarget(env, params)
	if err != nil {
		return err
	}
	hs := rawws.NewHandshake()
	var what []string
	if d, _ := params["drop"].(string); d != "" {
		hs.Header.Del(d)
		what = append(what, "without "+d)
	}
	if set, ok := params["set"].(map[string]any); ok {
		for k, v := range set {
			hs.Header.Set(k, fmt.Sprint(v))
			what = append(what, fmt.Sprintf("with %s: %v", k, v))
		}
	}
	want := fmt.Sprint(params["status"])
	c, err := dialWS(ctx, target, cfg, hs, probeTimeout(env, params))
	if err != nil {
		return err
	}
	defer c.Close()
	got := c.Response.StatusCode
	ok := false
	switch {
	case want == "4xx":
		ok = got >= 400 && got <= 499
		want = "a 4xx refusal (400, or 426 with Sec-WebSocket-Version: 13 as RFC 6455 §4.4 suggests)"
	default:
		n, err := strconv.Atoi(want)
		if err != nil {
			return &graders.ScenarioError{Msg: "ws-refuse: params.status must be a number or 4xx"}
		}
		ok = got == n
		want = fmt.Sprintf("%d %s", n, http.StatusText(n))
	}
	if !ok {
		actual := statusLine(c.Response)
		if got == http.StatusSwitchingProtocols {
			actual += ": the server opened a WebSocket anyway"
		}
		return &graders.Failure{Reason: "a handshake " + strings.Join(what, " and ") + " was not refused as it should be",
			Expected: want, Actual: actual}
	}
	return nil
}
