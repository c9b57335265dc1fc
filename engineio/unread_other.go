//go:build !linux

package engineio

// unreadBytes would return how many bytes ws's socket has received that
// no one has read yet; elsewhere than Linux it says 0, and a request that
// races an upgrade relies on the upgrade's reader alone (awaitProbeLocked).
func unreadBytes(ws *wsConn) int { return 0 }

// unreadFD is unreadBytes for a socket's file descriptor.
func unreadFD(fd uintptr) int { return 0 }
