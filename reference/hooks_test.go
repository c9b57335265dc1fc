package reference

import (
	"bufio"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The hooks the grader tests a page with: Q10 with its clock 10 minutes
// behind and quiet waits capped at 300 ms.
func TestHooksShiftTheClockAndCapTheWait(t *testing.T) {
	t.Parallel()
	r, err := Start("q10", &Options{Hooks: &Hooks{ClockOffset: -10 * time.Minute, LongPollCap: 300 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	res, err := http.Post(r.URL+"/api/notifications", "application/json", strings.NewReader(`{"message":"hi"}`))
	if err != nil {
		t.Fatal(err)
	}
	var item struct{ CreatedAt int64 }
	json.NewDecoder(res.Body).Decode(&item)
	res.Body.Close()
	if behind := time.Now().UnixMilli() - item.CreatedAt; behind < 9*60*1000 || behind > 11*60*1000 {
		t.Errorf("createdAt is %d ms behind the machine's clock, want about 10 minutes", behind)
	}
	start := time.Now()
	res, err = http.Get(r.URL + "/api/notifications/long-poll?timeout=25&since=" + "99999999999999")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if took := time.Since(start); res.StatusCode != http.StatusNoContent || took > 3*time.Second {
		t.Errorf("a quiet long poll asking 25 s: %d after %v, want 204 after the 300 ms cap", res.StatusCode, took)
	}
}

// StreamControl: Q11's events under the grader's hand: recorded as sent,
// paused, and the stream ended.
func TestStreamControlPausesAndEnds(t *testing.T) {
	t.Parallel()
	ctl := NewStreamControl()
	r, err := Start("q11", &Options{Hooks: &Hooks{Interval: 50 * time.Millisecond, Retry: 500 * time.Millisecond,
		Symbols: []string{"ACME"}, Streams: ctl}})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	res, err := http.Get(r.URL + "/api/stocks/stream")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	sc := bufio.NewScanner(res.Body)
	if !sc.Scan() || sc.Text() != "retry: 500" {
		t.Fatalf("first line %q, want retry: 500", sc.Text())
	}
	for data := 0; data < 3 && sc.Scan(); {
		if strings.HasPrefix(sc.Text(), "data: ") {
			data++
		}
	}
	// The server records an event once its write returned: the client
	// may read it a moment before.
	for deadline := time.Now().Add(2 * time.Second); len(ctl.Sent()) < 3 && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	if n := len(ctl.Sent()); n < 3 || ctl.Sent()[0].Stream != 1 {
		t.Fatalf("Sent() holds %d events, want at least 3 of stream 1", n)
	}
	ctl.Pause()
	time.Sleep(100 * time.Millisecond) // let an event already made go out
	paused := len(ctl.Sent())
	time.Sleep(300 * time.Millisecond) // six intervals: none may come
	if n := len(ctl.Sent()); n != paused {
		t.Errorf("%d events sent while paused", n-paused)
	}
	ctl.Resume()
	ctl.End()
	done := make(chan struct{})
	go func() {
		for sc.Scan() {
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("End did not end the open stream")
	}
}
