package bench

import (
	"fmt"
	"strings"
)

// UnknownTransportError reports a transport name that Run does not know.
type UnknownTransportError struct{ Name string }

func (e *UnknownTransportError) Error() string {
	return fmt.Sprintf("bench: unknown transport %q (known: %s)", e.Name, strings.Join(TransportNames(), ", "))
}

// TransportError reports a transport whose run failed; the other transports
// still run, and its row in the results carries the message.
type TransportError struct {
	Transport string
	Err       error
}

func (e *TransportError) Error() string {
	return fmt.Sprintf("bench: transport %s: %v", e.Transport, e.Err)
}

func (e *TransportError) Unwrap() error { return e.Err }
