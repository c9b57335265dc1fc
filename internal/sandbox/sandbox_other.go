//go:build !linux

package sandbox

import (
	"context"
	"runtime"
	"syscall"
)

// Available reports why this machine cannot sandbox: bubblewrap runs on
// Linux only.
func Available(*Options) error {
	return &UnavailableError{Reason: "bubblewrap runs on Linux only, and this is " + runtime.GOOS}
}

// Box is not available on this platform; New always fails.
type Box struct{}

// Server is not available on this platform.
type Server struct{}

// New fails: see Available.
func New(o *Options) (*Box, error) { return nil, Available(o) }

// Start fails: see Available.
func (b *Box) Start(context.Context, *Command) (*Server, error) { return nil, Available(nil) }

// Close does nothing.
func (b *Box) Close() []string { return nil }

// Notes is empty.
func (b *Box) Notes() []string { return nil }

// UID is 0.
func (b *Box) UID() int { return 0 }

// URL is empty.
func (s *Server) URL() string { return "" }

// Stop does nothing.
func (s *Server) Stop() error { return nil }

// Signal fails.
func (s *Server) Signal(syscall.Signal) error { return Available(nil) }

// Logs are empty.
func (s *Server) Logs() (stdout, stderr string) { return "", "" }
