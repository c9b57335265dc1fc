//go:build !linux

package bench

import "net"

// readTCPInfo is only implemented on Linux; elsewhere wire bytes are not
// reported.
func readTCPInfo(net.Conn) (tcpCounts, bool) { return tcpCounts{}, false }

// tcpInfoAvailable is false: Results.NotMeasured says so.
const tcpInfoAvailable = false
