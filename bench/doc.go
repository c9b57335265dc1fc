// Package bench measures realtime transports on the wire, side by side with
// the bandwidth model of the course's exercise Q12.
//
// Q12 asks how many bytes per minute 1000 users receiving one update per
// second cost over short polling, long polling and WebSocket, and answers with
// assumed sizes (800 B per HTTP exchange, 10 B per WebSocket frame). Run
// measures the same load for real: a server and N simulated users in one
// process, one transport after another, the bytes that cross every server-side
// connection (headers and framing apart from payload), the segments the kernel
// sent and received (TCP_INFO, so TCP/IP headers and pure ACKs count too), the
// delivery latency of every update, and the CPU and memory it took. Model
// computes the Q12 formulas twice, once with the exercise's assumptions and once
// with the header sizes the run measured, so the summary can show where the
// textbook figure and the wire disagree and why.
//
// The pipeline is one way: Run produces a *Results; WriteReport renders it as
// results.json, a Markdown summary and charts; LoadLatest reads it back so that
// written answers (Q7's table) are generated from measured numbers.
package bench
