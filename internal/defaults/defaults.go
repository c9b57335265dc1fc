// Package defaults fills in the options structs of rtlab: every package
// documents a default for each field and applies them in a withDefaults
// method that starts from a copy (a nil *Options means "all defaults")
// and sets each unset field. These helpers say that in one line a field,
// so that what differs between packages, the defaults themselves, is all
// that is left to read.
package defaults

// Copy returns *p, or T's zero value when p is nil: the copy a
// withDefaults method fills in, leaving the caller's struct alone.
func Copy[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}

// Number is what Positive takes: counts, sizes, ratios and durations
// (time.Duration is an int64).
type Number interface {
	~int | ~int32 | ~int64 | ~uint64 | ~float64
}

// Positive sets *v to def unless it is above zero: for the fields where a
// negative value means nothing and is taken as unset, as zero is.
func Positive[T Number](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

// Zero sets *v to def when it is T's zero value (0, "", a nil writer):
// for the fields where only zero is unset, and a negative value is left
// for validation to refuse.
func Zero[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}
