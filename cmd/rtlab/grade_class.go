package main

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"

	"rtlab/graders/class"
	"rtlab/graders/submission"
	"rtlab/internal/exercise"
	"rtlab/internal/sandbox"
)

// classGrader is the grader of one submission that `grade --class` uses;
// tests put a fake in its place.
var classGrader = class.DefaultGrade

// classGraderSandboxed: classGrader runs student code, so --class refuses
// to run without the sandbox unless --no-sandbox is given. Tests whose
// fake runs nothing turn it off.
var classGraderSandboxed = true

// classRequested reports whether a grade invocation is a class's: --class
// (or -class) among args, with or without =DIR.
func classRequested(args []string) bool {
	for _, a := range args {
		if a == "--" {
			return false
		}
		name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if strings.HasPrefix(a, "-") && name == "class" {
			return true
		}
	}
	return false
}

// runGradeClass is `rtlab grade --class DIR`: every submission folder of
// DIR (or of one shard of it), graded in parallel into a gradebook and
// reports (package class). Its flags are documented in grade's usage.
func runGradeClass(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet("grade")
	dir := fs.String("class", "", "")
	jobs := fs.Int("jobs", runtime.NumCPU(), "")
	out := fs.String("out", "", "")
	shard := fs.String("shard", "", "")
	noSandbox := fs.Bool("no-sandbox", false, "")
	exList := fs.String("exercise", "", "")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) > 0:
		return usagef("unexpected argument %q (the class is the folder given to --class)", pos[0])
	case *dir == "":
		return usagef("--class needs the folder that holds one folder per submission")
	case *jobs < 1:
		return usagef("--jobs %d: want 1 or more submissions graded at once", *jobs)
	}
	var ids []string
	if *exList != "" {
		for _, s := range strings.Split(*exList, ",") {
			ex, err := exercise.Parse(s)
			if err != nil || ex.Num == 0 {
				return usagef("--exercise %q: no exercise %q in the course (ids are q1 to q38)", *exList, strings.TrimSpace(s))
			}
			ids = append(ids, ex.ID)
		}
		exercise.Sort(ids)
		ids = slices.Compact(ids)
	}
	if !*noSandbox && classGraderSandboxed {
		if err := sandbox.Available(nil); err != nil {
			fmt.Fprintf(e.stderr, "rtlab: %v\nrtlab: students' code is untrusted; grade a class here only with --no-sandbox, which runs it with your rights and network\n", err)
			return &exitError{2}
		}
	}
	rubrics, err := loadRubrics() // grade_answers.go
	if err != nil {
		return err
	}
	// Each submission is graded as --submission grades one (grade_submission.go).
	each := &submission.Options{Probes: probeSet(), Answers: answersGrader(rubrics)}
	opts := &class.Options{Jobs: *jobs, Out: *out, Log: e.stderr,
		Grade: classGrader(&class.GradeOptions{NoSandbox: *noSandbox, Exercises: ids, Submission: each})}
	if *shard != "" {
		s, err := class.ParseShard(*shard, nil)
		if err != nil {
			return usagef("%s", err)
		}
		opts.Shard = s
	}
	if e.isTTY {
		opts.Progress = class.NewBars(e.stderr)
	} else {
		opts.Progress = &class.Lines{W: e.stderr}
	}
	_, skipped, err := class.Folders(*dir)
	if err != nil {
		return fmt.Errorf("--class %s: %w", *dir, err)
	}
	for _, s := range skipped {
		fmt.Fprintf(e.stderr, "skipping %s: not a submission folder\n", s)
	}
	sum, err := class.Grade(ctx, *dir, opts)
	if err != nil {
		return err
	}
	printClassSummary(e, sum)
	return nil
}

// printClassSummary tells where a class's outputs went.
func printClassSummary(e *env, s *class.Summary) {
	fmt.Fprintf(e.stdout, "%d submissions graded on %s\n", s.Students, strings.Join(s.Exercises, ", "))
	if len(s.Crashed) > 0 {
		fmt.Fprintf(e.stdout, "%d could not be graded (their reports say why): %s\n", len(s.Crashed), strings.Join(s.Crashed, ", "))
	}
	fmt.Fprintf(e.stdout, "gradebook: %s/gradebook.csv\nclass report: %s/index.html\n", s.Dir, s.Dir)
}
