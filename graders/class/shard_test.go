package class

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestParseShard(t *testing.T) {
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == "JOB_COMPLETION_INDEX" {
				return v
			}
			return ""
		}
	}
	for _, c := range []struct {
		in, env string
		want    Shard
		err     string
	}{
		{in: "2/3", want: Shard{2, 3}},
		{in: "1/1", want: Shard{1, 1}},
		{in: "auto/4", env: "0", want: Shard{1, 4}},
		{in: "auto/4", env: "3", want: Shard{4, 4}},
		{in: "0/3", err: "K must be 1 to 3"},
		{in: "4/3", err: "K must be 1 to 3"},
		{in: "3", err: "want K/N"},
		{in: "1/0", err: "N must be"},
		{in: "auto/4", err: "needs JOB_COMPLETION_INDEX"},
		{in: "auto/4", env: "4", err: "want 0 to 3"},
	} {
		got, err := ParseShard(c.in, env(c.env))
		switch {
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("ParseShard(%q, index %q) = %v, %v; want an error saying %q", c.in, c.env, got, err, c.err)
		case c.err == "" && (err != nil || got != c.want):
			t.Errorf("ParseShard(%q, index %q) = %v, %v; want %v", c.in, c.env, got, err, c.want)
		}
	}
}

// The N slices cover the class once, in order, their sizes within one.
func TestSliceCoversTheClass(t *testing.T) {
	for n := 0; n <= 13; n++ {
		var folders []string
		for i := range n {
			folders = append(folders, fmt.Sprintf("s%02d", i))
		}
		for shards := 1; shards <= 5; shards++ {
			var got []string
			lo, hi := n, 0
			for k := 1; k <= shards; k++ {
				s := Shard{k, shards}.Slice(folders)
				lo, hi = min(lo, len(s)), max(hi, len(s))
				got = append(got, s...)
			}
			if !slices.Equal(got, folders) || hi-lo > 1 {
				t.Errorf("%d folders in %d shards: %v (sizes %d to %d)", n, shards, got, lo, hi)
			}
		}
	}
}
