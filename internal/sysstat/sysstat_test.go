package sysstat

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"testing"
	"time"
)

// TestMeasures: on the platform the tests run on (Linux in CI) every
// measure exists and is plausible.
func TestMeasures(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the measures are all available on Linux only")
	}
	if d, err := CPUTime(); err != nil || d <= 0 {
		t.Errorf("CPUTime() = %v, %v; want > 0", d, err)
	}
	if b, err := PeakRSS(); err != nil || b < 1<<20 {
		t.Errorf("PeakRSS() = %d, %v; want at least 1 MiB", b, err)
	}
	if kb, err := RSS(os.Getpid()); err != nil || kb < 1024 {
		t.Errorf("RSS(self) = %d KiB, %v; want at least 1024", kb, err)
	}
	if n, err := RaiseFileLimit(); err != nil || n == 0 {
		t.Errorf("RaiseFileLimit() = %d, %v", n, err)
	}
}

func TestNotMeasured(t *testing.T) {
	err := fmt.Errorf("server: %w", &NotMeasured{GOOS: "windows", What: "RSS (/proc/PID/status)"})
	if !IsNotMeasured(err) {
		t.Fatal("IsNotMeasured(wrapped) = false")
	}
	if got, want := errors.Unwrap(err).Error(), "not measured on windows: RSS (/proc/PID/status)"; got != want {
		t.Errorf("message %q, want %q", got, want)
	}
	if IsNotMeasured(errors.New("no such process")) {
		t.Error("IsNotMeasured(other) = true")
	}
}

// TestProcCPU: another process's CPU time, read from /proc/PID/stat, is
// this process's own as getrusage counts it when the PID is ours.
func TestProcCPU(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("/proc is Linux only")
	}
	// Burn some CPU so that both clocks have ticked.
	x := 0
	for i := 0; i < 50_000_000; i++ {
		x += i ^ x
	}
	_ = x
	self, err := CPUTime()
	if err != nil {
		t.Fatal(err)
	}
	got, err := ProcCPU(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	// /proc counts in 10 ms ticks; the two readings are a moment apart.
	if d := self - got; d < -50*time.Millisecond || d > 50*time.Millisecond {
		t.Errorf("ProcCPU(self) = %v, getrusage says %v: fields 14 and 15 (utime, stime) of /proc/PID/stat not read right", got, self)
	}
	rss, _ := RSS(os.Getpid())
	peak, err := PeakRSSOf(os.Getpid())
	// The kernel updates VmHWM lazily: it may trail VmRSS a little.
	if err != nil || peak < rss*9/10 {
		t.Errorf("PeakRSSOf(self) = %d KiB, %v; want about the RSS (%d KiB) or more", peak, err, rss)
	}
}
