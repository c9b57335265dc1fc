package probes

import (
	"testing"
)

// TestOtTransformContract pins the grader's own transform to the Q36
// contract's sentences; b was received first.
func TestOtTransformContract(t *testing.T) {
	ins := func(p int, s string) otOp { return otOp{Type: "insert", Position: p, Text: s} }
	del := func(p, n int) otOp { return otOp{Type: "delete", Position: p, Length: n} }
	cases := []struct {
		rule    string
		a, b    otOp
		want    otOp
		text    string
		applied string
	}{
		{"inserts at the same position: the first received stays left", ins(5, "B"), ins(5, "A"), ins(6, "B"), "Hello world", "HelloAB world"},
		{"insert first, inside the delete's range: the delete grows", del(1, 5), ins(3, "XYZ"), del(1, 8), "Hello world", "Hworld"},
		{"delete first: the insert lands where the range began", ins(3, "XYZ"), del(1, 5), ins(1, "XYZ"), "Hello world", "HXYZworld"},
		{"an insert at the range's start is outside it", ins(1, "X"), del(1, 5), ins(1, "X"), "Hello world", "HXworld"},
		{"an insert at the range's end is outside it", ins(6, "X"), del(1, 5), ins(1, "X"), "Hello world", "HXworld"},
		{"a delete wholly inside an earlier one: length 0", del(2, 3), del(0, 11), del(0, 0), "Hello world", ""},
		{"overlapping deletes remove the union", del(4, 4), del(2, 5), del(2, 1), "Hello world", "Herld"},
	}
	for _, c := range cases {
		got := otTransform(c.a, c.b)
		if got != c.want {
			t.Errorf("%s: got %s, want %s", c.rule, got, c.want)
			continue
		}
		text, err := otApply([]rune(c.text), c.b)
		if err == nil {
			text, err = otApply(text, got)
		}
		if err != nil || string(text) != c.applied {
			t.Errorf("%s: text %q (%v), want %q", c.rule, string(text), err, c.applied)
		}
	}
	if _, err := otApply([]rune("abc"), otOp{Type: "delete", Position: 2, Length: 2}); err == nil {
		t.Error("otApply accepted a delete past the end")
	}
}
