package submission

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"rtlab/graders"
	"rtlab/graders/probes"
	"rtlab/internal/exercise"
	"rtlab/internal/sandbox"
	"rtlab/reference"
	"rtlab/reference/nginx"
	"rtlab/scenarios"
)

// NotGradedYet is the reason of a part whose grader is not there yet: a
// skip, never a false verdict.
const NotGradedYet = "not graded yet"

// Grade grades the submission in dir: it reads the manifest or the
// conventions, installs the dependencies, starts each server (in a sandbox
// unless NoSandbox) and grades its exercises, grades Q8's nginx
// configuration, the pages and the written answers, and stops everything.
// What the submission lacks is Missing; what could not be set up is in
// Result.Setup, and the parts that did not need it are still graded. The
// error is the grader's own trouble (no such folder, the sandbox cannot
// run), never the student's.
func Grade(ctx context.Context, dir string, o *Options) (*Result, error) {
	opts := o.withDefaults()
	st, err := os.Stat(dir)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("%s is not a folder", dir)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if opts.Probes == nil && (opts.Scenarios == nil || opts.PageScenarios == nil) {
		// The embedded scenarios are checked against the probes they call.
		opts.Probes = graders.NewProbes()
		probes.Register(opts.Probes)
	}
	if opts.Scenarios == nil {
		all, err := graders.Load(scenarios.FS(), opts.Probes)
		if err != nil {
			return nil, fmt.Errorf("the embedded scenarios do not parse (a bug in rtlab): %w", err)
		}
		opts.Scenarios = all
	}
	if opts.PageScenarios == nil {
		pages, err := graders.LoadPages(scenarios.FS(), opts.Probes)
		if err != nil {
			return nil, fmt.Errorf("the embedded page scenarios do not parse (a bug in rtlab): %w", err)
		}
		opts.PageScenarios = pages
	}
	if opts.Grader.Probes == nil {
		opts.Grader.Probes = opts.Probes
	}
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()

	g := &grading{opts: &opts, dir: abs, parts: map[string][]*graders.Report{}, reasons: map[string]string{},
		res: &Result{Dir: dir, Student: filepath.Base(abs), Started: time.Now(), Logs: map[string]string{}}}
	g.ids = opts.Exercises
	if len(g.ids) == 0 {
		g.ids = courseIDs()
	}
	g.ids = slices.Clone(g.ids)
	exercise.Sort(g.ids)

	m, err := ReadManifest(abs)
	if err != nil {
		g.res.Setup = err.Error()
		for _, id := range g.ids {
			g.reasons[id] = err.Error()
		}
		return g.finish(true), nil
	}
	g.res.Student = m.Student

	installErr := g.install(ctx, m)
	if installErr != nil {
		g.res.Setup = installErr.Error()
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); g.servers(ctx, m, installErr) }()
	go func() { defer wg.Done(); g.nginxConf(ctx, m) }()
	wg.Wait()
	g.pages(ctx, m)
	g.answers(m)
	return g.finish(false), nil
}

// grading is one Grade call's state.
type grading struct {
	opts *Options
	dir  string
	ids  []string
	res  *Result

	mu      sync.Mutex
	parts   map[string][]*graders.Report
	reasons map[string]string // why an exercise could not be graded
}

func (g *grading) selected(id string) bool { return slices.Contains(g.ids, id) }

func (g *grading) add(id string, r *graders.Report) {
	r.Exercise = id
	if r.Title == "" {
		r.Title = exercise.Title(id)
	}
	g.mu.Lock()
	g.parts[id] = append(g.parts[id], r)
	g.mu.Unlock()
}

func (g *grading) fail(id, reason string) {
	g.mu.Lock()
	if g.reasons[id] == "" {
		g.reasons[id] = reason
	}
	g.mu.Unlock()
}

