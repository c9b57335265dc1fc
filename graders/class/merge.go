package class

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Merge joins the outputs of several shards of a class (each a folder Grade
// wrote) into one class's outputs in out: every file the same bytes as
// when the class is graded at once, timings.csv apart. It reads the
// shards' Records one at a time, so a class of thousands merges in little
// memory. A folder graded in two shards is an error, and so is a shard
// folder with no results/.
func Merge(out string, shards []string) (*Summary, error) {
	if len(shards) == 0 {
		return nil, errors.New("nothing to merge: give the shards' output folders")
	}
	book, err := NewBook(out)
	if err != nil {
		return nil, err
	}
	for _, dir := range shards {
		if same(dir, out) {
			return nil, fmt.Errorf("%s is both a shard and the merge's output", dir)
		}
		paths, err := filepath.Glob(filepath.Join(dir, "results", "*.json"))
		if err != nil {
			return nil, err
		}
		if len(paths) == 0 {
			return nil, fmt.Errorf("%s: no results/*.json: not the output of rtlab grade --class", dir)
		}
		sort.Strings(paths)
		took, err := readTimings(filepath.Join(dir, "timings.csv"))
		if err != nil {
			return nil, err
		}
		for _, p := range paths {
			rec, err := ReadRecord(p)
			if err != nil {
				return nil, err
			}
			if err := book.Add(rec, took[rec.Folder]); err != nil {
				return nil, fmt.Errorf("%s: %w", p, err)
			}
		}
	}
	return book.Close()
}

// same reports whether a and b name one folder.
func same(a, b string) bool {
	sa, errA := os.Stat(a)
	sb, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(sa, sb)
}

// readTimings reads a shard's timings.csv: seconds by folder. A shard
// without one merges with no timings.
func readTimings(path string) (map[string]time.Duration, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	out := map[string]time.Duration{}
	for i, r := range rows {
		if i == 0 {
			if strings.Join(r, ",") != "student,folder,seconds" {
				return nil, fmt.Errorf("%s: line 1: want the header student,folder,seconds", path)
			}
			continue
		}
		if len(r) != 3 {
			return nil, fmt.Errorf("%s: line %d: want 3 fields", path, i+1)
		}
		s, err := strconv.ParseFloat(r[2], 64)
		if err != nil {
			return nil, fmt.Errorf("%s: line %d: seconds %q: %v", path, i+1, r[2], err)
		}
		out[r[1]] = time.Duration(s * float64(time.Second))
	}
	return out, nil
}
