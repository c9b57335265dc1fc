package probes

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"rtlab/graders"

	"rtlab/internal/nodetest"
	"rtlab/internal/selfsigned"
	"rtlab/reference"
)

// init turns the test binary into a reference WebSocket server when
// RTLAB_WS_HELPER names an exercise ("q5" or "q5:drop-on-shutdown"), so
// that the SIGTERM check can signal a real process. It runs before
// TestMain.
func init() {
	spec := os.Getenv("RTLAB_WS_HELPER")
	if spec == "" {
		return
	}
	id, variant, _ := strings.Cut(spec, ":")
	os.Exit(wsHelper(id, variant))
}

func wsHelper(id, variant string) int {
	ref, err := reference.Start(id, &reference.Options{Variant: variant, Addr: "127.0.0.1:" + os.Getenv("PORT")})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM)
	select {
	case <-sig:
	case <-time.After(time.Minute): // never outlive the test
	}
	ref.Close() // 1001 to every client, unless the variant drops them
	return 0
}

func TestWSSigtermNeedsA1001(t *testing.T) {
	t.Parallel()
	sc := mustLoad(t, "q5")
	for _, variant := range []string{"", "drop-on-shutdown"} {
		t.Run("variant="+variant, func(t *testing.T) {
			t.Parallel()
			addr, err := graders.FreeAddr()
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			p, err := graders.StartProcess(ctx, "'"+os.Args[0]+"' -test.run='^$'", &graders.ProcessOptions{
				Addr: addr, Env: []string{"RTLAB_WS_HELPER=q5:" + variant},
			})
			if err != nil {
				t.Fatal(err)
			}
			defer p.Stop()
			r := graders.Run(ctx, sc, &graders.Options{Probes: allProbes, URL: "http://" + addr, Server: p})
			st := statuses(r)
			if st["sigterm-1001"] == "" {
				t.Fatalf("no sigterm-1001 check: %v", st)
			}
			want := graders.Pass
			if variant != "" {
				want = graders.Fail
			}
			if st["sigterm-1001"] != want {
				dump(t, r)
				t.Fatalf("sigterm-1001 = %s, want %s", st["sigterm-1001"], want)
			}
			for id, s := range st {
				if id != "sigterm-1001" && s != graders.Pass {
					dump(t, r)
					t.Errorf("%s = %s, want pass", id, s)
				}
			}
			if variant != "" {
				msg := checkByID(r, "sigterm-1001").Message()
				if !strings.Contains(msg, "1006") {
					t.Errorf("the failure does not name what the client saw:\n%s", msg)
				}
			}
		})
	}
}

// TestWSVariantsFailTheirOwnCheck grades each broken /ws variant and
// requires the failure on the check that names its bug, with the code
// seen in the message.
func TestWSVariantsFailTheirOwnCheck(t *testing.T) {
	t.Parallel()
	cases := []struct {
		ex, variant, check, says string
	}{
		{"q2", "bad-accept", "accept-key", "Sec-WebSocket-Accept"},
		{"q2", "any-version", "bad-version", "101"},
		{"q2", "no-key-check", "missing-key", "101"},
		{"q5", "accept-unmasked", "unmasked-1002", "text frame"},
		{"q5", "no-utf8-check", "invalid-utf8-1007", "text frame"},
		{"q5", "no-size-limit", "too-big-1009", "text frame"},
		{"q5", "close-no-code", "close-1000", "1005"},
	}
	for _, c := range cases {
		t.Run(c.ex+"/"+c.variant, func(t *testing.T) {
			t.Parallel()
			r := gradeWS(t, c.ex, c.variant)
			for _, res := range r.Checks {
				want := graders.Pass
				if res.ID == c.check {
					want = graders.Fail
				}
				if res.Status != want && !(want == graders.Pass && res.Status == graders.Skip) {
					dump(t, r)
					t.Fatalf("%s: %s, want %s", res.ID, res.Status, want)
				}
			}
			if msg := checkByID(r, c.check).Message(); !strings.Contains(msg, c.says) || !strings.Contains(msg, "expected") || !strings.Contains(msg, "hint") {
				t.Errorf("the failure should say expected, %q and a hint:\n%s", c.says, msg)
			}
		})
	}
}

func gradeWS(t *testing.T, id, variant string) *graders.Report {
	t.Helper()
	ts := startReference(t, id, &reference.Options{Variant: variant})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return graders.Run(ctx, mustLoad(t, id), &graders.Options{Probes: allProbes, URL: ts.URL, Nginx: nginxOf(ts.Server)})
}

func TestWSEchoOverTLS(t *testing.T) {
	t.Parallel()
	cert, err := selfsigned.New()
	if err != nil {
		t.Fatal(err)
	}
	ts := startReference(t, "q2", &reference.Options{TLS: cert.ServerConfig(), ErrorLog: log.New(io.Discard, "", 0)})
	u, _ := url.Parse(ts.URL)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	trusting := &http.Client{Transport: &http.Transport{TLSClientConfig: cert.ClientConfig()}}
	defer trusting.CloseIdleConnections()
	env := &graders.ProbeEnv{URL: u, HTTP: trusting, Timeout: 2 * time.Second}
	if err := wsEchoProbe(ctx, env, map[string]any{}); err != nil {
		t.Fatalf("echo over wss:// trusting the test certificate: %v", err)
	}
	// Without trusting it, the probe must refuse the certificate.
	env.HTTP = &http.Client{}
	if err := wsEchoProbe(ctx, env, map[string]any{}); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("echo with an untrusted certificate: %v, want a certificate error", err)
	}
}

