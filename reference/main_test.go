package reference

import (
	"net/http/httptest"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// start runs exercise id (with variant v) on a loopback port until the test
// ends, and returns its base URL.
func start(t *testing.T, id, v string) string {
	t.Helper()
	ex, ok := Lookup(id)
	if !ok {
		t.Fatalf("no exercise %s", id)
	}
	srv, err := ex.New(&Options{Variant: v})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		srv.Close()
		hs.Close()
	})
	return hs.URL
}

// newLoopbackServer serves h until the test ends and returns its URL; the
// caller closes h itself.
func newLoopbackServer(t *testing.T, h Server) string {
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)
	return hs.URL
}
