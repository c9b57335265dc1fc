package bench

import (
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
)

// ProgressBars shows one progress bar per transport (github.com/vbauerster/mpb)
// while Run works: phase, time through warm-up and window, updates delivered.
// Use its Update method as Options.Progress and call Wait at the end.
type ProgressBars struct {
	p    *mpb.Progress
	mu   sync.Mutex
	bars map[string]*bar
}

type bar struct {
	b     *mpb.Bar
	phase atomic.Value // string; read by mpb's goroutine
	n     atomic.Int64
}

// NewProgressBars draws on w, which should be a terminal.
func NewProgressBars(w io.Writer) *ProgressBars {
	return &ProgressBars{p: mpb.New(mpb.WithOutput(w), mpb.WithWidth(40)), bars: map[string]*bar{}}
}

// Update moves the bar of ev.Transport, creating it on first sight.
func (pb *ProgressBars) Update(ev ProgressEvent) {
	pb.mu.Lock()
	defer pb.mu.Unlock()
	b, ok := pb.bars[ev.Transport]
	if !ok {
		b = &bar{}
		b.b = pb.p.AddBar(int64(ev.Total.Milliseconds()),
			mpb.PrependDecorators(
				decor.Name(fmt.Sprintf("%-19s", ev.Transport)),
				decor.Any(func(decor.Statistics) string {
					ph, _ := b.phase.Load().(string)
					return fmt.Sprintf("%-8s", ph)
				}),
			),
			mpb.AppendDecorators(
				decor.Any(func(decor.Statistics) string { return fmt.Sprintf("%8d delivered", b.n.Load()) }),
			),
		)
		pb.bars[ev.Transport] = b
	}
	b.phase.Store(string(ev.Phase))
	b.n.Store(ev.Delivered)
	if ev.Err != nil {
		b.phase.Store("not run")
	}
	if ev.Done {
		b.b.SetCurrent(int64(ev.Total.Milliseconds()))
		if !b.b.Completed() {
			b.b.Abort(false)
		}
		return
	}
	b.b.SetCurrent(int64(ev.Elapsed.Milliseconds()))
}

// Wait ends every bar and waits for the last frame to be drawn.
func (pb *ProgressBars) Wait() {
	pb.mu.Lock()
	for _, b := range pb.bars {
		if !b.b.Completed() && !b.b.Aborted() {
			b.b.Abort(false)
		}
	}
	pb.mu.Unlock()
	pb.p.Wait()
}
