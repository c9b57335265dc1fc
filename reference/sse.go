package reference

import (
	"fmt"
	"net/http"
	"strings"
)

// sseWriter writes one Server-Sent Events stream.
type sseWriter struct {
	w       http.ResponseWriter
	rc      *http.ResponseController
	noFlush bool // a broken variant: events sit in the buffer
}

// startSSE sends the headers of an event stream: the content type that
// EventSource requires, no caching (a cached stream is a dead stream), and
// no buffering by a proxy in front (X-Accel-Buffering for Nginx).
func startSSE(w http.ResponseWriter, contentType string) *sseWriter {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Cache-Control", "no-cache")
	h.Set("Connection", "keep-alive")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	s := &sseWriter{w: w, rc: http.NewResponseController(w)}
	s.rc.Flush()
	return s
}

// retry tells the browser how long to wait before reconnecting.
func (s *sseWriter) retry(ms int) error {
	_, err := fmt.Fprintf(s.w, "retry: %d\n\n", ms)
	return s.flush(err)
}

// event writes one event: an optional id line, data lines, and the blank
// line that dispatches it.
func (s *sseWriter) event(id, data string) error {
	var b strings.Builder
	if id != "" {
		b.WriteString("id: " + id + "\n")
	}
	for _, line := range strings.Split(data, "\n") {
		b.WriteString("data: " + line + "\n")
	}
	b.WriteString("\n")
	_, err := s.w.Write([]byte(b.String()))
	return s.flush(err)
}

func (s *sseWriter) flush(err error) error {
	if err != nil || s.noFlush {
		return err
	}
	return s.rc.Flush()
}
