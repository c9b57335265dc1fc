package class

import (
	"strings"
	"testing"
)

func TestFileStem(t *testing.T) {
	for _, c := range []struct{ student, folder, want string }{
		{"alice", "alice", "alice"},
		{"alice.b-2", "alice.b-2", "alice.b-2"},
		{"Alice", "Alice", "alice-"},      // case folds on macOS and Windows
		{"alice", "alice-repo", "alice-"}, // two folders may claim one student
		{"../../etc/passwd", "m", "_.._etc_passwd-"},
		{".hidden", ".hidden", "hidden-"},
		{"-rf", "-rf", "rf-"},
		{"con", "con", "_con-"},
		{"<b>x</b>", "x", "_b_x__b_-"},
		{"", "x", "student-"},
	} {
		got := FileStem(c.student, c.folder)
		if got != c.want && !(strings.HasSuffix(c.want, "-") && strings.HasPrefix(got, c.want) && len(got) == len(c.want)+8) {
			t.Errorf("FileStem(%q, %q) = %q, want %q (+ 8 hex digits when it ends in -)", c.student, c.folder, got, c.want)
		}
		if strings.ContainsAny(got, `/\<>:"|?*`) || strings.HasPrefix(got, ".") {
			t.Errorf("FileStem(%q, %q) = %q: not a safe file name", c.student, c.folder, got)
		}
	}
	if FileStem("alice", "a1") == FileStem("alice", "a2") {
		t.Error("two folders claiming one student got one stem: their files would overwrite each other")
	}
	if long := FileStem(strings.Repeat("x", 300), "f"); len(long) > maxStem+9 {
		t.Errorf("a 300-rune name gave a %d-byte stem", len(long))
	}
}
