package class

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Shard is one of N equal slices of a class, numbered from 1. The zero
// Shard is the whole class.
type Shard struct {
	K, N int
}

// Whole reports whether s is the whole class.
func (s Shard) Whole() bool { return s.N <= 1 }

func (s Shard) String() string {
	if s.Whole() {
		return "1/1"
	}
	return fmt.Sprintf("%d/%d", s.K, s.N)
}

// ShardError is a --shard value that does not read.
type ShardError struct {
	Value string
	Why   string
}

func (e *ShardError) Error() string { return fmt.Sprintf("--shard %q: %s", e.Value, e.Why) }

// ParseShard reads "K/N" (1 ≤ K ≤ N) or "auto/N", where K is then
// JOB_COMPLETION_INDEX+1 (a Kubernetes Indexed Job numbers its pods from
// 0). getenv is os.Getenv when nil.
func ParseShard(v string, getenv func(string) string) (Shard, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	ks, ns, ok := strings.Cut(v, "/")
	if !ok {
		return Shard{}, &ShardError{v, "want K/N (2/3) or auto/N"}
	}
	n, err := strconv.Atoi(ns)
	if err != nil || n < 1 {
		return Shard{}, &ShardError{v, "N must be a whole number, 1 or more"}
	}
	var k int
	if ks == "auto" {
		idx := getenv("JOB_COMPLETION_INDEX")
		if idx == "" {
			return Shard{}, &ShardError{v, "auto needs JOB_COMPLETION_INDEX (set by a Kubernetes Indexed Job) in the environment"}
		}
		i, err := strconv.Atoi(idx)
		if err != nil || i < 0 || i >= n {
			return Shard{}, &ShardError{v, fmt.Sprintf("JOB_COMPLETION_INDEX=%q: want 0 to %d", idx, n-1)}
		}
		k = i + 1
	} else {
		k, err = strconv.Atoi(ks)
		if err != nil || k < 1 || k > n {
			return Shard{}, &ShardError{v, fmt.Sprintf("K must be 1 to %d", n)}
		}
	}
	return Shard{K: k, N: n}, nil
}

// Slice returns the shard's part of folders, which must be sorted: the
// K-th of N slices whose sizes differ by at most one.
func (s Shard) Slice(folders []string) []string {
	if s.Whole() {
		return folders
	}
	n := len(folders)
	return folders[(s.K-1)*n/s.N : s.K*n/s.N]
}
