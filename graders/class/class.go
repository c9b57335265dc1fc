package class

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"time"

	"rtlab/graders/submission"
	"rtlab/internal/defaults"
)

// GradeFunc grades one submission folder. Class calls it from several
// goroutines at once.
type GradeFunc func(ctx context.Context, dir string) (*submission.Result, error)

// Options configure Grade. A nil *Options means every default.
type Options struct {
	// Jobs is how many submissions are graded at once. Default: the
	// number of cores.
	Jobs int
	// Out is the folder the outputs go to. Default:
	// reports/class/<UTC date-time of the run>.
	Out string
	// Shard picks the slice of the class to grade. Default (the zero
	// Shard): the whole class.
	Shard Shard
	// Grade grades one submission. Default: DefaultGrade (package
	// submission, in its sandbox).
	Grade GradeFunc
	// Progress hears of each submission as it starts and ends. Default:
	// nothing is told.
	Progress Progress
	// Log receives what is for the rtlab maintainers rather than the
	// instructor: the stack of a grader that panicked. It stays out of
	// the reports, which must read the same from one run to the next.
	// Default: os.Stderr.
	Log io.Writer
}

// Progress hears what a class run does; Lines and Bars are the two kinds
// rtlab draws. Calls come from several goroutines.
type Progress interface {
	// Start is called once, with the number of submissions to grade and
	// of jobs grading them.
	Start(total, jobs int)
	// Begin: job (0 to jobs-1) starts grading folder.
	Begin(job int, folder string)
	// End: job finished rec after took.
	End(job int, rec *Record, took time.Duration)
	// Stop is called once at the end, whatever happened.
	Stop()
}

// Folders lists the submission folders of a class directory, sorted by
// name: every directory in it but hidden ones (.git) and node_modules.
// Anything else (a stray file, a symbolic link, which could lead out of
// the class) is returned in skipped, to be said, not graded.
func Folders(dir string) (folders, skipped []string, err error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, err
	}
	for _, e := range entries {
		name := e.Name()
		switch {
		case strings.HasPrefix(name, ".") || name == "node_modules":
		case e.IsDir():
			folders = append(folders, name)
		default:
			skipped = append(skipped, name)
		}
	}
	sort.Strings(folders)
	return folders, skipped, nil
}

// NoSubmissionsError is a class (or shard) with nothing to grade.
type NoSubmissionsError struct {
	Dir   string
	Shard Shard
}

func (e *NoSubmissionsError) Error() string {
	if !e.Shard.Whole() {
		return fmt.Sprintf("shard %s of %s has no submission folders to grade", e.Shard, e.Dir)
	}
	return fmt.Sprintf("%s has no submission folders (one folder per student is expected)", e.Dir)
}

// Grade grades every submission folder of the class directory dir (or of
// opts.Shard's slice of it) and writes the class's outputs (see Book). A
// submission the grader fails on, by an error or a panic, gets a Record
// saying so and the class goes on; Grade's own error is for what stops the
// whole run (an unreadable class directory, an output folder that cannot
// be written, ctx ended).
func Grade(ctx context.Context, dir string, opts *Options) (*Summary, error) {
	o := withDefaults(opts)
	all, _, err := Folders(dir)
	if err != nil {
		return nil, err
	}
	folders := o.Shard.Slice(all)
	if len(folders) == 0 {
		return nil, &NoSubmissionsError{Dir: dir, Shard: o.Shard}
	}
	book, err := NewBook(o.Out)
	if err != nil {
		return nil, err
	}
	jobs := min(o.Jobs, len(folders))
	o.Progress.Start(len(folders), jobs)
	defer o.Progress.Stop()

	work := make(chan string)
	var (
		wg      sync.WaitGroup
		errOnce sync.Once
		werr    error
	)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for job := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for folder := range work {
				o.Progress.Begin(job, folder)
				start := time.Now()
				rec := gradeOne(ctx, o.Grade, dir, folder, o.Log)
				took := time.Since(start)
				if err := book.Add(rec, took); err != nil {
					errOnce.Do(func() { werr = err; cancel() })
				}
				o.Progress.End(job, rec, took)
			}
		}()
	}
feed:
	for _, f := range folders {
		select {
		case work <- f:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	if werr != nil {
		return nil, werr
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("class run stopped: %w", context.Cause(ctx))
	}
	return book.Close()
}

// gradeOne grades one folder into its Record, whatever the grader does: a
// returned error or a panic becomes the Record's Crash.
func gradeOne(ctx context.Context, grade GradeFunc, dir, folder string, log io.Writer) (rec *Record) {
	defer func() {
		if p := recover(); p != nil {
			fmt.Fprintf(log, "rtlab: the grader panicked on %s: %v\n%s\n", filepath.Join(dir, folder), p, debug.Stack())
			rec = crashRecord(folder, fmt.Sprintf("the grader crashed on this submission (a bug in rtlab; please report it with the stack it printed): %v", p))
		}
	}()
	res, err := grade(ctx, filepath.Join(dir, folder))
	switch {
	case err != nil:
		return crashRecord(folder, err.Error())
	case res == nil:
		return crashRecord(folder, "the grader returned no result (a bug in rtlab)")
	}
	return NewRecord(folder, res)
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, "\n")
}

func withDefaults(opts *Options) Options {
	o := defaults.Copy(opts)
	defaults.Positive(&o.Jobs, runtime.NumCPU())
	defaults.Zero(&o.Out, filepath.Join("reports", "class", time.Now().UTC().Format("20060102-150405")))
	if o.Grade == nil {
		o.Grade = DefaultGrade(nil)
	}
	if o.Log == nil {
		o.Log = os.Stderr
	}
	if o.Progress == nil {
		o.Progress = nopProgress{}
	}
	return o
}

type nopProgress struct{}

func (nopProgress) Start(int, int)                  {}
func (nopProgress) Begin(int, string)               {}
func (nopProgress) End(int, *Record, time.Duration) {}
func (nopProgress) Stop()                           {}
