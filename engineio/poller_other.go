//go:build !linux

package engineio

import (
	"errors"
	"syscall"
)

// poller exists on Linux only; elsewhere every WebSocket session keeps a
// reader goroutine.
type poller struct{}

type pollReg struct{}

func newPoller(func()) (*poller, error) { return nil, errors.New("engineio: no poller on this system") }

func (p *poller) add(syscall.RawConn, func(bool)) (*pollReg, error) {
	return nil, errors.New("engineio: no poller")
}
func (r *pollReg) remove() {}
func (p *poller) stop()    {}

// writeOnce takes nothing here: every message goes through the writer.
func writeOnce(syscall.RawConn, []byte) (int, error) { return 0, nil }

// readOnce is never called here: without a poller a session's reader
// waits on Go's poller.
func readOnce(syscall.RawConn, []byte) (int, error) { return 0, errWouldBlock }
