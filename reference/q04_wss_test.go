package reference_test

import (
	"context"
	"crypto/tls"
	"io"
	"io/fs"
	"log"
	"strings"
	"testing"
	"time"

	"rtlab/graders"
	"rtlab/graders/probes"
	"rtlab/graders/scenario"
	"rtlab/internal/rawws"
	"rtlab/internal/selfsigned"
	"rtlab/reference"
	"rtlab/scenarios"
)

// serveQ4 runs the Q4 reference over TLS with a certificate made now, as
// `rtlab serve q4 --tls` does.
func serveQ4(t *testing.T) (*reference.Running, *selfsigned.Cert) {
	t.Helper()
	cert, err := selfsigned.New()
	if err != nil {
		t.Fatal(err)
	}
	ts, err := reference.Start("q4", &reference.Options{
		TLS:      cert.ServerConfig(),
		ErrorLog: log.New(io.Discard, "", 0), // the untrusting client's refusal
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ts.Close() })
	return ts, cert
}

// TestQ4WSSEchoTrustsOnlyItsCertificate speaks wss:// by hand to the Q4
// reference: with its certificate trusted the handshake and the echo
// work; with the system's roots the TLS handshake is refused.
func TestQ4WSSEchoTrustsOnlyItsCertificate(t *testing.T) {
	t.Parallel()
	ts, cert := serveQ4(t)
	wss := "wss://" + strings.TrimPrefix(ts.URL, "https://") + "/ws"
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	hs := rawws.NewHandshake()
	hs.TLSConfig = cert.ClientConfig()
	c, err := rawws.Dial(ctx, wss, hs)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.Response.StatusCode != 101 {
		t.Fatalf("status %d over wss://", c.Response.StatusCode)
	}
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if err := c.WriteFrame(rawws.Frame{Fin: true, Opcode: rawws.OpText, Masked: true, Payload: []byte("secret")}); err != nil {
		t.Fatal(err)
	}
	f, err := c.ReadFrame()
	if err != nil || string(f.Payload) != "secret" {
		t.Fatalf("echo over wss://: %q, %v", f.Payload, err)
	}
	if _, ok := c.Conn.(*tls.Conn); !ok {
		t.Fatalf("the connection is a %T, not TLS", c.Conn)
	}

	untrusted := rawws.NewHandshake()
	untrusted.TLSConfig = &tls.Config{}
	if c2, err := rawws.Dial(ctx, wss, untrusted); err == nil {
		c2.Close()
		t.Fatal("a client trusting only the system roots accepted the self-signed certificate")
	}
}

// TestQ4GraderSpeaksWSS grades the Q2 and Q5 checks against the Q4
// reference over https:// and wss://: they must all pass.
func TestQ4GraderSpeaksWSS(t *testing.T) {
	t.Parallel()
	ts, _ := serveQ4(t)
	set := graders.NewProbes()
	probes.Register(set)
	for _, name := range []string{"q02_handshake.yaml", "q05_close_codes.yaml"} {
		data, err := fs.ReadFile(scenarios.FS(), name)
		if err != nil {
			t.Fatal(err)
		}
		sc, err := scenario.Parse(name, data)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		rep := graders.Run(ctx, sc, &graders.Options{URL: ts.URL, Probes: set})
		cancel()
		if !rep.Passed() {
			for _, c := range rep.Checks {
				t.Logf("%s %s: %s", c.Status, c.ID, c.Message())
			}
			t.Fatalf("%s fails over https:// (%v)", name, rep.Err)
		}
	}
}
