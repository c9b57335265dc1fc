package probes

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"rtlab/graders"
)

// requireChromium skips a test when no browser is installed, saying how to
// get one.
func requireChromium(t *testing.T) {
	t.Helper()
	if _, err := FindChromium(); err != nil {
		var nf BrowserNotFoundError
		if errors.As(err, &nf) {
			t.Skip(err)
		}
		t.Fatal(err)
	}
}

// TestBackoffVariantsFailTheirOwnCheck runs the reference page and its
// broken variants in Chromium: the reference passes every check, each
// variant fails the check that names its bug, and the failure prints the
// measured delays.
func TestBackoffVariantsFailTheirOwnCheck(t *testing.T) {
	t.Parallel()
	requireChromium(t)
	cases := []struct{ variant, check string }{
		{"", ""},
		{"fixed-delay", "growth"},
		{"no-cap", "cap"},
		{"never-reset", "reset"},
	}
	for _, c := range cases {
		t.Run("variant="+c.variant, func(t *testing.T) {
			t.Parallel()
			r := gradeWS(t, "q6", c.variant)
			for _, res := range r.Checks {
				want := graders.Pass
				if res.ID == c.check {
					want = graders.Fail
				}
				if res.Status != want {
					dump(t, r)
					t.Fatalf("%s: %s, want %s", res.ID, res.Status, want)
				}
			}
			if c.check == "" {
				return
			}
			msg := checkByID(r, c.check).Message()
			t.Logf("%s fails %s:\n%s", c.variant, c.check, msg)
			for _, want := range []string{"expected", " ms", "hint"} {
				if !strings.Contains(msg, want) {
					t.Errorf("the failure lacks %q:\n%s", want, msg)
				}
			}
		})
	}
}

func TestJudgeBackoff(t *testing.T) {
	p := backoffParams{base: 100 * time.Millisecond, max: 1600 * time.Millisecond}
	ms := func(xs ...int) []time.Duration {
		var out []time.Duration
		for _, x := range xs {
			out = append(out, time.Duration(x)*time.Millisecond)
		}
		return out
	}
	good := &backoffRun{Connected: true, OpenLogged: true, ParsedLogged: true, PingSeen: `{"type":"ping"}`,
		Delays: ms(110, 190, 430, 820, 1700, 1650), ResetDelay: 115 * time.Millisecond}
	for _, check := range []string{"open", "ping", "parse", "growth", "cap", "reset"} {
		if err := judgeBackoff(good, p, check); err != nil {
			t.Errorf("%s: %v", check, err)
		}
	}
	bad := map[string]*backoffRun{
		"open":   {},
		"ping":   {PingSeen: `"ping"`},
		"parse":  {},
		"growth": {Delays: ms(100, 130, 160, 200, 250, 300)},
		"cap":    {Delays: ms(100, 200, 400, 800, 1600, 3200)},
		"reset":  {Delays: ms(100, 200, 400, 800, 1600, 1600), ResetDelay: 1650 * time.Millisecond},
	}
	for check, run := range bad {
		var f *graders.Failure
		if err := judgeBackoff(run, p, check); !errors.As(err, &f) {
			t.Errorf("%s: %v, want a Failure", check, err)
		}
	}
	// Jitter on top of doubling still passes; a client that stops
	// retrying fails the cap (its wait has no end).
	jit := &backoffRun{Delays: ms(100, 235, 380, 910, 1880, 1700), ResetDelay: 0}
	if err := judgeBackoff(jit, p, "growth"); err != nil {
		t.Errorf("jittered doubling: %v", err)
	}
	if err := judgeBackoff(&backoffRun{Delays: ms(100, 200, 400, 800), LastWait: 5 * time.Second}, p, "cap"); err == nil {
		t.Error("a client that stops retrying passes the cap check")
	}
}

func TestExplainQ6PrintsTheDelays(t *testing.T) {
	t.Parallel()
	requireChromium(t)
	ts := startReference(t, "q6", nil)
	f, ok := allProbes.Explainer("q6")
	if !ok {
		t.Fatal("no explainer for q6")
	}
	u, _ := url.Parse(ts.URL)
	var out bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := f(ctx, &out, u, &http.Client{}); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	for _, want := range []string{"attempt 1", "(no jitter:   200 ms)", "next attempt", "median", "✓ growth", "✓ reset"} {
		if !strings.Contains(s, want) {
			t.Errorf("no %q in:\n%s", want, s)
		}
	}
	t.Logf("\n%s", s)
}

// stablePage is a student's page written differently from the reference:
// full jitter around the doubling (±20 %), a counter reset only once a
// connection has lived 2 s, and no ping handler beyond the contract's.
const stablePage = `<!doctype html><meta charset="utf-8"><script>
const q = new URLSearchParams(location.search);
const base = +q.get("base") || 1000, cap = +q.get("max") || 30000;
let failures = 0, openedAt = 0;
function go() {
  const ws = new WebSocket(q.get("ws"));
  ws.addEventListener("open", () => { openedAt = Date.now(); console.log("open"); ws.send(JSON.stringify({type: "ping"})); });
  ws.addEventListener("message", (e) => console.log("got", JSON.parse(e.data)));
  ws.addEventListener("close", () => {
    if (openedAt && Date.now() - openedAt >= 2000) failures = 0;
    openedAt = 0;
    const d = Math.min(cap, base * Math.pow(2, failures++)) * (0.8 + Math.random() * 0.4);
    setTimeout(go, d);
  });
}
go();
</script>`

func TestBackoffAcceptsAnotherStudentsPage(t *testing.T) {
	t.Parallel()
	requireChromium(t)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, stablePage)
	}))
	defer ts.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	r := graders.Run(ctx, mustLoad(t, "q6"), &graders.Options{Probes: allProbes, URL: ts.URL})
	if !r.Passed() {
		dump(t, r)
		t.Fatal("a correct page written another way fails")
	}
}
