package submission

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"rtlab/graders"
	"rtlab/internal/sandbox"
)

// The hostile submissions of testdata/hostile, each graded on Q17 in a
// box of its own with small limits, beside a sibling submission it must
// not see. Every test checks the same three things: a verdict in bounded
// time, the machine and the sibling untouched, and no process of the box
// left in /proc.

var (
	sharedOnce sync.Once
	sharedErr  error
)

func requireSandbox(t *testing.T) {
	t.Helper()
	sharedOnce.Do(func() { sharedErr = sandbox.Available(nil) })
	if sharedErr != nil {
		t.Skipf("%v (the hostile submissions are graded in the sandbox only)", sharedErr)
	}
}

// hostile copies testdata/hostile/name into a class folder beside a
// sibling holding a secret, and returns the copy's path and the secret.
func hostile(t *testing.T, name string) (dir, secret string) {
	t.Helper()
	class := t.TempDir()
	os.Chmod(class, 0o755)
	secret = "SECRET-" + strconv.FormatUint(rand.Uint64(), 36)
	victim := filepath.Join(class, "victim")
	os.MkdirAll(victim, 0o755)
	if err := os.WriteFile(filepath.Join(victim, "secret.txt"), []byte(secret), 0o644); err != nil {
		t.Fatal(err)
	}
	dir = filepath.Join(class, name)
	if err := os.CopyFS(dir, os.DirFS(filepath.Join("..", "..", "testdata", "hostile", name))); err != nil {
		t.Fatal(err)
	}
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if d.IsDir() {
			os.Chmod(p, 0o755)
		} else {
			os.Chmod(p, 0o644)
		}
		return nil
	})
	return dir, secret
}

type outcome struct {
	res     *Result
	uid     int
	elapsed time.Duration
	text    string // every report, log and note, for searching
}

// runHostile grades testdata/hostile/name, copied by hostile beside its
// sibling, on Q17 with limits small enough for a test, in parallel with
// the other hostile tests; it skips where there is no sandbox.
func runHostile(t *testing.T, name string, limits *sandbox.Limits) (o *outcome, dir, secret string) {
	return runHostileWithin(t, name, limits, 5*time.Second)
}

// runHostileWithin is runHostile with the wait for the port given: a CPU
// limit needs wall time to run out on a loaded machine.
func runHostileWithin(t *testing.T, name string, limits *sandbox.Limits, startTimeout time.Duration) (o *outcome, dir, secret string) {
	t.Helper()
	t.Parallel()
	requireSandbox(t)
	dir, secret = hostile(t, name)
	return gradeHostile(t, dir, limits, startTimeout), dir, secret
}

