package bench

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/coder/websocket"
)

func init() {
	registerTransport(&transport{
		name:        "websocket",
		description: "RFC 6455 over GET /ws (github.com/coder/websocket); one text frame per update",
		promise:     true,
		handler:     wsHandler(websocket.CompressionDisabled),
		client:      wsClient(websocket.CompressionDisabled),
	})
	registerTransport(&transport{
		name:        "websocket-deflate",
		description: "as websocket, with permessage-deflate and context takeover, every message compressed",
		promise:     true,
		handler:     wsHandler(websocket.CompressionContextTakeover),
		client:      wsClient(websocket.CompressionContextTakeover),
	})
}

// wsHandler sends the updates of user u as WebSocket text frames. It reads
// nothing but control frames (CloseRead), as a push-only server does.
func wsHandler(mode websocket.CompressionMode) func(h *hub) http.Handler {
	return func(h *hub) http.Handler {
		return h.userHandler("GET /ws", func(w http.ResponseWriter, r *http.Request, u *user) {
			c, err := websocket.Accept(w, r, &websocket.AcceptOptions{CompressionMode: mode, CompressionThreshold: 1})
			if err != nil {
				return
			}
			defer c.CloseNow()
			ctx := c.CloseRead(context.Background())
			stopped := h.push(u, sinceParam(r), ctx.Done(), func(seq int) error {
				return c.Write(ctx, websocket.MessageText, encodePayload(seq, h.opts.Payload))
			})
			if stopped {
				c.Close(websocket.StatusGoingAway, "")
			}
		})
	}
}

// wsClient receives frames until the run ends.
func wsClient(mode websocket.CompressionMode) func(ctx context.Context, h *hub, ce *clientEnv, u *user, ready func()) error {
	return func(ctx context.Context, h *hub, ce *clientEnv, u *user, ready func()) error {
		hdr := http.Header{}
		setClientHeaders(hdr, h.opts.MinimalHeaders, "")
		for _, k := range []string{"Connection", "Accept", "Sec-Fetch-Dest", "Sec-Fetch-Mode", "Cache-Control", "Pragma"} {
			hdr.Del(k) // a browser's upgrade request has its own
		}
		if !h.opts.MinimalHeaders {
			hdr.Set("Origin", h.base)
		}
		url := "ws" + strings.TrimPrefix(h.base, "http") + "/ws?u=" + strconv.Itoa(u.id)
		c, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{
			HTTPClient: &http.Client{Transport: ce.shared}, HTTPHeader: hdr,
			CompressionMode: mode, CompressionThreshold: 1,
		})
		if err != nil {
			return err
		}
		defer c.CloseNow()
		ready()
		for {
			_, b, err := c.Read(ctx)
			if err != nil {
				if ctx.Err() != nil || websocket.CloseStatus(err) == websocket.StatusGoingAway || errors.Is(err, context.Canceled) {
					return nil
				}
				return err
			}
			h.received(u, decodePayload(b))
		}
	}
}
