//go:build !linux

package engineio

import (
	"net"
	"net/http"
)

// NewFront returns ln: the front waits on the Linux poller.
func NewFront(ln net.Listener, prefix string, h http.Handler, opts *FrontOptions) net.Listener {
	return ln
}