func TestExplainQ2DrawsTheHandshake(t *testing.T) {
	t.Parallel()
	for _, variant := range []string{"", "bad-accept"} {
		ts, err := reference.Start("q2", &reference.Options{Variant: variant})
		if err != nil {
			t.Fatal(err)
		}
		u, _ := url.Parse(ts.URL)
		f, ok := allProbes.Explainer("Q02")
		if !ok {
			t.Fatal("no explainer for q2")
		}
		var out bytes.Buffer
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		tr := &http.Transport{}
		err = f(ctx, &out, u, &http.Client{Transport: tr})
		cancel()
		tr.CloseIdleConnections()
		ts.Close()
		if err != nil {
			t.Fatal(err)
		}
		s := out.String()
		for _, want := range []string{"GET /ws HTTP/1.1", "(?i)Sec-WebSocket-Key: ", "HTTP/1.1 101 Switching Protocols", "▶│", "│◀", `text "hello", masked  [81 85`} {
			if low, ok := strings.CutPrefix(want, "(?i)"); ok {
				want = low
				if !strings.Contains(strings.ToLower(s), strings.ToLower(low)) {
					t.Errorf("variant %q: the diagram lacks %q:\n%s", variant, want, s)
				}
				continue
			}
			if !strings.Contains(s, want) {
				t.Errorf("variant %q: the diagram lacks %q:\n%s", variant, want, s)
			}
		}
		verdict := "✓ Sec-WebSocket-Accept matches"
		if variant != "" {
			verdict = "✗ Sec-WebSocket-Accept is"
		}
		if !strings.Contains(s, verdict) {
			t.Errorf("variant %q: want %q in:\n%s", variant, verdict, s)
		}
		if variant == "" {
			t.Logf("\n%s", s)
		}
	}
}

// TestWSResetCatchesACrash: a server that dies once its first client goes
// (as a Node server without a socket 'error' listener does on ECONNRESET)
// fails reset-1006.
func TestWSResetCatchesACrash(t *testing.T) {
	t.Parallel()
	var once sync.Once
	crashed := make(chan struct{})
	dies := func(srv http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-crashed:
				http.Error(w, "crashed", http.StatusBadGateway)
				return
			default:
			}
			srv.ServeHTTP(w, r)
			once.Do(func() { close(crashed) }) // the first connection's end kills it
		})
	}
	ts := startReference(t, "q5", &reference.Options{Wrap: dies})
	u, _ := url.Parse(ts.URL)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := wsResetProbe(ctx, &graders.ProbeEnv{URL: u, HTTP: &http.Client{}, Timeout: 2 * time.Second}, map[string]any{})
	var f *graders.Failure
	if !errors.As(err, &f) || !strings.Contains(f.Error(), "reset") {
		t.Fatalf("%v, want a failure naming the reset", err)
	}
}

// nodeWSServer is what a student writes for Q2 and Q5 with the npm ws
// package, from the contract alone: an echo with a 1 MiB limit that says
// goodbye with 1001 on SIGTERM.
const nodeWSServer = `
const http = require("http");
const { WebSocketServer } = require("ws");
const server = http.createServer((req, res) => { res.writeHead(404); res.end(); });
const wss = new WebSocketServer({ server, path: "/ws", maxPayload: 1024 * 1024 });
wss.on("connection", (ws) => {
  ws.on("error", () => {});
  ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary }));
});
process.on("SIGTERM", () => {
  for (const ws of wss.clients) ws.close(1001, "server shutting down");
  setTimeout(() => process.exit(0), 200);
});
server.listen(Number(process.env.PORT), "127.0.0.1", () => console.log("listening", process.env.PORT));
setTimeout(() => process.exit(0), 60000);
`

// TestWSChecksAgainstNodeWS grades a Node.js server built on the ws
// package, as a student writes it: every Q2 and Q5 check must pass,
// SIGTERM included (managed mode).
func TestWSChecksAgainstNodeWS(t *testing.T) {
	t.Parallel()
	dir := nodetest.Require(t)
	script := filepath.Join(t.TempDir(), "server.js")
	if err := os.WriteFile(script, []byte(nodeWSServer), 0o644); err != nil {
		t.Fatal(err)
	}
	addr, err := graders.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	p, err := graders.StartProcess(ctx, "exec node '"+script+"'", &graders.ProcessOptions{
		Addr: addr, Env: []string{"NODE_PATH=" + filepath.Join(dir, "node_modules")},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	for _, id := range []string{"q2", "q5"} {
		r := graders.Run(ctx, mustLoad(t, id), &graders.Options{Probes: allProbes, URL: "http://" + addr, Server: p})
		for _, c := range r.Checks {
			if c.Status != graders.Pass {
				dump(t, r)
				t.Fatalf("%s/%s: %s against a Node ws server", id, c.ID, c.Status)
			}
		}
	}
}
