package probes

import (
	"context"
	"fmt"
	"time"

	"rtlab/graders"

	"rtlab/graders/scenario"
)

// rateLimitSliding tells a sliding window from a fixed one (Q34). A fixed
// window resets its counter at a boundary, so a burst just before the
// boundary and one just after both pass: up to twice the limit in one
// window's time. The probe does not know where a fixed window's
// boundaries are, so it makes the two possible cases visible:
//
//  1. t0: one message (accepted);
//  2. t0+window/2: limit-1 messages (accepted), then one more, which a
//     sliding window refuses (limit messages in the last window). A fixed
//     window whose boundary fell between t0 and now accepts it;
//  3. t0+window+margin: the slot of the t0 message has freed, so one
//     message passes; the next is refused, since the limit-1 messages of
//     step 2 are still in the window. A fixed window that began at t0 (or
//     had its boundary after step 2) has reset and accepts it.
//
// Params: event (default chat-message), limit (default 30), window
// (required, the server's RATE_LIMIT_WINDOW_MS), token (the JWT to
// connect with), settle (default window + 500ms: a pause first, so that
// earlier checks' messages have left the window).
func rateLimitSliding(ctx context.Context, env *graders.ProbeEnv, params map[string]any) error {
	event := paramString(params, "event", "chat-message")
	limit := paramInt(params, "limit", 30)
	window, err := paramDuration(params, "window", 0)
	if err != nil {
		return err
	}
	if window <= 0 || limit < 2 {
		return &graders.ScenarioError{Msg: "rate-limit-sliding needs window: (the server's window, 3s) and limit: ≥ 2"}
	}
	settle, err := paramDuration(params, "settle", window+500*time.Millisecond)
	if err != nil {
		return err
	}
	margin := min(window/10, 500*time.Millisecond)
	var auth any = map[string]any{}
	if tok := paramString(params, "token", ""); tok != "" {
		auth = map[string]any{"token": tok}
	}
	if err := graders.Wait(ctx, settle); err != nil {
		return err
	}
	p, err := probeDial(ctx, env, "", auth, nil, nil)
	if err != nil {
		return err
	}
	defer p.Close()

	n := 0
	send := func() (map[string]any, error) {
		n++
		return p.emitAck(ctx, env, event, map[string]any{"text": fmt.Sprintf("rate probe %d", n)})
	}
	refused := func(a map[string]any) bool { return a["status"] == "error" && a["code"] == "RATE_LIMITED" }
	mustPass := func(step string) error {
		a, err := send()
		if err != nil {
			return err
		}
		if a["status"] != "ok" {
			return &graders.Failure{Reason: fmt.Sprintf("%s: message %d was refused", step, n),
				Expected: `{"status":"ok"}`, Actual: scenario.Describe(scenario.Normalize(a))}
		}
		return nil
	}

	t0 := time.Now()
	if err := mustPass("the first message of a quiet window"); err != nil {
		return err
	}
	if err := graders.Wait(ctx, time.Until(t0.Add(window/2))); err != nil {
		return err
	}
	for i := 1; i < limit; i++ {
		if err := mustPass(fmt.Sprintf("%d messages in the last %s (the limit is %d)", i+1, window, limit)); err != nil {
			return err
		}
	}
	a, err := send()
	if err != nil {
		return err
	}
	if !refused(a) {
		return &graders.Failure{
			Reason: fmt.Sprintf("message %d, sent %s after the first, was accepted although %d were accepted in the last %s: the window restarted in between (a fixed window)",
				limit+1, time.Since(t0).Round(10*time.Millisecond), limit, window),
			Expected: `{"status":"error","code":"RATE_LIMITED",…}`, Actual: scenario.Describe(scenario.Normalize(a))}
	}
	if err := graders.Wait(ctx, time.Until(t0.Add(window+margin))); err != nil {
		return err
	}
	if err := mustPass(fmt.Sprintf("%s after the first message its slot is free again", time.Since(t0).Round(10*time.Millisecond))); err != nil {
		return err
	}
	a, err = send()
	if err != nil {
		return err
	}
	if !refused(a) {
		return &graders.Failure{
			Reason: fmt.Sprintf("%s after the first message, a second message was accepted although the %d sent %s after it are still in the last %s: all slots came back at once (a fixed window reset)",
				time.Since(t0).Round(10*time.Millisecond), limit-1, window/2, window),
			Expected: `{"status":"error","code":"RATE_LIMITED",…}`, Actual: scenario.Describe(scenario.Normalize(a))}
	}
	return nil
}
