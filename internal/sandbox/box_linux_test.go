package sandbox

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// requireBox skips when this machine cannot sandbox, saying why.
func requireBox(t *testing.T) {
	t.Helper()
	if err := Available(nil); err != nil {
		t.Skipf("%v", err)
	}
}

// project writes files into a fresh folder readable by the box's uid.
func project(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range files {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const helloServer = `
const http = require('http');
http.createServer((req, res) => {
  res.end(JSON.stringify({secret: process.env.JWT_SECRET, home: process.env.HOME, cwd: process.cwd(), user: process.env.USER || null}));
}).listen(process.env.PORT, () => console.log('listening on ' + process.env.PORT));
process.on('SIGTERM', () => { console.log('bye'); process.exit(0); });
`

func TestServerIsReachedAndStopsOnSIGTERM(t *testing.T) {
	t.Parallel()
	requireBox(t)
	dir := project(t, map[string]string{"server.js": helloServer})
	b, err := New(nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := b.Start(ctx, &Command{Line: "node server.js", Dir: dir, Env: []string{"JWT_SECRET=s3"}})
	if err != nil {
		b.Close()
		t.Fatal(err)
	}
	resp, err := http.Get(s.URL())
	if err != nil {
		b.Close()
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	want := `{"secret":"s3","home":"/home/student","cwd":"/submission","user":null}`
	if string(body) != want {
		t.Errorf("body %s, want %s", body, want)
	}
	if err := s.Stop(); err != nil {
		t.Error(err)
	}
	notes := b.Close()
	if len(notes) != 0 {
		t.Errorf("a well-behaved server got notes: %q", notes)
	}
	out, _ := s.Logs()
	if !strings.Contains(out, "bye") {
		t.Errorf("the server did not get SIGTERM; stdout: %q", out)
	}
	if left := procsOf(b.UID()); len(left) != 0 {
		t.Errorf("processes left: %v", left)
	}
}

func TestServerIgnoringSIGTERMIsKilledAndNoted(t *testing.T) {
	t.Parallel()
	requireBox(t)
	dir := project(t, map[string]string{"server.js": `
process.on('SIGTERM', () => console.log('ignoring SIGTERM'));
require('http').createServer((q, r) => r.end('ok')).listen(process.env.PORT);
`})
	b, err := New(&Options{Grace: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	s, err := b.Start(context.Background(), &Command{Line: "node server.js", Dir: dir})
	if err != nil {
		b.Close()
		t.Fatal(err)
	}
	s.Stop()
	notes := b.Close()
	if len(notes) != 1 || !strings.Contains(notes[0], "did not exit within 500ms of SIGTERM: killed node") {
		t.Errorf("notes %q, want one saying the server was killed after SIGTERM", notes)
	}
	if out, _ := s.Logs(); !strings.Contains(out, "ignoring SIGTERM") {
		t.Errorf("the server got no SIGTERM; stdout %q", out)
	}
}

// TestBoxNetworkIsItsOwn: the servers of one box share its loopback (the
// second reaches the first), and nothing in the box reaches the grader's
// loopback or the outside.
func TestBoxNetworkIsItsOwn(t *testing.T) {
	t.Parallel()
	requireBox(t)
	grader, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer grader.Close()
	reached := make(chan struct{}, 1)
	go func() {
		if c, err := grader.Accept(); err == nil {
			c.Close()
			reached <- struct{}{}
		}
	}()
	graderPort := strconv.Itoa(grader.Addr().(*net.TCPAddr).Port)
	dir := project(t, map[string]string{
		"a.js": `require('http').createServer((q, r) => r.end('from a')).listen(process.env.PORT);`,
		"b.js": `
const http = require('http'), net = require('net');
const tries = {};
const done = () => Object.keys(tries).length === 3 && console.log(JSON.stringify(tries));
http.get('http://127.0.0.1:' + process.env.A_PORT, (r) => { let b = ''; r.on('data', (d) => b += d); r.on('end', () => { tries.sibling = b; done(); }); })
  .on('error', (e) => { tries.sibling = e.code; done(); });
net.connect(` + graderPort + `, '127.0.0.1').on('connect', () => { tries.grader = 'connected'; done(); }).on('error', (e) => { tries.grader = e.code; done(); });
net.connect(53, '1.1.1.1').on('connect', () => { tries.outside = 'connected'; done(); }).on('error', (e) => { tries.outside = e.code; done(); });
http.createServer((q, r) => r.end('b')).listen(process.env.PORT);
`})
	b, err := New(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	a, err := b.Start(ctx, &Command{Line: "node a.js", Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	aPort := a.URL()[strings.LastIndexByte(a.URL(), ':')+1:]
	var lines = make(chan string, 10)
	if _, err := b.Start(ctx, &Command{Line: "node b.js", Dir: dir, Env: []string{"A_PORT=" + aPort},
		OnLine: func(_, l string) { lines <- l }}); err != nil {
		t.Fatal(err)
	}
	select {
	case l := <-lines:
		// The keys come in the order the answers arrived.
		for _, want := range []string{`"grader":"ECONNREFUSED"`, `"outside":"ENETUNREACH"`, `"sibling":"from a"`} {
			if !strings.Contains(l, want) {
				t.Errorf("from inside the box: %s; want %s", l, want)
			}
		}
	case <-ctx.Done():
		t.Fatal("the second server never reported its tries")
	}
	select {
	case <-reached:
		t.Error("a server in the box reached the grader's loopback port")
	default:
	}
}

// TestNpmStartRunsInTheBox: npm start works in the box (no network, a
// read-only folder, HOME on tmpfs) and leaves no note.
func TestNpmStartRunsInTheBox(t *testing.T) {
	t.Parallel()
	requireBox(t)
	dir := project(t, map[string]string{
		"package.json": `{"name":"s","version":"1.0.0","scripts":{"start":"node server.js"}}`,
		"server.js":    helloServer,
	})
	b, err := New(nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := b.Start(ctx, &Command{Line: "npm start", Dir: dir})
	if err != nil {
		b.Close()
		t.Fatal(err)
	}
	if resp, err := http.Get(s.URL()); err != nil {
		t.Error(err)
	} else {
		resp.Body.Close()
	}
	if notes := b.Close(); len(notes) != 0 {
		o, e := s.Logs()
		t.Errorf("notes %q\nstdout %s\nstderr %s", notes, o, e)
	}
}

// TestLimitsAreNoted: a server over the file size limit, and one over the
// open files limit, are noted as such.
func TestLimitsAreNoted(t *testing.T) {
	t.Parallel()
	requireBox(t)
	dir := project(t, map[string]string{
		"big.js": `require('fs').writeFileSync('/tmp/big', Buffer.alloc(4 << 20));
require('http').createServer((q, r) => r.end('ok')).listen(process.env.PORT);`,
		"files.js": `const fs = require('fs'); const fds = [];
try { for (;;) fds.push(fs.openSync('/dev/null', 'r')); } catch (e) { console.error(e.message); }
fds.forEach((fd) => fs.closeSync(fd));
require('http').createServer((q, r) => r.end('ok')).listen(process.env.PORT);`,
	})
	b, err := New(&Options{Limits: &Limits{FileSize: 1 << 20, OpenFiles: 64}, StartTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := b.Start(ctx, &Command{Line: "node big.js", Dir: dir}); err == nil || !strings.Contains(err.Error(), "EFBIG") {
		t.Errorf("over the file size limit: %v", err)
	}
	if _, err := b.Start(ctx, &Command{Line: "node files.js", Dir: dir}); err != nil {
		t.Errorf("files.js: %v", err)
	}
	notes := strings.Join(b.Close(), "\n")
	for _, want := range []string{"hit the file size limit", "hit the open files limit"} {
		if !strings.Contains(notes, want) {
			t.Errorf("no note says %q: %s", want, notes)
		}
	}
}
