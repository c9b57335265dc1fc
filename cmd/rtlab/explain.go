package main

import (
	"context"
	"fmt"
	"strings"

	"rtlab/graders"
	"rtlab/scenarios"
)

func init() {
	register(&command{
		name:    "explain",
		summary: "print an exercise's contract and its checks, as a student reads them",
		usage: `usage: rtlab explain EXERCISE

Prints the exercise's title, its contract (what the server must do, with
the exact event names and payloads), and every check rtlab grade runs, in
order, with what each depends on.

Examples:
  rtlab explain q17
  rtlab explain q09
`,
		run: runExplain,
	})
}

func runExplain(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet("explain")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("name one exercise (rtlab explain q17)")
	}
	all, err := graders.Load(scenarios.FS())
	if err != nil {
		return err
	}
	sc, ok := all[graders.NormalizeID(pos[0])]
	if !ok {
		return usagef("no scenario for %q yet (rtlab list shows the graded exercises)", pos[0])
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s — %s\n\n", strings.ToUpper(sc.Exercise), sc.Title)
	for _, line := range strings.Split(strings.TrimRight(sc.Contract, "\n"), "\n") {
		if line == "" {
			b.WriteString("\n")
			continue
		}
		b.WriteString("  " + line + "\n")
	}
	fmt.Fprintf(&b, "\nChecks (%d), in the order rtlab grade runs them:\n", len(sc.Checks))
	for i, c := range sc.Checks {
		fmt.Fprintf(&b, "  %2d. %s\n      [%s]", i+1, c.Name, c.ID)
		var notes []string
		if len(c.Needs) > 0 {
			notes = append(notes, "skipped unless "+strings.Join(c.Needs, " and ")+" passed")
		}
		if c.NeedsCmd {
			notes = append(notes, "needs --cmd (reads the server's output)")
		}
		if len(notes) > 0 {
			fmt.Fprintf(&b, " %s", strings.Join(notes, "; "))
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "\nGrade it: rtlab grade --url http://localhost:3000 --exercise %s\n", sc.Exercise)
	_, err = fmt.Fprint(e.stdout, b.String())
	return err
}