// finish builds the Result's exercises: Error when nothing could be graded
// and a reason says why, Missing when nothing was there, else Graded.
func (g *grading) finish(broken bool) *Result {
	for _, id := range g.ids {
		e := &Exercise{ID: id, Parts: g.parts[id]}
		switch {
		case broken || (g.reasons[id] != "" && (len(e.Parts) == 0 || allMissing(e.Parts))):
			// A part that could not be graded (a failed install) beside
			// parts that are only missing (no answer) is an error, not a
			// missing exercise: the reason must reach the report.
			e.State, e.Reason = Error, g.reasons[id]
		case len(e.Parts) == 0 || allMissing(e.Parts):
			e.State, e.Reason = Missing, "the submission has nothing for "+strings.ToUpper(id)
		default:
			e.State = Graded
		}
		g.res.Exercises = append(g.res.Exercises, e)
	}
	g.res.Duration = time.Since(g.res.Started)
	return g.res
}

func allMissing(parts []*graders.Report) bool {
	for _, r := range parts {
		if r.Err != nil {
			return false
		}
		for _, c := range r.Checks {
			if c.Status != graders.Missing {
				return false
			}
		}
	}
	return true
}

func (g *grading) install(ctx context.Context, m *Manifest) error {
	if len(m.Servers) == 0 {
		return nil
	}
	ictx, cancel := context.WithTimeout(ctx, g.opts.InstallTimeout)
	defer cancel()
	install := g.opts.Install
	if install == nil {
		install = NpmInstall
	}
	return install(ictx, g.dir)
}

// serverExercises are the exercises a server entry is graded on: those it
// names (or every server exercise), selected, with a scenario.
func (g *grading) serverExercises(s Server) []string {
	var ids []string
	for _, id := range g.ids {
		if _, ok := g.opts.Scenarios[id]; !ok || slices.Contains(serverless, id) {
			continue
		}
		if s.Exercises != nil && !slices.Contains(s.Exercises, id) {
			continue
		}
		ids = append(ids, id)
	}
	return ids
}

// servers starts each server in turn and grades its exercises. With a
// sandbox, every server of the submission shares one Box (one uid, its
// limits and its notes).
func (g *grading) servers(ctx context.Context, m *Manifest, installErr error) {
	var box *sandbox.Box
	if !g.opts.NoSandbox {
		b, err := sandbox.New(g.opts.Sandbox)
		if err != nil {
			for _, s := range m.Servers {
				for _, id := range g.serverExercises(s) {
					g.fail(id, err.Error())
				}
			}
			g.res.Setup = strings.TrimSpace(g.res.Setup + "\n" + err.Error())
			return
		}
		box = b
		defer func() { g.res.Sandbox = append(g.res.Sandbox, box.Close()...) }()
	}
	for _, s := range m.Servers {
		ids := g.serverExercises(s)
		if len(ids) == 0 {
			continue
		}
		if installErr != nil {
			for _, id := range ids {
				g.fail(id, "not graded: the dependencies did not install (see setup)")
			}
			continue
		}
		if ctx.Err() != nil {
			for _, id := range ids {
				g.add(id, g.failAll(id, "the submission's time limit ran out before this server was graded", ""))
			}
			continue
		}
		g.server(ctx, box, s, ids)
	}
}

// running is a started server, sandboxed or not.
type running struct {
	url  string
	sink *graders.Process
	stop func()
	logs func() string
}

