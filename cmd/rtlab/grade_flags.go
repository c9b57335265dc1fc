package main

import (
	"context"
	"flag"
	"time"

	"rtlab/graders"
	"rtlab/graders/probes"
)

// gradeFlags are the flags of `rtlab grade` without --class, as parsed
// (gradeUsage documents each and its default).
type gradeFlags struct {
	fs *flag.FlagSet // for flagGiven

	rawURL, exList, cmdLine, format, out string
	transport, nsPrefix, secret, variant string
	page, caFile, nginxConf, subDir      string
	answersFile                          string
	timeout, deadline                    time.Duration
	repeat                               int
	noSandbox                            bool
	pos                                  []string // positional arguments, all of them mistakes
}

// parseGradeFlags parses the arguments of `rtlab grade`.
func parseGradeFlags(args []string) (*gradeFlags, error) {
	g := &gradeFlags{fs: newFlagSet("grade")}
	fs := g.fs
	fs.StringVar(&g.rawURL, "url", "", "")
	fs.StringVar(&g.exList, "exercise", "", "")
	fs.StringVar(&g.cmdLine, "cmd", "", "")
	fs.StringVar(&g.format, "format", "text", "")
	fs.StringVar(&g.out, "out", "", "")
	fs.DurationVar(&g.timeout, "timeout", 2*time.Second, "")
	fs.StringVar(&g.transport, "transport", "websocket", "")
	fs.StringVar(&g.nsPrefix, "namespace-prefix", "", "")
	fs.StringVar(&g.secret, "jwt-secret", envOr("JWT_SECRET", "rtlab-dev-secret"), "")
	fs.DurationVar(&g.deadline, "deadline", 10*time.Minute, "")
	fs.StringVar(&g.variant, "variant", "", "")
	fs.StringVar(&g.page, "page", "", "")
	fs.StringVar(&g.caFile, "ca", "", "")
	fs.StringVar(&g.nginxConf, "nginx-conf", "", "")
	fs.IntVar(&g.repeat, "repeat", 1, "")
	fs.StringVar(&g.subDir, "submission", "", "")
	fs.BoolVar(&g.noSandbox, "no-sandbox", false, "")
	fs.StringVar(&g.answersFile, "answers", "", "")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return nil, err
	}
	g.pos = pos
	return g, nil
}

// repeated reports whether --repeat was given (even --repeat 1).
func (g *gradeFlags) repeated() bool { return flagGiven(g.fs, "repeat") }

// gradeSubmission grades --submission DIR (grade_submission.go), which
// takes none of the flags that name a server, page or file.
func (g *gradeFlags) gradeSubmission(ctx context.Context, e *env) error {
	if g.rawURL != "" || g.cmdLine != "" || g.page != "" || g.nginxConf != "" || g.variant != "" || g.answersFile != "" || g.repeated() || len(g.pos) > 0 {
		return usagef("%v", errSubmissionFlags)
	}
	return gradeSubmission(ctx, e, submissionFlags{dir: g.subDir, exList: g.exList, format: g.format, out: g.out,
		secret: g.secret, timeout: g.timeout, deadline: g.deadline, noSandbox: g.noSandbox})
}

// gradeAnswers grades --answers FILE (grade_answers.go).
func (g *gradeFlags) gradeAnswers(e *env) error {
	if g.rawURL != "" || g.cmdLine != "" || g.page != "" || g.nginxConf != "" || g.variant != "" || g.repeated() || len(g.pos) > 0 {
		return usagef("--answers grades a file of written answers: it goes with --exercise, --format and --out only")
	}
	if err := checkFormat(g.format); err != nil {
		return err
	}
	return gradeAnswersFile(e, g.answersFile, g.exList, g.format, g.out)
}

// startExtras serves what --page and --nginx-conf ask for and checks --ca
// (grade_extra.go). stop ends what was started, in reverse order; on an
// error nothing is left running.
func (g *gradeFlags) startExtras(ctx context.Context) (harness *probes.PageHarness, nginxRun *graders.Nginx, stop func(), err error) {
	var stops []func() error
	stop = func() {
		for i := len(stops) - 1; i >= 0; i-- {
			stops[i]()
		}
	}
	if g.page != "" {
		stopPage, h, err := servePageFlag(g.page, &g.rawURL, &g.exList, g.cmdLine)
		if err != nil {
			return nil, nil, nil, err
		}
		stops = append(stops, stopPage)
		harness = h
	}
	if g.nginxConf != "" {
		stopNginx, conf, err := nginxConfFlag(g.nginxConf, &g.rawURL, &g.exList, g.cmdLine)
		if err != nil {
			stop()
			return nil, nil, nil, err
		}
		stops = append(stops, stopNginx)
		nginxRun = &graders.Nginx{Conf: conf}
	}
	if g.caFile != "" {
		if err := checkCAFlag(ctx, g.rawURL, g.caFile); err != nil {
			stop()
			return nil, nil, nil, err
		}
	}
	return harness, nginxRun, stop, nil
}

// check refuses the flags that cannot go together or have no meaning.
func (g *gradeFlags) check() error {
	if len(g.pos) > 0 {
		return usagef("unexpected argument %q (exercises go in --exercise)", g.pos[0])
	}
	if err := checkFormat(g.format); err != nil {
		return err
	}
	if g.transport != "websocket" && g.transport != "polling" {
		return usagef("--transport %q: want websocket or polling", g.transport)
	}
	if g.timeout <= 0 || g.deadline <= 0 {
		return usagef("--timeout and --deadline must be positive")
	}
	if g.repeated() {
		return checkRepeatFlag(g.repeat, g.format)
	}
	return nil
}
