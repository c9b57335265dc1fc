package reference_test

import (
	"context"
	"io/fs"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"rtlab/graders"
	"rtlab/reference"
	"rtlab/scenarios"
)

// scenarioFor parses exercise id's scenario file alone, so that a file of
// another exercise being edited cannot stop these tests.
func scenarioFor(t *testing.T, id string) *graders.Scenario {
	t.Helper()
	for _, name := range scenarios.Names() {
		if reference.NormalizeID(strings.SplitN(name, "-", 2)[0]) != id {
			continue
		}
		data, err := fs.ReadFile(scenarios.FS(), name)
		if err != nil {
			t.Fatal(err)
		}
		sc, err := graders.Parse(name, data)
		if err != nil {
			t.Fatal(err)
		}
		return sc
	}
	t.Fatalf("no scenario for %s", id)
	return nil
}

// gradeVariant grades exercise id's reference server, broken as variant v,
// against its scenario, the way `rtlab grade` does in reference mode.
func gradeVariant(t *testing.T, id, v string) *graders.Report {
	t.Helper()
	sc := scenarioFor(t, id)
	ex, ok := reference.Lookup(id)
	if !ok {
		t.Fatalf("no reference for %s", id)
	}
	logs := graders.NewLogSink()
	srv, err := ex.New(&reference.Options{Variant: v, Log: logs})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer func() {
		srv.Close()
		ts.CloseClientConnections()
		ts.Close()
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	return graders.Run(ctx, sc, &graders.Options{URL: ts.URL, Server: logs})
}

// testVariantsFailTheirCheck grades exercise id's reference and each of
// its broken variants: the reference passes every check, and each variant
// fails the check named for its bug (want: variant → check id), which
// shows that the check catches the mistake it describes rather than
// another check catching it by accident. Every variant must be in want.
func testVariantsFailTheirCheck(t *testing.T, id string, want map[string]string) {
	if testing.Short() {
		t.Skip("grades every variant: slow")
	}
	t.Parallel()
	ex, ok := reference.Lookup(id)
	if !ok {
		t.Fatalf("no reference for %s", id)
	}
	for _, v := range ex.Variants {
		if _, ok := want[v]; !ok {
			t.Errorf("variant %s has no check named in the test", v)
		}
	}
	for _, v := range append([]string{""}, ex.Variants...) {
		name := v
		if name == "" {
			name = "reference"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			rep := gradeVariant(t, id, v)
			if rep.Err != nil {
				t.Fatal(rep.Err)
			}
			var failed []string
			status := map[string]graders.Status{}
			for _, c := range rep.Checks {
				status[c.ID] = c.Status
				if c.Status == graders.Fail {
					failed = append(failed, c.ID)
					t.Logf("%s failed: %s", c.ID, strings.ReplaceAll(c.Message(), "\n", "\n\t"))
				}
			}
			if v == "" {
				if len(failed) > 0 {
					t.Errorf("the reference fails %v", failed)
				}
				return
			}
			check := want[v]
			if _, ok := status[check]; !ok {
				t.Fatalf("the scenario has no check %q", check)
			}
			if status[check] != graders.Fail {
				t.Errorf("variant %s: check %s is %s, want fail (failed: %v)", v, check, status[check], failed)
			}
		})
	}
}

func TestQ23VariantsFailTheirCheck(t *testing.T) {
	testVariantsFailTheirCheck(t, "q23", map[string]string{
		"no-auth-check":     "refuse-without-user-id",
		"no-sender-copy":    "sender-copy",
		"one-tab":           "all-recipient-tabs",
		"to-everyone":       "nobody-else",
		"no-queue":          "offline-queued",
		"queue-reversed":    "queued-in-order",
		"redeliver":         "queued-delivered-once",
		"no-validation":     "missing-to",
		"stale-on-drop":     "offline-after-drop",
		"crash-on-bad-body": "bad-payload-survives",
		"no-timestamp":      "message-delivered",
		"always-delivered":  "offline-ack",
	})
}
