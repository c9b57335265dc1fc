package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

func init() {
	registerTransport(&transport{
		name:        "short-polling",
		description: "GET /poll every interval; the server answers at once with what is new (204 when nothing)",
		promise:     true,
		handler:     pollHandler(false),
		client:      shortPollClient,
	})
	registerTransport(&transport{
		name:        "long-polling",
		description: "GET /poll held by the server until an update exists; the client asks again at once",
		promise:     true,
		handler:     pollHandler(true),
		client:      longPollClient,
	})
}

// longPollHold is how long the server holds a long poll without news before
// answering 204, below the usual 30 s of proxies.
const longPollHold = 25 * time.Second

// pollHandler serves GET /poll?u=USER&since=SEQ with every update of USER
// after SEQ, one per line. Short polling answers at once (204 when there is
// nothing new); long polling waits for news. The response headers are those
// of a typical JSON API behind no proxy: Content-Type, Cache-Control, and
// what net/http adds (Date, Content-Length).
func pollHandler(long bool) func(h *hub) http.Handler {
	return func(h *hub) http.Handler {
		mux := http.NewServeMux()
		mux.HandleFunc("GET /poll", func(w http.ResponseWriter, r *http.Request) {
			u, since, err := pollParams(h, r)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			latest, wake := u.pending()
			if long && latest <= since {
				timer := time.NewTimer(longPollHold)
				defer timer.Stop()
			wait:
				for latest <= since {
					select {
					case <-wake:
						latest, wake = u.pending()
					case <-timer.C:
						break wait
					case <-h.stop:
						break wait
					case <-r.Context().Done():
						return
					}
				}
			}
			hdr := w.Header()
			hdr.Set("Cache-Control", "no-store")
			if latest <= since {
				w.WriteHeader(http.StatusNoContent)
				return
			}
			body := make([]byte, 0, (latest-since)*(h.opts.Payload+1))
			for s := since + 1; s <= latest; s++ {
				if s > since+1 {
					body = append(body, '\n')
				}
				body = append(body, encodePayload(s, h.opts.Payload)...)
			}
			hdr.Set("Content-Type", "text/plain; charset=utf-8")
			hdr.Set("Content-Length", strconv.Itoa(len(body)))
			if _, err := w.Write(body); err == nil {
				h.wrote(latest - since)
			}
		})
		return mux
	}
}

// sinceParam is the query parameter since (default 0): the last update the
// client has. Push transports start from it too, so an update published
// while a stream is being set up is not lost.
func sinceParam(r *http.Request) int {
	n, err := strconv.Atoi(r.URL.Query().Get("since"))
	if err != nil || n < 0 {
		return 0
	}
	return n
}

func pollParams(h *hub, r *http.Request) (*user, int, error) {
	q := r.URL.Query()
	u, ok := h.userOf(q)
	if !ok {
		return nil, 0, fmt.Errorf("bad user %q", q.Get("u"))
	}
	since, err := strconv.Atoi(q.Get("since"))
	if err != nil || since < 0 {
		return nil, 0, fmt.Errorf("bad since %q", q.Get("since"))
	}
	return u, since, nil
}

// poll makes one poll request and records the updates in its answer. It
// returns the new last sequence number seen.
func poll(ctx context.Context, h *hub, hc *http.Client, u *user, since int) (int, error) {
	url := h.base + "/poll?u=" + strconv.Itoa(u.id) + "&since=" + strconv.Itoa(since)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return since, err
	}
	setClientHeaders(req.Header, h.opts.MinimalHeaders, h.base+"/dashboard")
	resp, err := hc.Do(req)
	if err != nil {
		return since, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return since, err
	}
	switch resp.StatusCode {
	case http.StatusOK:
		splitPayloads(body, func(seq int) {
			h.received(u, seq)
			since = max(since, seq)
		})
	case http.StatusNoContent:
	default:
		return since, fmt.Errorf("poll: status %s", resp.Status)
	}
	return since, nil
}

// shortPollClient polls once per interval at a phase of its own, so the
// users' polls are spread like the updates (the exercise's model: one
// request per user per second).
func shortPollClient(ctx context.Context, h *hub, ce *clientEnv, u *user, ready func()) error {
	hc := ce.userClient()
	ready()
	interval := h.opts.Interval
	phase := time.Duration((u.id*7919)%len(h.users)) * interval / time.Duration(len(h.users))
	next := time.Now().Add(phase)
	timer := time.NewTimer(phase)
	defer timer.Stop()
	since := 0
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-timer.C:
		}
		var err error
		if since, err = poll(ctx, h, hc, u, since); err != nil && ctx.Err() == nil {
			h.errors.Add(1)
		}
		next = next.Add(interval)
		for !next.After(time.Now()) { // a slow poll skips its missed turns
			next = next.Add(interval)
		}
		timer.Reset(time.Until(next))
	}
}

// longPollClient asks again as soon as an answer arrives.
func longPollClient(ctx context.Context, h *hub, ce *clientEnv, u *user, ready func()) error {
	hc := ce.userClient()
	ready()
	since := 0
	for ctx.Err() == nil {
		var err error
		if since, err = poll(ctx, h, hc, u, since); err != nil && ctx.Err() == nil {
			h.errors.Add(1)
			select { // back off instead of spinning on a broken server
			case <-ctx.Done():
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
	return nil
}
