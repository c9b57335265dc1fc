package socketio

import (
	"encoding/json"
)

// splitArray splits a JSON array into its elements, each a subslice of
// data without the whitespace around it, as json.Unmarshal into a
// []json.RawMessage would give them but without copying or reflection:
// the decoding of every event and ack goes through here, and the
// reflective path was a fifth of the server's CPU in an echo load. data
// must already be valid JSON (json.Valid); ok is false when it is not an
// array (or, defensively, when it turns out not to be valid).
func splitArray(data []byte) (elems []json.RawMessage, ok bool) {
	return splitArrayInto(make([]json.RawMessage, 0, 4), data)
}

// splitArrayInto is splitArray appending to elems, which may then live on
// the caller's stack or inside another allocation (see eventOf).
func splitArrayInto(elems []json.RawMessage, data []byte) ([]json.RawMessage, bool) {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '[' {
		return nil, false
	}
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == ']' {
		return elems, true
	}
	for i < len(data) {
		end := skipValue(data, i)
		if end <= i {
			return nil, false
		}
		elems = append(elems, json.RawMessage(data[i:end:end]))
		i = skipSpace(data, end)
		if i >= len(data) {
			return nil, false
		}
		switch data[i] {
		case ',':
			i = skipSpace(data, i+1)
		case ']':
			return elems, true
		default:
			return nil, false
		}
	}
	return nil, false
}

func skipSpace(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// skipValue returns the index just past the JSON value starting at i, or
// i when there is none.
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return i
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				e := skipString(b, j)
				if e <= j {
					return i
				}
				j = e - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return i
	}
	j := i
	for j < len(b) {
		switch b[j] {
		case ',', ']', '}', ' ', '\t', '\n', '\r':
			return j
		}
		j++
	}
	return j
}

// skipString returns the index just past the string starting at i (a
// quote), or i when it does not end.
func skipString(b []byte, i int) int {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return i
}

// unquoteName decodes a JSON string; plain ASCII without escapes, the
// usual event name, is converted without json.Unmarshal.
func unquoteName(raw []byte) (string, error) {
	if len(raw) >= 2 && raw[0] == '"' && raw[len(raw)-1] == '"' {
		plain := true
		for _, c := range raw[1 : len(raw)-1] {
			if c == '\\' || c == '"' || c < 0x20 || c >= 0x80 {
				plain = false
				break
			}
		}
		if plain {
			return string(raw[1 : len(raw)-1]), nil
		}
	}
	var s string
	err := json.Unmarshal(raw, &s)
	return s, err
}
