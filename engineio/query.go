package engineio

import (
	"net/url"
	"strings"
)

// queryValue returns the first value of key in the raw query string, as
// url.ParseQuery(raw).Get(key) would, without building the map: every
// poll and POST asks for two or three keys, and the map, its slices and
// the unescaped strings were a tenth of the server's allocations under a
// polling load. Pairs ParseQuery rejects (a semicolon, a bad escape) are
// skipped, as Query skips them.
func queryValue(raw, key string) string {
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if pair == "" || strings.Contains(pair, ";") {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		if !strings.ContainsAny(k, "%+") {
			if k != key {
				continue
			}
		} else if uk, err := url.QueryUnescape(k); err != nil || uk != key {
			continue
		}
		if !strings.ContainsAny(v, "%+") {
			return v
		}
		uv, err := url.QueryUnescape(v)
		if err != nil {
			continue
		}
		return uv
	}
	return ""
}
