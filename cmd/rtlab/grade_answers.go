package main

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"rtlab/graders"
	"rtlab/graders/answers"
	"rtlab/graders/scenario"
	"rtlab/internal/exercise"
	refanswers "rtlab/reference/answers"
	"rtlab/scenarios"
)

// The written answers part of rtlab grade: --answers FILE grades a
// student's answers.md against the rubrics (scenarios/qNN_slug.answer.yaml),
// and reference mode (no --url) grades the reference answers too.

// loadRubrics returns the embedded rubrics with their reference answers
// attached (shown beside a student's text for review items).
func loadRubrics() (map[string]*answers.Rubric, error) {
	rubrics, err := answers.Load(scenarios.FS())
	if err != nil {
		return nil, fmt.Errorf("the embedded answer rubrics do not parse (a bug in rtlab): %w", err)
	}
	if err := answers.AttachReferences(rubrics, refanswers.FS()); err != nil {
		return nil, err
	}
	return rubrics, nil
}

// answerIDs resolves --exercise against the rubrics: every rubric's
// exercise when list is empty, else those named (an id without a rubric is
// a usage error when strict, left to the server scenarios otherwise).
func answerIDs(list string, rubrics map[string]*answers.Rubric, strict bool) ([]string, error) {
	var ids []string
	if strings.TrimSpace(list) == "" {
		for id := range rubrics {
			ids = append(ids, id)
		}
		exercise.Sort(ids)
		return ids, nil
	}
	for _, raw := range strings.Split(list, ",") {
		id := exercise.Normalize(raw)
		if id == "" || slices.Contains(ids, id) {
			continue
		}
		if _, ok := rubrics[id]; !ok {
			if strict {
				return nil, usagef("exercise %q has no written answer to grade (rtlab list shows the KIND of each exercise)", strings.TrimSpace(raw))
			}
			continue
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// gradeAnswersFile is rtlab grade --answers FILE: each exercise of
// --exercise (default: every exercise with a rubric) graded from FILE's
// "## QN" sections. A fact that fails exits 1; review and missing items do
// not fail.
func gradeAnswersFile(e *env, file, list, format, out string) error {
	md, err := os.ReadFile(file)
	if err != nil {
		return usagef("--answers: %v", err)
	}
	rubrics, err := loadRubrics()
	if err != nil {
		return err
	}
	ids, err := answerIDs(list, rubrics, true)
	if err != nil {
		return err
	}
	if len(answers.Split(md)) == 0 {
		fmt.Fprintf(e.stderr, "rtlab: %s has no heading that names an exercise (\"## Q1\", \"## Q12 — title\"): every answer is missing\n", file)
	}
	reports := answers.GradeDoc(md, rubrics, ids)
	for _, r := range reports {
		r.URL = file
	}
	if err := writeGradeReport(e, format, out, ids, reports); err != nil {
		return err
	}
	return exitFor(reports)
}

// referenceAnswerReports grades the reference answers of the exercises in
// list (every rubric's when empty) against their rubrics, for reference
// mode. serverList is what remains of list for the server scenarios, and
// serversToo is false when list names answers only.
func referenceAnswerReports(list string, all map[string]*scenario.Scenario) (reports []*graders.Report, serverList string, serversToo bool, err error) {
	rubrics, err := loadRubrics()
	if err != nil {
		return nil, "", false, err
	}
	ids, err := answerIDs(list, rubrics, false)
	if err != nil {
		return nil, "", false, err
	}
	for _, id := range ids {
		r := rubrics[id]
		rep := r.Grade(r.Reference)
		rep.URL = "reference/answers/" + exercise.Stem(id) + ".md"
		if r.Reference == "" {
			rep.Err = errors.New("no reference answer in reference/answers (a bug in rtlab)")
		}
		reports = append(reports, rep)
	}
	if strings.TrimSpace(list) == "" {
		return reports, "", true, nil
	}
	var rest []string
	for _, raw := range strings.Split(list, ",") {
		id := exercise.Normalize(raw)
		if _, ok := all[id]; ok || !slices.Contains(ids, id) {
			rest = append(rest, raw)
		}
	}
	return reports, strings.Join(rest, ","), len(rest) > 0, nil
}

// mergeReports puts the answer reports among the server reports in course
// order, an exercise's server report before its answer's.
func mergeReports(servers, answerReps []*graders.Report) ([]*graders.Report, []string) {
	out := slices.Concat(servers, answerReps)
	slices.SortStableFunc(out, func(a, b *graders.Report) int { return exercise.Compare(a.Exercise, b.Exercise) })
	var ids []string
	for _, r := range out {
		if !slices.Contains(ids, r.Exercise) {
			ids = append(ids, r.Exercise)
		}
	}
	return out, ids
}

// exitFor is the exit status of graded reports: 2 when one could not be
// graded, 1 when a check failed.
func exitFor(reports []*graders.Report) error {
	for _, r := range reports {
		if r.Err != nil {
			return &exitError{2}
		}
	}
	for _, r := range reports {
		if !r.Passed() {
			return &exitError{1}
		}
	}
	return nil
}