func (g *grading) server(ctx context.Context, box *sandbox.Box, s Server, ids []string) {
	env := []string{"JWT_SECRET=" + g.opts.Grader.JWTSecret,
		"RATE_LIMIT_WINDOW_MS=" + strconv.FormatInt(g.opts.RateLimitWindow.Milliseconds(), 10)}
	var run *running
	var startErr error
	if box != nil {
		var srv *sandbox.Server
		sink := graders.NewSignalledLogSink(func(sig syscall.Signal) error { return srv.Signal(sig) })
		srv, startErr = box.Start(ctx, &sandbox.Command{Line: s.Cmd, Dir: g.dir, Env: env,
			OnLine: func(stream, line string) {
				if stream == "stdout" {
					sink.Write([]byte(line + "\n"))
				}
			}})
		if startErr == nil {
			run = &running{url: srv.URL(), sink: sink, stop: func() { srv.Stop() }, logs: func() string {
				o, e := srv.Logs()
				return joinLogs(o, e)
			}}
		}
	} else {
		addr, err := graders.FreeAddr()
		if err != nil {
			startErr = err
		} else {
			po := &graders.ProcessOptions{Addr: addr, Env: env, Dir: g.dir}
			if so := g.opts.Sandbox; so != nil {
				po.StartTimeout, po.Grace = so.StartTimeout, so.Grace
			}
			p, err := graders.StartProcess(ctx, s.Cmd, po)
			startErr = err
			if err == nil {
				run = &running{url: "http://" + addr, sink: p, stop: func() { p.Stop() }, logs: func() string {
					return joinLogs(capLog(strings.Join(p.Lines("stdout"), "\n")), capLog(strings.Join(p.Lines("stderr"), "\n")))
				}}
			}
		}
	}
	if startErr != nil {
		msg, output := startErr.Error(), ""
		var se *sandbox.StartError
		if errors.As(startErr, &se) {
			msg, output = "the server "+se.Msg, strings.Join(se.Output, "\n")
		}
		var pe *graders.StartError
		if errors.As(startErr, &pe) {
			msg, output = pe.Msg, strings.Join(pe.Output, "\n")
		}
		g.res.Logs[s.Cmd] = output
		for _, id := range ids {
			g.add(id, g.failAll(id, msg, output))
		}
		return
	}
	defer func() {
		run.stop()
		g.mu.Lock()
		g.res.Logs[s.Cmd] = run.logs()
		g.mu.Unlock()
	}()
	for _, id := range ids {
		o := *g.opts.Grader
		o.URL = run.url
		o.Server = run.sink
		o.NamespacePrefix = strings.ReplaceAll(s.NamespacePrefix, "{n}", strconv.Itoa(exercise.Number(id)))
		ectx, cancel := context.WithTimeout(ctx, g.opts.ExerciseTimeout)
		r := graders.Run(ectx, g.opts.Scenarios[id], &o)
		cancel()
		g.add(id, r)
	}
}

// capLog keeps the first MiB of an unsandboxed server's stream, as the
// sandbox does.
func capLog(s string) string {
	const max = 1 << 20
	if len(s) <= max {
		return s
	}
	return s[:max] + fmt.Sprintf("\n[rtlab: %d more bytes not kept: output is capped at %d bytes]\n", len(s)-max, max)
}

func joinLogs(stdout, stderr string) string {
	if stderr == "" {
		return stdout
	}
	return stdout + "\n--- stderr ---\n" + stderr
}

// failAll is a server part whose server could not be graded at all: every
// check of the scenario fails with why, so that a server that never
// listens scores 0 of its checks (submissions.md), not an error.
func (g *grading) failAll(id, reason, output string) *graders.Report {
	sc := g.opts.Scenarios[id]
	r := &graders.Report{Exercise: id, Title: exercise.Title(id)}
	for _, c := range sc.Checks {
		r.Checks = append(r.Checks, graders.CheckResult{ID: c.ID, Name: c.Name, Status: graders.Fail,
			Reason: reason, Actual: output,
			Hint: "start it yourself with PORT=3000 and the same command, and read its output"})
	}
	return r
}

// nginxConf grades Q8: the student's configuration, run by the real nginx
// in front of rtlab's own backend.
func (g *grading) nginxConf(ctx context.Context, m *Manifest) {
	sc, ok := g.opts.Scenarios["q8"]
	if !g.selected("q8") || !ok {
		return
	}
	file := filepath.Join(g.dir, m.Nginx)
	data, err := os.ReadFile(file)
	if err != nil {
		g.add("q8", missingPart("q8", m.Nginx+" (Q8's nginx configuration)"))
		return
	}
	front, err := reference.NewNginxFront(data, nil)
	if err != nil {
		var ce *nginx.ConfigError
		if errors.As(err, &ce) {
			r := &graders.Report{Exercise: "q8"}
			for _, c := range sc.Checks {
				r.Checks = append(r.Checks, graders.CheckResult{ID: c.ID, Name: c.Name, Status: graders.Fail,
					Reason: "nginx refused the configuration " + m.Nginx, Actual: ce.Msg,
					Hint: "run nginx -t -c with your file to see the line it names"})
			}
			g.add("q8", r)
			return
		}
		g.add("q8", &graders.Report{Exercise: "q8", Err: fmt.Errorf("nginx could not be run for %s: %w", m.Nginx, err)})
		return
	}
	defer front.Close()
	o := *g.opts.Grader
	o.URL = front.URL
	o.Nginx = &graders.Nginx{Conf: front.Nginx.Conf}
	ectx, cancel := context.WithTimeout(ctx, g.opts.ExerciseTimeout)
	defer cancel()
	g.add("q8", graders.Run(ectx, sc, &o))
}

