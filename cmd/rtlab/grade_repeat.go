package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"rtlab/graders"
)

// flagGiven reports whether the flag name was on the command line: --repeat
// 1 asks for the repeat report of one run (make flake RUNS=1), not for the
// plain one.
func flagGiven(fs *flag.FlagSet, name string) bool {
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == name })
	return given
}

// checkRepeatFlag validates --repeat: at least one run, and a format that
// can show verdicts over runs.
func checkRepeatFlag(repeat int, format string) error {
	if repeat < 1 {
		return usagef("--repeat %d: want a number of runs, 1 or more", repeat)
	}
	if format != "text" && format != "json" {
		return usagef("--repeat reports in text or json, not %s", format)
	}
	return nil
}

// gradeRepeat grades the same target n times, one run after another (a
// --cmd server and the reference servers are started afresh for each run,
// a --url server is graded as it is), and reports every check whose
// verdict changed between runs. It returns exit status 2 when an exercise
// could not be graded in some run, 1 when a check failed in some run or
// flipped.
func gradeRepeat(ctx context.Context, e *env, n int, format, out string, ids []string, opts *graders.Options,
	gradeOnce func(context.Context, *graders.Options) ([]*graders.Report, error)) error {
	rep := &graders.Repeat{}
	start := time.Now()
	for i := range n {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		o := *opts
		t0 := time.Now()
		reports, err := gradeOnce(ctx, &o)
		if err != nil {
			return err
		}
		rep.Runs = append(rep.Runs, reports)
		failed := 0
		for _, r := range reports {
			_, f, _ := r.Counts()
			failed += f
		}
		fmt.Fprintf(e.stderr, "rtlab: run %d/%d: %d failing checks (%.1fs)\n", i+1, n, failed, time.Since(t0).Seconds())
	}
	rep.Elapsed = time.Since(start)
	var buf bytes.Buffer
	var err error
	if format == "json" {
		err = graders.WriteRepeatJSON(&buf, rep)
	} else {
		err = graders.WriteRepeatText(&buf, rep)
	}
	if err != nil {
		return err
	}
	if out == "" && format == "json" {
		out = filepath.Join("reports", "grade", "repeat-"+strings.Join(ids, "-")+".json")
	}
	if out == "" || out == "-" {
		if _, err := e.stdout.Write(buf.Bytes()); err != nil {
			return err
		}
	} else {
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
			return err
		}
		fails, failed, flips := rep.Totals()
		fmt.Fprintf(e.stdout, "%d runs: %d failing verdicts in %d checks, %d checks flipped\n", n, fails, failed, flips)
		fmt.Fprintf(e.stderr, "rtlab: report written to %s\n", out)
	}
	switch {
	case len(rep.Errors()) > 0:
		return &exitError{2}
	case !rep.Passed():
		return &exitError{1}
	}
	return nil
}