// gradeHostile grades dir on Q17 with limits, waiting at most startTimeout
// for its port.
func gradeHostile(t *testing.T, dir string, limits *sandbox.Limits, startTimeout time.Duration) *outcome {
	t.Helper()
	uid := 1_100_000 + rand.IntN(90_000)
	opts := &Options{
		Exercises:       []string{"q17"},
		Install:         func(context.Context, string) error { return nil },
		Grader:          &graders.Options{Timeout: time.Second},
		ExerciseTimeout: 40 * time.Second,
		Timeout:         90 * time.Second,
		Sandbox: &sandbox.Options{UID: uid, Limits: limits, StartTimeout: startTimeout,
			Grace: time.Second},
	}
	start := time.Now()
	res, err := Grade(context.Background(), dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	o := &outcome{res: res, uid: uid, elapsed: time.Since(start)}
	var b strings.Builder
	for _, r := range res.Reports() {
		if r.Err != nil {
			b.WriteString(r.Err.Error() + "\n")
		}
		for _, c := range r.Checks {
			b.WriteString(string(c.Status) + " " + c.Name + ": " + c.Message() + "\n")
		}
	}
	for _, l := range res.Logs {
		b.WriteString(l + "\n")
	}
	b.WriteString(strings.Join(res.Sandbox, "\n"))
	o.text = b.String()
	t.Logf("graded in %s; sandbox notes: %q", o.elapsed.Round(time.Millisecond), res.Sandbox)
	if left := processesOf(uid); len(left) > 0 {
		t.Errorf("processes of the submission survived: %v", left)
	}
	if o.elapsed > 80*time.Second {
		t.Errorf("grading took %s", o.elapsed)
	}
	return o
}

// processesOf lists the pids in /proc whose real uid is uid.
func processesOf(uid int) []string {
	ents, _ := os.ReadDir("/proc")
	var out []string
	for _, e := range ents {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		st, err := os.ReadFile("/proc/" + e.Name() + "/status")
		if err != nil {
			continue
		}
		for _, l := range strings.Split(string(st), "\n") {
			if f := strings.Fields(strings.TrimPrefix(l, "Uid:")); strings.HasPrefix(l, "Uid:") && len(f) > 0 && f[0] == strconv.Itoa(uid) {
				out = append(out, e.Name())
			}
		}
	}
	return out
}

func q17(t *testing.T, o *outcome) *Exercise {
	t.Helper()
	for _, e := range o.res.Exercises {
		if e.ID == "q17" {
			return e
		}
	}
	t.Fatalf("no Q17 in the result")
	return nil
}

// failsAll: the exercise was graded and every check failed, none passed.
func failsAll(t *testing.T, o *outcome, why string) {
	t.Helper()
	e := q17(t, o)
	if e.State != Graded {
		t.Fatalf("Q17 is %s (%s), want graded", e.State, e.Reason)
	}
	p, m := e.Score()
	if p != 0 || m == 0 {
		t.Errorf("Q17 scored %d/%d, want 0 of its checks", p, m)
	}
	if !strings.Contains(o.text, why) {
		t.Errorf("the report does not say %q:\n%s", why, clipText(o.text))
	}
}

func clipText(s string) string {
	if len(s) > 4000 {
		return s[:4000] + "…"
	}
	return s
}

func noteHas(t *testing.T, o *outcome, want string) {
	t.Helper()
	for _, n := range o.res.Sandbox {
		if strings.Contains(n, want) {
			return
		}
	}
	t.Errorf("no sandbox note says %q; notes: %q", want, o.res.Sandbox)
}

func TestHostileReadsSibling(t *testing.T) {
	o, _, secret := runHostile(t, "sibling", nil)
	if strings.Contains(o.text, secret) {
		t.Errorf("the sibling's secret reached the submission:\n%s", clipText(o.text))
	}
	if !strings.Contains(o.text, "cannot read /work") && !strings.Contains(o.text, "cannot read /root") {
		t.Errorf("the submission saw the grader's folders:\n%s", clipText(o.text))
	}
}

func TestHostileConnectsOut(t *testing.T) {
	o, _, _ := runHostile(t, "netout", nil)
	if strings.Contains(o.text, "CONNECTED OUT") || strings.Contains(o.text, "RESOLVED") {
		t.Errorf("the submission reached the network:\n%s", clipText(o.text))
	}
	noteHas(t, o, "tried to connect out")
}

func TestHostileWritesOutside(t *testing.T) {
	o, dir, _ := runHostile(t, "writeout", nil)
	for _, p := range []string{filepath.Join(dir, "pwned.txt"), "/etc/pwned.txt", "/usr/pwned.txt"} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("the submission wrote %s", p)
		}
	}
	noteHas(t, o, "tried to write outside")
	if !strings.Contains(o.text, "wrote /tmp/ok.txt") {
		t.Errorf("the submission could not write its own /tmp:\n%s", clipText(o.text))
	}
}

func TestHostileForkBomb(t *testing.T) {
	o, _, _ := runHostile(t, "forkbomb", &sandbox.Limits{Processes: 48})
	failsAll(t, o, "did not listen on PORT")
	noteHas(t, o, "process")
}

func TestHostileNeverListens(t *testing.T) {
	o, _, _ := runHostile(t, "neverlisten", nil)
	failsAll(t, o, "did not listen on PORT")
	if !strings.Contains(o.text, "starting…") {
		t.Errorf("the report does not show the server's output:\n%s", clipText(o.text))
	}
}

func TestHostileWrongPort(t *testing.T) {
	o, _, _ := runHostile(t, "wrongport", nil)
	failsAll(t, o, "does it read PORT from the environment?")
}

func TestHostilePrints100MB(t *testing.T) {
	o, _, _ := runHostile(t, "chatty", nil)
	for cmd, l := range o.res.Logs {
		if len(l) > 2<<20 {
			t.Errorf("%s: %d bytes of log kept, want at most 1 MiB each stream", cmd, len(l))
		}
		if !strings.Contains(l, "not kept") {
			t.Errorf("%s: the log does not say it was capped", cmd)
		}
	}
	if e := q17(t, o); e.State != Graded {
		t.Errorf("Q17 is %s, want graded", e.State)
	}
}

func TestHostileDaemonIgnoresSIGTERM(t *testing.T) {
	o, _, _ := runHostile(t, "daemon", nil)
	noteHas(t, o, "did not exit within")
	noteHas(t, o, "daemon")
}

func TestHostileBurnsCPU(t *testing.T) {
	o, _, _ := runHostileWithin(t, "cpuburn", &sandbox.Limits{CPU: time.Second}, 30*time.Second)
	e := q17(t, o)
	if p, _ := e.Score(); p != 0 {
		t.Errorf("a server that never answers passed %d points", p)
	}
	noteHas(t, o, "SIGXCPU")
}
