package bench

import (
	"bytes"
	"strconv"
)

// minPayload is the smallest update: the 8 digits of its sequence number.
const minPayload = 8

// encodePayload returns the update with sequence number seq, size bytes long:
// seq as 8 zero-padded digits, then filler. Every transport sends these same
// bytes; the user is implied by the connection or request that carries them,
// and the send time stays on the server, so no clock travels in the payload.
func encodePayload(seq, size int) []byte {
	b := make([]byte, size)
	for i := range b {
		b[i] = 'x'
	}
	s := strconv.Itoa(seq % 100000000)
	copy(b[minPayload-len(s):], s)
	for i := 0; i < minPayload-len(s); i++ {
		b[i] = '0'
	}
	return b
}

// decodePayload returns the sequence number of an update, or -1 when b is not
// one.
func decodePayload(b []byte) int {
	if len(b) < minPayload {
		return -1
	}
	n := 0
	for _, c := range b[:minPayload] {
		if c < '0' || c > '9' {
			return -1
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// splitPayloads calls f for each update in a newline-separated batch, the
// body of a polling response.
func splitPayloads(body []byte, f func(seq int)) {
	for len(body) > 0 {
		line := body
		if i := bytes.IndexByte(body, '\n'); i >= 0 {
			line, body = body[:i], body[i+1:]
		} else {
			body = nil
		}
		if s := decodePayload(line); s >= 0 {
			f(s)
		}
	}
}
