package class

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
)

// Lines is the Progress of a run whose output is not a terminal (a log, a
// CI job): one line per submission graded.
type Lines struct {
	W     io.Writer
	mu    sync.Mutex
	done  int
	total int
}

func (l *Lines) Start(total, jobs int) {
	l.total = total
	fmt.Fprintf(l.W, "grading %d submissions, %d at a time\n", total, jobs)
}

func (l *Lines) Begin(int, string) {}

func (l *Lines) End(job int, rec *Record, took time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.done++
	fmt.Fprintf(l.W, "[%d/%d] %s\n", l.done, l.total, outcome(rec, took))
}

func (l *Lines) Stop() {}

// outcome is one submission's line: who, the score, how long.
func outcome(rec *Record, took time.Duration) string {
	s := fmt.Sprintf("%s: %d/%d points (%.1fs)", printableName(rec.Student), rec.Points, rec.Max, took.Seconds())
	switch {
	case rec.Crash != "":
		s += ": could not be graded: " + firstLines(rec.Crash, 1)
	case rec.Setup != "":
		s += ": setup failed"
	}
	return s
}

// Bars is the Progress of a run on a terminal: a bar per job showing the
// submission it grades, and one for the class.
type Bars struct {
	p     *mpb.Progress
	class *mpb.Bar
	mu    sync.Mutex
	jobs  []*jobBar
	w     io.Writer
	// refresh draws even when w is not a terminal (tests).
	refresh bool
}

type jobBar struct {
	bar     *mpb.Bar
	student string
	since   time.Time
	done    int
}

// NewBars draws on w, which should be a terminal.
func NewBars(w io.Writer) *Bars { return &Bars{w: w} }

func (b *Bars) Start(total, jobs int) {
	b.p = mpb.New(mpb.WithOutput(b.w), mpb.WithWidth(32), mpb.WithRefreshRate(200*time.Millisecond),
		mpb.ContainerOptional(mpb.WithAutoRefresh(), b.refresh))
	for i := range jobs {
		jb := &jobBar{}
		jb.bar = b.p.AddBar(int64(total),
			mpb.PrependDecorators(decor.Name(fmt.Sprintf("job %-3d", i+1))),
			mpb.AppendDecorators(decor.Any(func(decor.Statistics) string {
				b.mu.Lock()
				defer b.mu.Unlock()
				if jb.student == "" {
					return fmt.Sprintf("%d graded, idle", jb.done)
				}
				return fmt.Sprintf("%d graded, now %s (%.0fs)", jb.done, clip(jb.student, 28), time.Since(jb.since).Seconds())
			})),
			mpb.BarFillerClearOnComplete(),
		)
		b.jobs = append(b.jobs, jb)
	}
	b.class = b.p.AddBar(int64(total),
		mpb.PrependDecorators(decor.Name("class  ")),
		mpb.AppendDecorators(decor.CountersNoUnit("%d/%d submissions"), decor.Name(" "), decor.Elapsed(decor.ET_STYLE_GO)),
	)
}

func (b *Bars) Begin(job int, folder string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.jobs[job].student, b.jobs[job].since = printableName(folder), time.Now()
}

func (b *Bars) End(job int, rec *Record, took time.Duration) {
	b.mu.Lock()
	jb := b.jobs[job]
	jb.student = ""
	jb.done++
	b.mu.Unlock()
	jb.bar.Increment()
	b.class.Increment()
	if rec.Crash != "" {
		// Printed above the bars: a crash is worth the instructor's
		// attention while the class goes on.
		fmt.Fprintf(b.p, "%s\n", outcome(rec, took))
	}
}

func (b *Bars) Stop() {
	if b.p == nil {
		return
	}
	for _, jb := range b.jobs {
		if !jb.bar.Completed() {
			jb.bar.SetTotal(-1, true)
		}
	}
	if !b.class.Completed() {
		b.class.Abort(false)
	}
	b.p.Wait()
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
