package class

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"testing"
	"time"

	"rtlab/graders"
	"rtlab/graders/submission"
)

// completeResult is what grading a complete submission yields: four
// exercises, every check passed, some output from its server.
func completeResult(dir string) *submission.Result {
	res := &submission.Result{Student: filepath.Base(dir), Dir: dir,
		Logs: map[string]string{"node server.js": "listening\n"}}
	for _, id := range []string{"q2", "q17", "q18", "q19"} {
		r := &graders.Report{Exercise: id, Title: "server"}
		for i := range 10 {
			r.Checks = append(r.Checks, graders.CheckResult{ID: fmt.Sprintf("c%d", i), Name: "a check of " + id, Status: graders.Pass})
		}
		res.Exercises = append(res.Exercises, &submission.Exercise{ID: id, State: submission.Graded, Parts: []*graders.Report{r}})
	}
	return res
}

// BenchmarkClass grades a class of 200 copies of the complete submission
// with a grader that costs nothing, so that what is measured is the class
// layer: its time per submission (the reports and the gradebook) and its
// memory, which must stay flat as the class grows (b.ReportMetric: the
// peak of live heap during a run of 200, and its growth per submission
// from a run of 50 to one of 200: the rows the Book keeps, a few KiB).
//
//	go test -run '^$' -bench Class -benchtime 3x ./graders/class
func BenchmarkClass(b *testing.B) {
	grade := func(ctx context.Context, dir string) (*submission.Result, error) { return completeResult(dir), nil }
	heapAfter := func(n int) (uint64, time.Duration) {
		subs := map[string]string{}
		for i := range n {
			subs[fmt.Sprintf("s%04d", i)] = ""
		}
		dir := makeClass(b, subs)
		out := filepath.Join(b.TempDir(), "out")
		runtime.GC()
		stop, peak := samplePeakHeap()
		start := time.Now()
		if _, err := Grade(context.Background(), dir, &Options{Jobs: 2, Out: out, Grade: grade, Log: io.Discard}); err != nil {
			b.Fatal(err)
		}
		took := time.Since(start)
		stop()
		os.RemoveAll(out)
		return *peak, took
	}
	var small, large uint64
	var per time.Duration
	for b.Loop() {
		small, _ = heapAfter(50)
		h, took := heapAfter(200)
		large = h
		per = took / 200
	}
	b.ReportMetric(float64(per.Microseconds()), "µs/submission")
	b.ReportMetric(float64(large)/(1<<20), "peak-heap-MiB@200")
	b.ReportMetric((float64(large)-float64(small))/(1<<10)/150, "heap-KiB/submission")
}

// samplePeakHeap samples the live heap every 2 ms until stop is called,
// keeping its peak: the heap after a GC says nothing of what a run held.
func samplePeakHeap() (stop func(), peak *uint64) {
	peak = new(uint64)
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(sample)
			*peak = max(*peak, sample[0].Value.Uint64())
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() { close(done); <-finished }, peak
}
