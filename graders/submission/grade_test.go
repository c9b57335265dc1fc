package submission

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"rtlab/graders"
	"rtlab/graders/scenario"
	"rtlab/internal/chrome"
	"rtlab/internal/sandbox"
	"rtlab/internal/testpages"
)

// socketIOModules are the packages socket.io 4 needs at run time, copied
// from testdata/node into a submission that uses it.
var socketIOModules = []string{"socket.io", "engine.io", "ws", "accepts", "base64id", "cookie", "cors", "debug", "ms",
	"mime-db", "mime-types", "negotiator", "object-assign", "vary", "socket.io-adapter", "socket.io-parser",
	"engine.io-parser", "@socket.io", "@types", "undici-types"}

const q17Server = `
const http = require('http');
const { Server } = require('socket.io');
const server = http.createServer();
const io = new Server(server);
io.on('connection', (socket) => {
  io.emit('user-count', { count: io.of('/').sockets.size });
  socket.on('disconnect', () => io.emit('user-count', { count: io.of('/').sockets.size }));
});
server.listen(process.env.PORT, () => console.log('listening'));
process.on('SIGTERM', () => { io.close(); process.exit(0); });
`

// withSocketIO writes files into a new submission folder and gives it the
// socket.io packages of testdata/node (make node installs them).
func withSocketIO(t *testing.T, files map[string]string) string {
	t.Helper()
	src := filepath.Join("..", "..", "testdata", "node", "node_modules")
	if _, err := os.Stat(filepath.Join(src, "socket.io")); err != nil {
		t.Skip("testdata/node/node_modules has no socket.io: run make node")
	}
	dir := filepath.Join(t.TempDir(), "alice")
	for _, m := range socketIOModules {
		if err := os.CopyFS(filepath.Join(dir, "node_modules", m), os.DirFS(filepath.Join(src, m))); err != nil {
			t.Fatal(err)
		}
	}
	for name, body := range files {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	openUp(dir)
	return dir
}

// openUp makes a folder readable by the box's uid, as a clone made with
// the usual umask is.
func openUp(dir string) {
	os.Chmod(filepath.Dir(dir), 0o755)
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.IsDir() {
			os.Chmod(p, 0o755)
		} else {
			os.Chmod(p, 0o644)
		}
		return nil
	})
}

func noInstall(context.Context, string) error { return nil }

