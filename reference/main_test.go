package reference

import (
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// start runs exercise id (with variant v) on a loopback port until the test
// ends, and returns its base URL.
func start(t *testing.T, id, v string) string {
	t.Helper()
	r, err := Start(id, &Options{Variant: v})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r.URL
}
