package reference

func init() {
	Register(&Exercise{
		ID:  "q4",
		New: newQ4,
	})
}

// newQ4 is Q2's echo endpoint and page, meant to be served over TLS:
// `rtlab serve q4 --tls --cert-out q4.pem` makes a certificate at start-up
// and serves https:// and wss:// on the same port. Nothing in the handler
// changes for wss://: TLS wraps the TCP connection below HTTP, so the
// handshake, the frames and the close codes are the same bytes, encrypted.
// The page builds its URL from location.origin, so it says wss:// when it
// was loaded over https://, as a browser requires (a page from https://
// may not open a ws:// connection: mixed content).
func newQ4(opts *Options) (Server, error) {
	o := opts.withDefaults()
	if err := checkVariant("q4", o.Variant, nil); err != nil {
		return nil, err
	}
	echo := newWSEcho(wsFaults{})
	s := newServer()
	s.Handle("/ws", echo)
	s.Handle("/", publicDir("ws"))
	s.onClose(echo.Close)
	return s, nil
}
