package bench

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strconv"
)

func init() {
	registerTransport(&transport{
		name:        "sse",
		description: "GET /events as text/event-stream; one `data:` event per update, chunked, flushed at once",
		promise:     true,
		handler:     sseHandler,
		client:      sseClient,
	})
}

// sseHandler streams the updates of user u as Server-Sent Events. With no
// Content-Length, net/http sends the stream chunked: each flushed event costs
// its chunk's size line and CRLF besides `data: ` and the blank line.
func sseHandler(h *hub) http.Handler {
	return h.userHandler("GET /events", func(w http.ResponseWriter, r *http.Request, u *user) {
		rc := http.NewResponseController(w)
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusOK)
		if err := rc.Flush(); err != nil {
			return
		}
		buf := make([]byte, 0, h.opts.Payload+8)
		h.push(u, sinceParam(r), r.Context().Done(), func(seq int) error {
			buf = append(buf[:0], "data: "...)
			buf = append(buf, encodePayload(seq, h.opts.Payload)...)
			buf = append(buf, "\n\n"...)
			if _, err := w.Write(buf); err != nil {
				return err
			}
			return rc.Flush()
		})
	})
}

// sseClient reads the event stream as an EventSource would.
func sseClient(ctx context.Context, h *hub, ce *clientEnv, u *user, ready func()) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.base+"/events?u="+strconv.Itoa(u.id), nil)
	if err != nil {
		return err
	}
	setClientHeaders(req.Header, h.opts.MinimalHeaders, h.base+"/dashboard")
	req.Header.Set("Accept", "text/event-stream")
	resp, err := (&http.Client{Transport: ce.shared}).Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("sse: status %s", resp.Status)
	}
	ready()
	br := bufio.NewReader(resp.Body)
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("sse: %w", err)
		}
		if data, ok := bytes.CutPrefix(line, []byte("data: ")); ok {
			h.received(u, decodePayload(bytes.TrimRight(data, "\n")))
		}
	}
}
