package defaults

import (
	"io"
	"os"
	"testing"
	"time"
)

func TestCopyOfNilIsZero(t *testing.T) {
	type opts struct{ N int }
	if got := Copy[opts](nil); got != (opts{}) {
		t.Errorf("Copy(nil) = %+v, want the zero value", got)
	}
	in := &opts{N: 3}
	out := Copy(in)
	out.N = 4
	if in.N != 3 {
		t.Errorf("Copy shares its struct with the caller: the caller's N became %d", in.N)
	}
}

func TestPositiveReplacesZeroAndNegative(t *testing.T) {
	for _, c := range []struct{ in, want time.Duration }{{0, time.Second}, {-5, time.Second}, {7, 7}} {
		v := c.in
		Positive(&v, time.Second)
		if v != c.want {
			t.Errorf("Positive(%v) = %v, want %v", c.in, v, c.want)
		}
	}
}

func TestZeroLeavesNegativeForValidation(t *testing.T) {
	n := -1
	Zero(&n, 100)
	if n != -1 {
		t.Errorf("Zero(-1) = %d, want -1 kept", n)
	}
	var w io.Writer
	Zero(&w, io.Writer(os.Stderr))
	if w != os.Stderr {
		t.Errorf("Zero(nil writer) = %v, want os.Stderr", w)
	}
	s := "set"
	Zero(&s, "default")
	if s != "set" {
		t.Errorf("Zero(%q) replaced a set value", s)
	}
}
