package bench

import (
	"net"

	"golang.org/x/sys/unix"
)

// tcpInfoAvailable: Linux reports TCP_INFO on every TCP socket.
const tcpInfoAvailable = true

// tcpiOptTimestamps is TCPI_OPT_TIMESTAMPS of linux/tcp.h.
const tcpiOptTimestamps = 1

// readTCPInfo asks the kernel for TCP_INFO on c, which must be a *net.TCPConn.
// ok is false when the platform or the connection cannot tell.
func readTCPInfo(c net.Conn) (tc tcpCounts, ok bool) {
	t, isTCP := c.(*net.TCPConn)
	if !isTCP {
		return tc, false
	}
	raw, err := t.SyscallConn()
	if err != nil {
		return tc, false
	}
	var info *unix.TCPInfo
	var gerr error
	if err := raw.Control(func(fd uintptr) {
		info, gerr = unix.GetsockoptTCPInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_INFO)
	}); err != nil || gerr != nil {
		return tc, false
	}
	return tcpCounts{
		SegsOut: int64(info.Segs_out), SegsIn: int64(info.Segs_in),
		DataSegsOut: int64(info.Data_segs_out), DataSegsIn: int64(info.Data_segs_in),
		BytesAcked: int64(info.Bytes_acked), BytesRecv: int64(info.Bytes_received),
		Timestamps: info.Options&tcpiOptTimestamps != 0,
	}, true
}
