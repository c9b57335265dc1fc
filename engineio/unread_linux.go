package engineio

import "golang.org/x/sys/unix"

// unreadBytes returns how many bytes ws's socket has received that no one
// has read yet (SIOCINQ), and 0 when that cannot be known.
func unreadBytes(ws *wsConn) int {
	if ws.rc == nil {
		return 0
	}
	n := 0
	ws.rc.Control(func(fd uintptr) { n = unreadFD(fd) })
	return n
}

// unreadFD is unreadBytes for a socket's file descriptor.
func unreadFD(fd uintptr) int {
	n, err := unix.IoctlGetInt(int(fd), unix.SIOCINQ)
	if err != nil {
		return 0
	}
	return n
}
