package probes

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"rtlab/graders"

	"rtlab/graders/scenario"
)

// longPollRelease measures what Q10 promises and a step cannot time: a
// waiting long poll is answered within 200 ms of the POST that creates a
// notification, every waiter included. Params:
//
//	waiters     how many long polls wait at once (default 1)
//	within      the deadline after the POST is sent, for the median waiter
//	            (default 200ms)
//	all_within  the deadline for the slowest waiter (default 1s: fifty
//	            answers on a busy machine take a while to read; a server
//	            that polls its own list once a second still fails)
//	hold        how long the waiters get to arrive before the POST (default 500ms)
func longPollRelease(ctx context.Context, env *graders.ProbeEnv, params map[string]any) error {
	n := 1
	if v, ok := scenario.ToFloat(params["waiters"]); ok && v >= 1 {
		n = int(v)
	}
	within, allWithin, hold := 200*time.Millisecond, time.Second, 500*time.Millisecond
	for k, dst := range map[string]*time.Duration{"within": &within, "all_within": &allWithin, "hold": &hold} {
		if s, ok := params[k].(string); ok {
			d, err := time.ParseDuration(s)
			if err != nil || d <= 0 {
				return &graders.ScenarioError{Msg: fmt.Sprintf("long-poll-release: params.%s %q is not a duration", k, s)}
			}
			*dst = d
		}
	}
	since, err := postNotification(ctx, env, "rtlab marker")
	if err != nil {
		return err
	}
	answers := make([]longPollAnswer, n)
	wctx, cancel := context.WithTimeout(ctx, hold+allWithin+10*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	u, _ := env.URL.Parse(fmt.Sprintf("/api/notifications/long-poll?since=%d&timeout=10", since))
	early := make(chan int, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequestWithContext(wctx, "GET", u.String(), nil)
			resp, err := env.HTTP.Do(req)
			a := longPollAnswer{err: err}
			if err == nil {
				raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
				resp.Body.Close()
				a.status, a.body = resp.StatusCode, string(raw)
			}
			a.at = time.Now()
			answers[i] = a
			early <- i
		}()
	}
	defer wg.Wait()
	t := time.NewTimer(hold)
	select {
	case i := <-early:
		t.Stop()
		cancel()
		wg.Wait()
		a := answers[i]
		return &graders.Failure{Reason: "a long poll was answered before any newer notification existed",
			Expected: "the request held until a POST (or its timeout, 10 s)", Actual: fmt.Sprintf("%d %s %v", a.status, scenario.Shorten(a.body, 150), a.err)}
	case <-t.C:
	}
	sent := time.Now()
	if _, err := postNotification(ctx, env, "rtlab release"); err != nil {
		cancel()
		return err
	}
	wg.Wait()
	return judgeReleases(answers, sent, within, allWithin)
}

// longPollAnswer is how one waiting long poll was answered, and when.
type longPollAnswer struct {
	at     time.Time
	status int
	body   string
	err    error
}

// postNotification creates a notification with message msg and returns
// its createdAt.
func postNotification(ctx context.Context, env *graders.ProbeEnv, msg string) (int64, error) {
	u, _ := env.URL.Parse("/api/notifications")
	body, _ := json.Marshal(map[string]string{"message": msg})
	pctx, cancel := context.WithTimeout(ctx, env.Timeout)
	defer cancel()
	req, _ := http.NewRequestWithContext(pctx, "POST", u.String(), bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := env.HTTP.Do(req)
	if err != nil {
		return 0, &graders.Failure{Reason: "POST /api/notifications failed", Actual: scenario.Shorten(err.Error(), 200)}
	}
	defer resp.Body.Close()
	var out struct {
		CreatedAt int64 `json:"createdAt"`
	}
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode != http.StatusCreated || json.Unmarshal(raw, &out) != nil {
		return 0, &graders.Failure{Reason: "POST /api/notifications did not create a notification",
			Expected: `201 {"id","message","createdAt"}`, Actual: fmt.Sprintf("%d %s", resp.StatusCode, scenario.Shorten(string(raw), 200))}
	}
	return out.CreatedAt, nil
}

// judgeReleases requires that every waiter was answered with the released
// notification, the median within within of the POST (sent) and the
// slowest within allWithin.
func judgeReleases(answers []longPollAnswer, sent time.Time, within, allWithin time.Duration) error {
	n := len(answers)
	var lat []time.Duration
	for i, a := range answers {
		switch {
		case a.err != nil:
			return &graders.Failure{Reason: fmt.Sprintf("long poll %d of %d got no answer after the POST", i+1, n),
				Expected: fmt.Sprintf("200 with the new notification within %s", within), Actual: scenario.Shorten(a.err.Error(), 200)}
		case a.status != 200 || !strings.Contains(a.body, "rtlab release"):
			return &graders.Failure{Reason: fmt.Sprintf("long poll %d of %d was not answered with the new notification", i+1, n),
				Expected: `200 {"notifications":[{"message":"rtlab release",…}],"serverTime"}`, Actual: fmt.Sprintf("%d %s", a.status, scenario.Shorten(a.body, 150))}
		}
		lat = append(lat, a.at.Sub(sent))
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	med, slow := lat[len(lat)/2], lat[len(lat)-1]
	if med > within || slow > allWithin {
		return &graders.Failure{Reason: fmt.Sprintf("the long poll took %d ms after the POST to answer", max(med, slow).Milliseconds()),
			Expected: fmt.Sprintf("waiters answered within %d ms of the POST (the slowest of many within %d ms)", within.Milliseconds(), allWithin.Milliseconds()),
			Actual:   fmt.Sprintf("%d waiters: fastest %d ms, median %d ms, slowest %d ms", n, lat[0].Milliseconds(), med.Milliseconds(), slow.Milliseconds())}
	}
	return nil
}