// TestGoodServerPassesInTheSandbox: a correct Q17 server, graded through
// the sandbox's bridge, passes every check, abrupt disconnects included;
// the exercises it has nothing for are missing, and nothing is noted.
func TestGoodServerPassesInTheSandbox(t *testing.T) {
	t.Parallel()
	requireSandbox(t)
	dir := withSocketIO(t, map[string]string{
		"server.js":  q17Server,
		"rtlab.yaml": "servers:\n  - cmd: node server.js\n    exercises: [q17]\n",
	})
	res, err := Grade(context.Background(), dir, &Options{Exercises: []string{"q15", "q17"}, Install: noInstall,
		Grader: &graders.Options{Timeout: 3 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Setup != "" || len(res.Sandbox) != 0 {
		t.Errorf("setup %q, sandbox notes %q", res.Setup, res.Sandbox)
	}
	if len(res.Exercises) != 2 || res.Exercises[0].State != Missing || res.Exercises[1].State != Graded {
		t.Fatalf("exercises %+v, want q15 missing and q17 graded", res.Exercises)
	}
	e := res.Exercises[1]
	if p, m := e.Score(); p != m || m == 0 {
		for _, r := range e.Parts {
			for _, c := range r.Checks {
				t.Logf("%s %s: %s", c.Status, c.Name, c.Message())
			}
		}
		t.Errorf("Q17 scored %d/%d, want every check", p, m)
	}
	if !strings.Contains(res.Logs["node server.js"], "listening") {
		t.Errorf("logs %q", res.Logs)
	}
	if res.Student != "alice" {
		t.Errorf("student %q, want the folder's name", res.Student)
	}
}

// TestFailedInstallStillGradesTheRest: an install that fails is the
// setup's verdict with the installer's last lines; the server's exercises
// are errors, and the written answers are graded all the same.
func TestFailedInstallStillGradesTheRest(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "package.json"), []byte(`{"scripts":{"start":"node server.js"}}`), 0o644)
	os.WriteFile(filepath.Join(dir, "answers.md"), []byte("## Q7\n\nShort polling asks; long polling waits.\n"), 0o644)
	var gotIDs []string
	res, err := Grade(context.Background(), dir, &Options{
		Exercises: []string{"q7", "q17"}, NoSandbox: true,
		Install: func(context.Context, string) error {
			return &InstallError{Command: "npm ci", Err: os.ErrNotExist, Tail: []string{"npm ERR! missing: socket.io@4"}}
		},
		Answers: func(md []byte, ids []string) []*graders.Report {
			gotIDs = ids
			return []*graders.Report{{Exercise: "q7", Checks: []graders.CheckResult{{ID: "f", Name: "fact", Status: graders.Pass}}}}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(res.Setup, "npm ERR! missing: socket.io@4") {
		t.Errorf("setup %q does not carry the installer's last lines", res.Setup)
	}
	byID := map[string]*Exercise{}
	for _, e := range res.Exercises {
		byID[e.ID] = e
	}
	if e := byID["q17"]; e.State != Error || !strings.Contains(e.Reason, "did not install") {
		t.Errorf("q17 %s %q, want an error naming the install", e.State, e.Reason)
	}
	if e := byID["q7"]; e.State != Graded {
		t.Errorf("q7 %s, want graded (the answers need no install)", e.State)
	}
	if strings.Join(gotIDs, ",") != "q7,q17" {
		t.Errorf("answers asked for %v", gotIDs)
	}
}

// TestPartsNotGradedYetSkip: with no page or answer grader, a page and an
// answer present are skipped "not graded yet", never failed; a page named
// in the manifest but absent is missing.
func TestPartsNotGradedYetSkip(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "client"), 0o755)
	os.WriteFile(filepath.Join(dir, "client", "q9.html"), []byte("<p>q9</p>"), 0o644)
	os.WriteFile(filepath.Join(dir, "notes.md"), []byte("# Answers\n## Q1\nIt upgrades.\n## q12\n600 kB\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "rtlab.yaml"), []byte("student: bob@example.edu\nanswers: notes.md\npages: {q10: web/lp.html}\n"), 0o644)
	res, err := Grade(context.Background(), dir, &Options{Exercises: []string{"q1", "q9", "q10", "q12", "q13"}, NoSandbox: true,
		PageScenarios: map[string]*scenario.Scenario{}}) // no page scenarios: the page is not graded yet
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"q1": "skip:not graded yet", "q9": "skip:not graded yet", "q10": "missing:", "q12": "skip:not graded yet", "q13": ""}
	for _, e := range res.Exercises {
		got := ""
		for _, r := range e.Parts {
			for _, c := range r.Checks {
				got = string(c.Status) + ":" + c.Reason
			}
		}
		if w := want[e.ID]; !strings.HasPrefix(got, w) || (w == "" && got != "") {
			t.Errorf("%s: %q, want %q", e.ID, got, w)
		}
	}
	if res.Student != "bob@example.edu" {
		t.Errorf("student %q", res.Student)
	}
	if p, m := res.Score(); p != 0 || m != 0 {
		t.Errorf("score %d/%d: skipped and missing parts are worth nothing", p, m)
	}
}

// TestBrokenManifestIsASetupError: every exercise is an error naming the
// file, line and field, and Grade itself does not fail.
func TestBrokenManifestIsASetupError(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "rtlab.yaml"), []byte("servers:\n  - cmd: node s.js\n    exercises: [q2, q99]\n"), 0o644)
	res, err := Grade(context.Background(), dir, &Options{Exercises: []string{"q2"}, NoSandbox: true})
	if err != nil {
		t.Fatal(err)
	}
	want := "rtlab.yaml:3: servers[0].exercises[1]: \"q99\" is not an exercise id"
	if !strings.Contains(res.Setup, want) {
		t.Errorf("setup %q, want it to contain %q", res.Setup, want)
	}
	if e := res.Exercises[0]; e.State != Error || !strings.Contains(e.Reason, want) {
		t.Errorf("q2 %s %q", e.State, e.Reason)
	}
	reps := res.Reports()
	if reps[0].Checks[0].Status != graders.Fail || reps[1].Err == nil {
		t.Errorf("reports: %+v %+v", reps[0], reps[1])
	}
}

// TestNoSandboxGradesLikeManagedMode: --no-sandbox starts the server as
// --cmd does, and a server that never listens fails its checks.
func TestNoSandboxServerThatNeverListens(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "rtlab.yaml"), []byte("servers:\n  - cmd: echo hello; sleep 30\n    exercises: [q17]\n"), 0o644)
	res, err := Grade(context.Background(), dir, &Options{Exercises: []string{"q17"}, NoSandbox: true,
		Sandbox: &sandbox.Options{StartTimeout: time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	e := res.Exercises[0]
	if p, m := e.Score(); e.State != Graded || p != 0 || m == 0 {
		t.Errorf("q17 %s %d/%d, want graded 0 of its checks", e.State, p, m)
	}
}

// TestPageGradedByItsScenario: a submission's client/q9.html is graded in
// Chromium by Q9's page scenario, as rtlab grade --page grades it: the
// reference page passes every page check, a page that reads data.items
// fails the backlog check.
func TestPageGradedByItsScenario(t *testing.T) {
	chrome.Require(t)
	t.Parallel()
	for _, tc := range []struct {
		name, src string // src: a page, or an edit file of testdata/pages
		failing   string // the check that must fail, "" for none
	}{
		{"reference", "../../reference/public/q09_short_polling/index.html", ""},
		{"broken", "../../testdata/pages/q09_short_polling/backlog.yaml", "backlog"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			src := tc.src
			if filepath.Ext(src) == ".yaml" {
				src = testpages.Build(t, src)
			}
			page, err := os.ReadFile(src)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			os.MkdirAll(filepath.Join(dir, "client"), 0o755)
			os.WriteFile(filepath.Join(dir, "client", "q9.html"), page, 0o644)
			res, err := Grade(context.Background(), dir, &Options{Exercises: []string{"q9"}, NoSandbox: true})
			if err != nil {
				t.Fatal(err)
			}
			var checks []graders.CheckResult
			for _, e := range res.Exercises {
				for _, r := range e.Parts {
					if strings.HasSuffix(r.Title, " — page") {
						if r.Err != nil {
							t.Fatalf("page not graded: %v", r.Err)
						}
						checks = append(checks, r.Checks...)
					}
				}
			}
			if len(checks) == 0 {
				t.Fatal("no page report")
			}
			for _, c := range checks {
				if c.Status == graders.Skip && c.Reason != "" && strings.Contains(c.Reason, "needs") {
					continue
				}
				if want := c.ID == tc.failing; (c.Status == graders.Fail) != want {
					t.Errorf("%s: %s (%s)", c.ID, c.Status, c.Reason)
				}
			}
		})
	}
}
