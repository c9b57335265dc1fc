package main

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"text/tabwriter"

	"rtlab/graders"
	"rtlab/graders/scenario"
	"rtlab/internal/exercise"
	"rtlab/reference"
	"rtlab/scenarios"
)

// listCommand is `rtlab list`; main lists it in newCommands.
func listCommand() *command {
	return &command{name: "list", summary: "list the exercises: what is graded of each, which have a reference server", usage: listUsage, run: runList}
}

// listUsage is what `rtlab list --help` prints.
const listUsage = `usage: rtlab list [--files [q34 …]]

Lists the 38 exercises of the course with what rtlab grades of each (KIND:
a server, a browser page, a written answer, Q8's nginx config, or several,
as server+answer), the number of checks of each part (a written answer's
are its facts and review items), whether it has a reference server (rtlab
serve), and the broken variants of the reference (rtlab serve qNN
--variant NAME).

With --files, lists instead where each exercise lives in the checkout
(run it inside it): its scenario, reference server, probes, pages, written
answer, its rubric and tests. Every file of an exercise starts with its stem
(q34_rate_limit), so ls *q34* in a folder finds them too; probes are named
for what they probe and listed from the scenario's probe steps.

Examples:
  rtlab list
  rtlab list --files q34
  rtlab explain q17      # the contract and checks of one exercise
`

func runList(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet("list")
	files := fs.Bool("files", false, "")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 && !*files {
		return usagef("list takes no arguments (rtlab list --files q34 lists one exercise's files)")
	}
	all, err := graders.Load(scenarios.FS(), probeSet())
	if err != nil {
		return err
	}
	pages, err := graders.LoadPages(scenarios.FS(), probeSet())
	if err != nil {
		return err
	}
	var ids []string
	for id := range all {
		ids = append(ids, id)
	}
	for _, ex := range reference.All() {
		if id := exercise.Normalize(ex.ID); !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	parts, err := gradedParts(all)
	if err != nil {
		return err
	}
	for _, ex := range exercise.All() { // every exercise of the course, graded or not
		if ex.Num > 0 && !slices.Contains(ids, ex.ID) {
			ids = append(ids, ex.ID)
		}
	}
	exercise.Sort(ids)
	if *files {
		return listFiles(e, ids, pos, all, pages)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "EXERCISE\tTITLE\tKIND\tCHECKS\tREFERENCE\tVARIANTS")
	graded, course := 0, 0
	var ungraded []string
	for _, id := range ids {
		kind, checks := kindCell(parts[id])
		if exercise.Number(id) > 0 {
			course++
			if kind != "-" {
				graded++
			} else {
				ungraded = append(ungraded, id)
			}
		}
		ref, variants := "-", ""
		if ex, ok := reference.Lookup(id); ok {
			ref = "yes"
			variants = strings.Join(ex.Variants, ", ")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", id, exercise.Title(id), kind, checks, ref, variants)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "\n%d of %d exercises graded", graded, course)
	if len(ungraded) > 0 {
		fmt.Fprintf(e.stdout, " (not yet: %s)", strings.Join(ungraded, ", "))
	}
	fmt.Fprintln(e.stdout)
	return nil
}

// listFiles prints, for each exercise named (every course exercise with a
// scenario or a reference when none is), the files it is made of.
func listFiles(e *env, ids, named []string, all, pages map[string]*scenario.Scenario) error {
	cwd, err := os.Getwd()
	if err != nil {
		return err
	}
	root, err := exercise.Root(cwd)
	if err != nil {
		return usagef("--files: %v", err)
	}
	if len(named) > 0 {
		ids = ids[:0]
		for _, raw := range named {
			ex, err := exercise.Parse(raw)
			if err != nil || ex.Num == 0 {
				return usagef("--files %q: not an exercise of the course (q1 … q38)", raw)
			}
			ids = append(ids, ex.ID)
		}
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	for _, id := range ids {
		if exercise.Number(id) == 0 {
			continue // a fixture, not an exercise
		}
		found, err := exercise.Files(root, id)
		if err != nil {
			return err
		}
		// What the stem cannot find: the file that defines the reference
		// server (Q16 shares Q15's) and the probes the checks call.
		if ex, ok := reference.Lookup(id); ok {
			found = addFile(found, "reference", exercise.SourceOf(root, ex.New))
		}
		for _, sc := range []*scenario.Scenario{all[id], pages[id]} {
			if sc == nil {
				continue
			}
			for _, name := range sc.Probes() {
				if f, ok := probeSet().Lookup(name); ok {
					found = addFile(found, "probe", exercise.SourceOf(root, f)+" ("+name+")")
				}
			}
		}
		fmt.Fprintf(tw, "%s\t%s\n", id, exercise.Title(id))
		for _, kind := range []string{"scenario", "rubric", "reference", "probe", "page", "answer", "test", "file"} {
			for _, f := range found {
				if f.Kind == kind {
					fmt.Fprintf(tw, "  %s\t%s\n", kind, f.Path)
				}
			}
		}
	}
	return tw.Flush()
}

// addFile appends path as a file of kind unless it is empty or listed.
func addFile(files []exercise.File, kind, path string) []exercise.File {
	if path == "" {
		return files
	}
	for _, f := range files {
		if f.Path == path {
			return files
		}
	}
	return append(files, exercise.File{Kind: kind, Path: path})
}
