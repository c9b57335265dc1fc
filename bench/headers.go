package bench

import "net/http"

// browserHeaders are what a desktop Chrome sends with a same-origin fetch from
// a dashboard page: the realistic request the exercise's 800 B per exchange
// stands for. The cookie is a typical session cookie plus an analytics one.
var browserHeaders = [][2]string{
	{"User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"},
	{"Accept", "application/json, text/plain, */*"},
	{"Accept-Encoding", "gzip, deflate, br, zstd"},
	{"Accept-Language", "en-US,en;q=0.9,fr;q=0.8"},
	{"Cache-Control", "no-cache"},
	{"Pragma", "no-cache"},
	{"Connection", "keep-alive"},
	{"Sec-Ch-Ua", `"Google Chrome";v="131", "Chromium";v="131", "Not_A Brand";v="24"`},
	{"Sec-Ch-Ua-Mobile", "?0"},
	{"Sec-Ch-Ua-Platform", `"Linux"`},
	{"Sec-Fetch-Dest", "empty"},
	{"Sec-Fetch-Mode", "cors"},
	{"Sec-Fetch-Site", "same-origin"},
	{"Cookie", "sid=s%3A9f2c4e1ab07d4c2e8d51f36a0b9e7c12.Qm8x4Vt2kLz0pR7yN3wE5uH6jF1aS9dG0bC2vX4nM8; _ga=GA1.1.1234567890.1732600000"},
}

// setClientHeaders adds the client headers of the run to h: the browser's,
// or nothing beyond what Go adds (Host, User-Agent, Accept-Encoding) when
// minimal.
func setClientHeaders(h http.Header, minimal bool, referer string) {
	if minimal {
		return
	}
	for _, kv := range browserHeaders {
		h.Set(kv[0], kv[1])
	}
	if referer != "" {
		h.Set("Referer", referer)
	}
}
