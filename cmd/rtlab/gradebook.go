package main

import (
	"context"
	"flag"
	"path/filepath"
	"time"

	"rtlab/graders/class"
)

// gradebookCommand is `rtlab gradebook`; main lists it in newCommands.
func gradebookCommand() *command {
	return &command{name: "gradebook", summary: "join the outputs of a class graded in shards into one gradebook", usage: gradebookUsage, run: runGradebook}
}

// gradebookUsage is what `rtlab gradebook --help` prints.
const gradebookUsage = `usage: rtlab gradebook merge DIR... [--out DIR]

Joins the outputs of ` + "`rtlab grade --class CLASS --shard K/N`" + ` (one folder per
shard) into one class report: gradebook.csv, index.html and every
student's files, the same bytes as grading the class at once would have
written (timings.csv apart). A submission found in two shards is an error.

Flags:
  --out DIR    where the merged report goes (default reports/class/merged-<date-time>)

Examples:
  rtlab grade --class submissions --shard 1/3 --out shards/1
  rtlab grade --class submissions --shard 2/3 --out shards/2
  rtlab grade --class submissions --shard 3/3 --out shards/3
  rtlab gradebook merge shards/1 shards/2 shards/3 --out class-report
  rtlab gradebook merge shards/* --out class-report
`

func runGradebook(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] != "merge" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			return flag.ErrHelp
		}
		return usagef("want a subcommand: merge")
	}
	fs := newFlagSet("gradebook merge")
	out := fs.String("out", "", "")
	dirs, err := parseFlags(fs, args[1:])
	if err != nil {
		return err
	}
	if len(dirs) == 0 {
		return usagef("merge needs the shards' output folders")
	}
	if *out == "" {
		*out = filepath.Join("reports", "class", "merged-"+time.Now().UTC().Format("20060102-150405"))
	}
	sum, err := class.Merge(*out, dirs)
	if err != nil {
		return err
	}
	printClassSummary(e, sum)
	return nil
}
