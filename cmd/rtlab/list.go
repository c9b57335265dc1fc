package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"rtlab/graders"
	"rtlab/reference"
	"rtlab/scenarios"
)

func init() {
	register(&command{
		name:    "list",
		summary: "list the exercises: which are graded, which have a reference server",
		usage: `usage: rtlab list

Lists every exercise that has a scenario (checks rtlab grade runs) or a
reference server (rtlab serve), with the number of checks and the broken
variants of the reference (rtlab serve qNN --variant NAME).

Examples:
  rtlab list
  rtlab explain q17      # the contract and checks of one exercise
`,
		run: runList,
	})
}

func runList(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet("list")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("list takes no arguments")
	}
	all, err := graders.Load(scenarios.FS())
	if err != nil {
		return err
	}
	titles := map[string]string{}
	var ids []string
	for id, sc := range all {
		ids = append(ids, id)
		titles[id] = sc.Title
	}
	for _, ex := range reference.All() {
		id := reference.NormalizeID(ex.ID)
		if _, ok := titles[id]; !ok {
			ids = append(ids, id)
			titles[id] = ex.Title
		}
	}
	sortIDs(ids)
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "EXERCISE\tTITLE\tCHECKS\tREFERENCE\tVARIANTS")
	for _, id := range ids {
		checks := "-"
		if sc, ok := all[id]; ok {
			checks = fmt.Sprint(len(sc.Checks))
		}
		ref, variants := "-", ""
		if ex, ok := reference.Lookup(id); ok {
			ref = "yes"
			variants = strings.Join(ex.Variants, ", ")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", id, titles[id], checks, ref, variants)
	}
	return tw.Flush()
}