// pages grades each page exercise's page: with Options.Pages, or Q6's
// scenario when it is nil.
func (g *grading) pages(ctx context.Context, m *Manifest) {
	for _, id := range PageExercises {
		if !g.selected(id) {
			continue
		}
		rel := m.Pages[id]
		if rel == "" {
			rel = PageFile(id)
		}
		file := filepath.Join(g.dir, rel)
		if !fileExists(file) {
			if _, named := m.Pages[id]; named || anyPagePresent(g.dir, m) {
				g.add(id, missingPart(id, rel+" (the page)"))
			}
			continue
		}
		pctx, cancel := context.WithTimeout(ctx, g.opts.ExerciseTimeout)
		r, err := g.page(pctx, id, file)
		cancel()
		if err != nil {
			r = &graders.Report{Exercise: id, Err: err}
		}
		g.add(id, r)
	}
}

// anyPagePresent: a page reported missing only when the submission has
// pages at all, so a server-only hand-in is not a list of missing pages.
func anyPagePresent(dir string, m *Manifest) bool {
	if len(m.Pages) > 0 {
		return true
	}
	st, err := os.Stat(filepath.Join(dir, "client"))
	return err == nil && st.IsDir()
}

func (g *grading) page(ctx context.Context, id, file string) (*graders.Report, error) {
	if g.opts.Pages != nil {
		return g.opts.Pages(ctx, id, file)
	}
	if sc, ok := g.opts.PageScenarios[id]; ok {
		h, err := probes.StartPageFile(id, file, nil)
		if err != nil {
			return nil, err
		}
		defer h.Close()
		o := *g.opts.Grader
		o.URL, o.Harness, o.Server, o.Nginx = h.URL, h, nil, nil
		r := graders.Run(ctx, sc, &o)
		r.Title += " — page"
		return r, nil
	}
	if id != "q6" {
		return skipPart(id, "page", NotGradedYet), nil
	}
	sc, ok := g.opts.Scenarios["q6"]
	if !ok {
		return skipPart(id, "page", NotGradedYet), nil
	}
	base, stop, err := probes.ServePage(file)
	if err != nil {
		return nil, err
	}
	defer stop()
	o := *g.opts.Grader
	o.URL = base
	return graders.Run(ctx, sc, &o), nil
}

// answers grades the written answers with Options.Answers, or reports
// each answer present as not graded yet.
func (g *grading) answers(m *Manifest) {
	md, err := os.ReadFile(filepath.Join(g.dir, m.Answers))
	if err != nil {
		md = nil
	}
	if g.opts.Answers != nil {
		for _, r := range g.opts.Answers(md, g.ids) {
			if g.selected(exercise.Normalize(r.Exercise)) {
				g.add(exercise.Normalize(r.Exercise), r)
			}
		}
		return
	}
	for _, id := range answeredIDs(md) {
		if g.selected(id) {
			g.add(id, skipPart(id, "written answer", NotGradedYet))
		}
	}
}

var answerHeading = regexp.MustCompile(`(?mi)^#{1,4}\s*q0*(\d+)\b`)

// answeredIDs are the exercises with a "## Qn" heading in md.
func answeredIDs(md []byte) []string {
	var ids []string
	for _, m := range answerHeading.FindAllSubmatch(md, -1) {
		id := "q" + string(m[1])
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids
}

func skipPart(id, part, reason string) *graders.Report {
	return &graders.Report{Exercise: id, Checks: []graders.CheckResult{{
		ID: id + "-" + strings.ReplaceAll(part, " ", "-"), Name: "the " + part + " of " + strings.ToUpper(id),
		Status: graders.Skip, Reason: reason}}}
}

func missingPart(id, what string) *graders.Report {
	return &graders.Report{Exercise: id, Checks: []graders.CheckResult{{
		ID: id + "-missing", Name: what, Status: graders.Missing,
		Reason: "not in the submission: " + what}}}
}
