package loadtest

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
)

// reportProgress calls Options.Progress every 200ms until the returned
// function is called, which sends a last, finished event.
func (r *runner) reportProgress(ctx context.Context, res *Result) func() {
	if r.o.Progress == nil {
		return func() {}
	}
	event := func(finished bool) ProgressEvent {
		ph, _ := r.phase.Load().(string)
		ev := ProgressEvent{
			Mode: r.o.Mode, Phase: ph, Clients: r.o.Clients,
			Connected: r.conns.Load(), Failed: r.failed.Load(),
			Total: r.total.Load(), Elapsed: time.Since(res.Start), Finished: finished,
		}
		switch r.o.Mode {
		case ModeBroadcast:
			ev.Done = int64(r.delivered())
		case ModeEcho:
			for i := range r.stats {
				ev.Done += r.stats[i].acks.Load()
			}
		}
		return ev
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				r.o.Progress(event(false))
			case <-done:
				return
			case <-ctx.Done():
				return
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			close(done)
			wg.Wait()
			ev := event(true)
			ev.Phase = "done"
			r.o.Progress(ev)
		})
	}
}

// ProgressBars draws runs as mpb progress bars: one bar per run, its
// clients connecting, then its deliveries or acks. Use Bar(label) as the
// Options.Progress of each run, then Wait.
type ProgressBars struct {
	p *mpb.Progress
}

// NewProgressBars draws on w, which should be a terminal.
func NewProgressBars(w io.Writer) *ProgressBars {
	return &ProgressBars{p: mpb.New(mpb.WithOutput(w), mpb.WithWidth(32), mpb.WithRefreshRate(200*time.Millisecond))}
}

// Bar returns a progress function drawing one run under label.
func (pb *ProgressBars) Bar(label string) func(ProgressEvent) {
	var mu sync.Mutex
	var last ProgressEvent
	var bar *mpb.Bar
	return func(ev ProgressEvent) {
		mu.Lock()
		defer mu.Unlock()
		last = ev
		if bar == nil {
			bar = pb.p.AddBar(int64(max(ev.Clients, 1)),
				mpb.PrependDecorators(decor.Name(fmt.Sprintf("%-22s", label))),
				mpb.AppendDecorators(decor.Any(func(decor.Statistics) string {
					mu.Lock()
					defer mu.Unlock()
					s := fmt.Sprintf("%-7s %d/%d conn", last.Phase, last.Connected, last.Clients)
					if last.Failed > 0 {
						s += fmt.Sprintf(" %d failed", last.Failed)
					}
					switch last.Mode {
					case ModeBroadcast:
						s += fmt.Sprintf("  %d/%d delivered", last.Done, last.Total)
					case ModeEcho:
						s += fmt.Sprintf("  %d acks", last.Done)
					}
					return s + fmt.Sprintf("  %.0fs", last.Elapsed.Seconds())
				})),
			)
		}
		cur := ev.Connected + ev.Failed
		if ev.Mode == ModeBroadcast && ev.Total > 0 && ev.Phase != "connect" {
			bar.SetTotal(ev.Total, false)
			cur = ev.Done
		}
		bar.SetCurrent(cur)
		if ev.Finished && !bar.Completed() {
			bar.Abort(false)
		}
	}
}

// Wait ends the drawing.
func (pb *ProgressBars) Wait() { pb.p.Wait() }
