// Command rtlab grades realtime servers, runs the reference servers of the
// course, and measures transports on the wire.
//
// Each subcommand lives in its own file, with a usage text that carries
// examples; main lists them (newCommands) and dispatches. Run `rtlab help` for
// the list.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"slices"
	"sort"
	"strings"
	"syscall"
)

// command is one subcommand. run receives the arguments after the
// subcommand's name; it returns a *usageError for bad invocations (exit 2)
// and an *exitError to choose another exit code without printing.
type command struct {
	name    string
	summary string // one line for `rtlab help`
	usage   string // full usage with examples, printed for -h and --help
	run     func(ctx context.Context, env *env, args []string) error
}

// env is what a subcommand may touch of the outside world, so tests can run
// subcommands in-process with buffers.
type env struct {
	stdout io.Writer
	stderr io.Writer
	isTTY  bool // stdout is a terminal: progress bars and colour are allowed
}

// newCommands returns rtlab's subcommands by name. They are listed here,
// in one place, rather than each registering itself from its file: the
// list is the CLI, and a test that runs it sees no hidden set-up.
func newCommands() map[string]*command {
	commands := map[string]*command{}
	for _, c := range []*command{
		benchCommand(), explainCommand(), gradeCommand(), gradebookCommand(),
		listCommand(), loadCommand(), serveCommand(), traceCommand(),
	} {
		if _, dup := commands[c.name]; dup {
			panic("rtlab: duplicate command " + c.name)
		}
		commands[c.name] = c
	}
	return commands
}

// usageError marks a bad invocation; main prints it, the one line that was
// wrong, with a pointer to --help, and exits 2. The whole usage text would
// bury that line.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

// exitError carries an exit code whose reason was already printed (a failed
// grade exits 1 after printing its report).
type exitError struct{ code int }

func (e *exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, &env{stdout: os.Stdout, stderr: os.Stderr, isTTY: isTerminal(os.Stdout)}, os.Args[1:]))
}

// run dispatches args to a subcommand and maps its error to an exit code.
func run(ctx context.Context, e *env, args []string) int {
	commands := newCommands()
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		if len(args) > 1 {
			if c, ok := commands[args[1]]; ok {
				fmt.Fprint(e.stdout, c.usage)
				return 0
			}
		}
		printHelp(e.stdout, commands)
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(e.stderr, "rtlab: unknown command %q\nRun 'rtlab help' for the list of commands.\n", args[0])
		return 2
	}
	err := c.run(ctx, e, args[1:])
	var ue *usageError
	var xe *exitError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprint(e.stdout, c.usage)
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(e.stderr, "rtlab %s: %s\nRun 'rtlab %s --help' for usage.\n", c.name, oneLine(ue.msg), c.name)
		return 2
	case errors.As(err, &xe):
		return xe.code
	default:
		fmt.Fprintf(e.stderr, "rtlab %s: %v\n", c.name, err)
		return 1
	}
}

// oneLine keeps a usage error on one line: a wrapped error may carry
// newlines of its own.
func oneLine(s string) string {
	return strings.TrimSpace(strings.ReplaceAll(s, "\n", " "))
}

// checkServerURL is the check of every server URL given on the command line
// (--url, the URL of load and trace): one of schemes (default http and
// https) and a host. A mistyped URL is a usage error, whichever command it
// was given to.
func checkServerURL(what, raw string, schemes ...string) error {
	if len(schemes) == 0 {
		schemes = []string{"http", "https"}
	}
	u, err := url.Parse(raw)
	if err != nil || !slices.Contains(schemes, u.Scheme) || u.Host == "" {
		want := make([]string, len(schemes))
		for i, sc := range schemes {
			want[i] = sc + "://HOST:PORT"
		}
		return usagef("%s %q: want %s", what, raw, strings.Join(want, " or "))
	}
	return nil
}

func printHelp(w io.Writer, commands map[string]*command) {
	fmt.Fprint(w, "rtlab — a test harness and benchmark suite for realtime protocols.\n\nCommands:\n")
	names := make([]string, 0, len(commands))
	width := 0
	for n := range commands {
		names = append(names, n)
		width = max(width, len(n))
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-*s %s\n", width, n, commands[n].summary)
	}
	fmt.Fprint(w, "\nRun `rtlab help COMMAND` for a command's usage and examples.\n")
}

// newFlagSet returns a flag set that reports errors instead of exiting and
// prints nothing by itself: run prints the usage text.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// parseFlags parses args, turning flag errors into usage errors. Flags may
// follow positional arguments (`rtlab serve q24 --addr :3000`).
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usagef("%s", err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
