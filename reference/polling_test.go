package reference

import (
	"bufio"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var testClient = &http.Client{Timeout: 10 * time.Second}

func postNote(t *testing.T, base, msg string) notification {
	t.Helper()
	resp, err := testClient.Post(base+"/api/notifications", "application/json", strings.NewReader(`{"message":"`+msg+`"}`))
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, 201, resp.StatusCode)
	var n notification
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&n))
	return n
}

func getFeed(t *testing.T, url string) (int, feed) {
	t.Helper()
	resp, err := testClient.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	var f feed
	if resp.StatusCode == 200 {
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&f))
	}
	return resp.StatusCode, f
}

func TestQ9ShortPolling(t *testing.T) {
	base := start(t, "q9", "")
	a := postNote(t, base, "one")
	b := postNote(t, base, "two")
	require.Less(t, a.CreatedAt, b.CreatedAt, "createdAt strictly increases")
	_, f := getFeed(t, base+"/api/notifications?since=0")
	require.Len(t, f.Notifications, 2)
	require.Equal(t, "one", f.Notifications[0].Message, "oldest first")
	_, f = getFeed(t, base+"/api/notifications")
	require.Len(t, f.Notifications, 2, "a missing since is 0")
	_, f = getFeed(t, base+"/api/notifications?since="+itoa(b.CreatedAt))
	require.Empty(t, f.Notifications)
	require.NotZero(t, f.ServerTime)
	st, _ := getFeed(t, base+"/api/notifications?since=abc")
	require.Equal(t, 400, st)
	resp, err := testClient.Post(base+"/api/notifications", "application/json", strings.NewReader(`{}`))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 400, resp.StatusCode)
}

func itoa(v int64) string { b, _ := json.Marshal(v); return string(b) }

func TestQ10LongPollReleasesEveryWaiter(t *testing.T) {
	base := start(t, "q10", "")
	const waiters = 50
	var wg sync.WaitGroup
	got := make(chan time.Duration, waiters)
	for range waiters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t0 := time.Now()
			st, f := getFeed(t, base+"/api/notifications/long-poll?since=0&timeout=10")
			if st == 200 && len(f.Notifications) == 1 {
				got <- time.Since(t0)
			}
		}()
	}
	time.Sleep(300 * time.Millisecond)
	postNote(t, base, "wake up")
	wg.Wait()
	close(got)
	require.Len(t, got, waiters, "every waiter is released by one post")
}

func TestQ10LongPollTimesOutWith204(t *testing.T) {
	base := start(t, "q10", "")
	st, _ := getFeed(t, base+"/api/notifications/long-poll?since=0&timeout=0.2")
	require.Equal(t, 204, st)
	n := postNote(t, base, "x")
	st, f := getFeed(t, base+"/api/notifications/long-poll?since=0&timeout=5")
	require.Equal(t, 200, st, "newer items answer at once")
	require.Equal(t, n.ID, f.Notifications[0].ID)
}

func TestQ11StreamAndReplay(t *testing.T) {
	base := start(t, "q11", "")
	req, _ := http.NewRequest("GET", base+"/api/stocks/stream", nil)
	resp, err := testClient.Do(req)
	require.NoError(t, err)
	require.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
	require.Equal(t, "no-cache", resp.Header.Get("Cache-Control"))
	id, data := readSSE(t, bufio.NewReader(resp.Body))
	resp.Body.Close()
	var tk tick
	require.NoError(t, json.Unmarshal([]byte(data), &tk))
	require.Positive(t, tk.Price)
	require.NotEmpty(t, tk.Symbol)
	require.Equal(t, "1", id)
}

// readSSE reads one event and returns its id and data.
func readSSE(t *testing.T, r *bufio.Reader) (id, data string) {
	t.Helper()
	for {
		line, err := r.ReadString('\n')
		require.NoError(t, err)
		line = strings.TrimRight(line, "\n")
		switch {
		case line == "" && data != "":
			return id, data
		case strings.HasPrefix(line, "id: "):
			id = line[4:]
		case strings.HasPrefix(line, "data: "):
			data += line[6:]
		}
	}
}

func TestMarketReplaysAfterLastEventID(t *testing.T) {
	m := newMarket(q11Faults{interval: time.Hour}, nil)
	defer m.Close()
	m.next()
	m.next()
	ticks, seq := m.after(1)
	require.Equal(t, 3, seq)
	require.Len(t, ticks, 2, "ids 2 and 3 follow id 1")
	ticks, _ = m.after(3)
	require.Empty(t, ticks)
	for range marketHistory + 5 {
		m.next()
	}
	ticks, _ = m.after(1)
	require.Len(t, ticks, marketHistory, "what is older than the history is gone")
}

func TestQ14FirstEventAtOnce(t *testing.T) {
	base := start(t, "q14", "")
	resp, err := testClient.Get(base + "/api/metrics/stream")
	require.NoError(t, err)
	defer resp.Body.Close()
	_, data := readSSE(t, bufio.NewReader(resp.Body))
	var m metrics
	require.NoError(t, json.Unmarshal([]byte(data), &m))
	require.Positive(t, m.Memory.TotalBytes)
}
