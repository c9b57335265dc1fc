package engineio

import "golang.org/x/sys/unix"

// unreadBytes returns how many bytes ws's socket has received that no one
// has read yet (SIOCINQ), and 0 when that cannot be known.
func unreadBytes(ws *wsConn) int {
	if ws.rc == nil {
		return 0
	}
	n := 0
	ws.rc.Control(func(fd uintptr) {
		if v, err := unix.IoctlGetInt(int(fd), unix.SIOCINQ); err == nil {
			n = v
		}
	})
	return n
}
