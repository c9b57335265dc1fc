package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"rtlab/graders"
	"rtlab/graders/answers"
	"rtlab/graders/submission"
	"rtlab/internal/exercise"
	"rtlab/internal/sandbox"
)

// submissionFlags are the grade flags that --submission reads.
type submissionFlags struct {
	dir, exList, format, out, secret string
	timeout, deadline                time.Duration
	noSandbox                        bool
}

// gradeSubmission handles rtlab grade --submission DIR: one student's
// folder graded with package submission, in the sandbox unless
// --no-sandbox, and one report in the chosen format. Exit codes as for
// --url: 2 when a part could not be graded at all, 1 when a check failed.
func gradeSubmission(ctx context.Context, e *env, f submissionFlags) error {
	switch f.format {
	case "text", "json", "junit", "markdown":
	default:
		return usagef("--format %q: want text, json, junit or markdown", f.format)
	}
	var ids []string
	if strings.TrimSpace(f.exList) != "" {
		for _, raw := range strings.Split(f.exList, ",") {
			ex, err := exercise.Parse(raw)
			if err != nil || ex.Num == 0 {
				return usagef("--exercise %q: ids are q1 to q38 (q09 = q9)", strings.TrimSpace(raw))
			}
			ids = append(ids, ex.ID)
		}
	}
	if !f.noSandbox {
		if err := sandbox.Available(nil); err != nil {
			fmt.Fprintf(e.stderr, "rtlab: %v\nrtlab: a submission's code is untrusted; grade it here only with --no-sandbox, which runs it with your rights and network\n", err)
			return &exitError{2}
		}
	}
	rubrics, err := loadRubrics() // grade_answers.go
	if err != nil {
		return err
	}
	opts := &submission.Options{
		Answers:   answersGrader(rubrics),
		Exercises: ids,
		Probes:    probeSet(),
		Grader:    &graders.Options{Timeout: f.timeout, JWTSecret: f.secret, Probes: probeSet()},
		NoSandbox: f.noSandbox,
		Timeout:   f.deadline,
	}
	fmt.Fprintf(e.stderr, "rtlab: grading the submission in %s%s\n", f.dir, map[bool]string{true: " (no sandbox)", false: ""}[f.noSandbox])
	res, err := submission.Grade(ctx, f.dir, opts)
	if err != nil {
		return usagef("--submission %s: %v", f.dir, err)
	}
	reports := res.Reports()
	name := []string{"submission", safeName(res.Student)}
	return writeGradeReportExit(e, f.format, f.out, name, reports)
}

// answersGrader grades a submission's answers.md against the rubrics of
// the exercises asked for that have one (the others have no written
// answer).
func answersGrader(rubrics map[string]*answers.Rubric) func(md []byte, ids []string) []*graders.Report {
	return func(md []byte, ids []string) []*graders.Report {
		var with []string
		for _, id := range ids {
			if _, ok := rubrics[id]; ok {
				with = append(with, id)
			}
		}
		if len(with) == 0 {
			return nil
		}
		return answers.GradeDoc(md, rubrics, with)
	}
}

// safeName keeps a student's name usable in a file name.
func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_', r == '@':
			return r
		}
		return '_'
	}, s)
}

// errSubmissionFlags names the flags --submission does not go with.
var errSubmissionFlags = errors.New("--submission grades a folder: it does not go with --url, --cmd, --page, --nginx-conf, --answers, --variant or --repeat")
