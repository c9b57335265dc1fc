package probes

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/coder/websocket"
)

// TestPageHarnessServesOneOrigin: the page at "/", the files beside it,
// the exercise's API (which wins over a file of the same path), and every
// request of the page logged, not the grader's own.
func TestPageHarnessServesOneOrigin(t *testing.T) {
	t.Parallel()
	dir := fstest.MapFS{
		"mine.html":              {Data: []byte("<p>the student's page</p>")},
		"app.js":                 {Data: []byte("console.log('app')")},
		"api/notifications.json": {Data: []byte("a file the API hides")},
	}
	h, err := StartPage("q9", dir, "mine.html", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	get := func(path string) (int, string) {
		t.Helper()
		res, err := http.Get(h.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	if code, body := get("/?interval=1000"); code != 200 || !strings.Contains(body, "the student's page") {
		t.Errorf("GET / = %d %q, want the page", code, body)
	}
	if code, body := get("/app.js"); code != 200 || !strings.Contains(body, "console.log") {
		t.Errorf("GET /app.js = %d %q, want the file beside the page", code, body)
	}
	if code, body := get("/api/notifications?since=0"); code != 200 || !strings.Contains(body, `"notifications"`) {
		t.Errorf("GET /api/notifications = %d %q, want the Q9 API", code, body)
	}
	if _, _, err := h.Do(context.Background(), http.MethodPost, "/api/notifications", []byte(`{"message":"hi"}`)); err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, r := range h.Requests() {
		paths = append(paths, r.Method+" "+r.Path)
	}
	if got := strings.Join(paths, ", "); got != "GET /, GET /app.js, GET /api/notifications" {
		t.Errorf("logged %q: want the page's three GETs, not the grader's POST", got)
	}
}

// TestPageHarnessFail: Fail answers the next matching request in place of
// the server, ends an open one the same way, and Heal lets them through.
func TestPageHarnessFail(t *testing.T) {
	t.Parallel()
	h, err := StartPage("q10", fstest.MapFS{"p.html": {Data: []byte("page")}}, "p.html", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	status := func(path string) chan int {
		ch := make(chan int, 1)
		go func() {
			res, err := http.Get(h.URL + path)
			if err != nil {
				ch <- 0
				return
			}
			res.Body.Close()
			ch <- res.StatusCode
		}()
		return ch
	}
	// A long poll waits (nothing newer than a far future since) …
	waiting := status("/api/notifications/long-poll?since=99999999999999&timeout=20")
	if !h.WaitRequests(context.Background(), 5*time.Second, func(reqs []PageRequest) bool { return len(reqs) == 1 }) {
		t.Fatal("the long poll never arrived")
	}
	// … and Fail ends it with 503, then answers the next one too.
	h.Fail(isFeedGET(longPollPath), http.StatusServiceUnavailable, 2)
	if got := <-waiting; got != http.StatusServiceUnavailable {
		t.Errorf("the waiting long poll got %d, want 503", got)
	}
	if got := <-status("/api/notifications/long-poll?since=0"); got != http.StatusServiceUnavailable {
		t.Errorf("the next long poll got %d, want 503", got)
	}
	h.Heal()
	if got := <-status("/api/notifications/long-poll?since=0&timeout=0.1"); got != http.StatusNoContent {
		t.Errorf("after Heal a quiet long poll got %d, want the server's 204", got)
	}
	reqs := h.Requests()
	if !reqs[0].Failed || !reqs[1].Failed || reqs[2].Failed {
		t.Errorf("Failed marks %v %v %v, want true true false", reqs[0].Failed, reqs[1].Failed, reqs[2].Failed)
	}
}

// TestPageHarnessSkipsWithoutPage: a page probe run against a server
// (no --page) is skipped, saying how to grade a page; the checks after it
// are skipped in turn.
func TestPageHarnessSkipsWithoutPage(t *testing.T) {
	t.Parallel()
	sc := mustLoadPage(t, "q9")
	ref := startReference(t, "q9", nil)
	r := runPageScenario(sc, ref.URL, nil)
	for i, c := range r.Checks {
		if c.Status != "skip" || (i == 0 && !strings.Contains(c.Message(), "rtlab grade --exercise q9 --page FILE")) {
			t.Errorf("%s: %s %q, want skipped (the first saying how to grade a page)", c.ID, c.Status, c.Message())
		}
	}
}

// TestPageHarnessUpgradesWebSocket: a socket.io session behind the
// harness moves from polling to WebSocket, as it would on a real server,
// and the log shows the 101. Before, the harness's recording writer hid
// Hijack from engineio and every upgrade was answered 500: pages ran on
// polling only, slow enough on a loaded machine to miss Q19's 1 s windows.
func TestPageHarnessUpgradesWebSocket(t *testing.T) {
	t.Parallel()
	h, err := StartReferencePage("q19", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	res, err := http.Get(h.URL + "/socket.io/?EIO=4&transport=polling")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	var open struct{ SID string }
	if len(body) < 2 || body[0] != '0' || json.Unmarshal(body[1:], &open) != nil || open.SID == "" {
		t.Fatalf("polling handshake answered %d %q", res.StatusCode, body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws, wres, err := websocket.Dial(ctx, strings.Replace(h.URL, "http", "ws", 1)+"/socket.io/?EIO=4&transport=websocket&sid="+open.SID, nil)
	if err != nil {
		status := 0
		if wres != nil {
			status = wres.StatusCode
		}
		t.Fatalf("upgrade through the harness: %v (status %d)", err, status)
	}
	defer ws.CloseNow()
	if err := ws.Write(ctx, websocket.MessageText, []byte("2probe")); err != nil {
		t.Fatal(err)
	}
	if _, data, err := ws.Read(ctx); err != nil || string(data) != "3probe" {
		t.Fatalf("probe answered %q, %v; want 3probe", data, err)
	}
	// "5" ends the upgrade; the handler returns and the log has the status.
	if err := ws.Write(ctx, websocket.MessageText, []byte("5")); err != nil {
		t.Fatal(err)
	}
	var upgrade []PageRequest
	ended := h.WaitRequests(ctx, 5*time.Second, func(reqs []PageRequest) bool {
		upgrade = upgrade[:0]
		for _, r := range reqs {
			if r.Query.Get("transport") == "websocket" {
				upgrade = append(upgrade, r)
			}
		}
		return len(upgrade) == 1 && !upgrade[0].Open()
	})
	if !ended || upgrade[0].Status != http.StatusSwitchingProtocols {
		t.Errorf("the log's upgrade requests: %+v, want one ended with status 101", upgrade)
	}
}
