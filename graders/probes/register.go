// Package probes holds the checks that a scenario's steps cannot say
// (raw WebSocket frames, timing series, convergence, sliding windows, a
// browser page, an nginx configuration), one file per thing probed and
// named for it: ws_handshake.go, rate_limit.go, backoff_page.go…, with the
// live part of `rtlab explain` beside the probe it explains
// (ws_handshake_explain.go, backoff_explain.go).
//
// A probe gets what it needs from the *graders.ProbeEnv the engine hands
// it (the URL, the HTTP client, the managed process, the nginx
// configuration rtlab runs); none reads a global.
package probes

import "rtlab/graders"

// Register adds every probe and live explanation of the package to set.
// rtlab calls it once; there is no init: a program (or a test) that wants
// fewer probes registers fewer.
func Register(set *graders.Probes) {
	set.Add("ws-handshake", wsHandshakeProbe)
	set.Add("ws-refuse", wsRefuseProbe)
	set.Add("ws-echo", wsEchoProbe)
	set.Add("ws-close", wsCloseProbe)
	set.Add("ws-sigterm", wsSigtermProbe)
	set.Add("ws-reset", wsResetProbe)
	set.AddExplainer("q2", explainHandshake)

	set.Add("browser-backoff", browserBackoff)
	set.Add("page-short-polling", pageShortPolling)
	set.Add("page-long-polling", pageLongPolling)
	set.Add("page-stocks", pageStocks)
	set.Add("page-metrics", pageMetrics)
	set.AddExplainer("q6", explainBackoff)

	set.Add("nginx-front", nginxFront)
	set.Add("nginx-read-timeout", nginxReadTimeout)
	set.Add("long-poll-release", longPollRelease)
	set.Add("sse-interval", sseInterval)
	set.Add("ot-convergence", otConvergence)
	set.Add("rate-limit-sliding", rateLimitSliding)
	set.Add("log-duration", logDuration)
	set.Add("sio-heartbeat", sioHeartbeatProbe)
	set.Add("page-user-count", pageUserCount)
	set.Add("page-typing", pageTyping)
	set.Add("page-reactions", pageReactions)
	set.Add("page-react", pageReact)
}
