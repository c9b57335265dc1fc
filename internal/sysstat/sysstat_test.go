package sysstat

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"testing"
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
