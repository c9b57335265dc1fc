package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"rtlab/graders"
	"rtlab/graders/scenario"
	"rtlab/internal/exercise"
	"rtlab/reference"
	"rtlab/scenarios"
)

// explainCommand is `rtlab explain`; main lists it in newCommands.
func explainCommand() *command {
	return &command{name: "explain", summary: "print an exercise's contract and its checks, as a student reads them", usage: explainUsage, run: runExplain}
}

// explainUsage is what `rtlab explain --help` prints.
const explainUsage = `usage: rtlab explain EXERCISE [--url URL]

Prints the exercise's title, its contract (what the server must do, with
the exact event names and payloads), and every check rtlab grade runs, in
order, with what each depends on. For a written answer (Q1, Q12, and
the written part of Q10, Q14 …) it prints the facts the answer must state
and what a person reviews.

Some exercises add a live part (Q2 draws the WebSocket handshake as a
sequence diagram): against --url when given, else against the reference
server run in-process.

Flags:
  --url URL   the server the live part talks to

Examples:
  rtlab explain q17
  rtlab explain q09
  rtlab explain q12      # a written answer: the facts it must state
  rtlab explain q2 --url http://localhost:3000
`

func runExplain(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet("explain")
	rawURL := fs.String("url", "", "")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("name one exercise (rtlab explain q17)")
	}
	all, err := graders.Load(scenarios.FS(), probeSet())
	if err != nil {
		return err
	}
	id := exercise.Normalize(pos[0])
	sc, ok := all[id]
	if !ok {
		// A written answer only (Q1, Q3 …): see explain_answers.go.
		if *rawURL != "" {
			return usagef("%s has no live part; --url is for exercises that do (q2)", id)
		}
		if done, err := explainAnswer(e, id, false); done || err != nil {
			return err
		}
		if done, err := explainPageOnly(e, id); done || err != nil {
			return err
		}
		return usagef("no scenario for %q yet (rtlab list shows the graded exercises)", pos[0])
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s — %s\n\n", strings.ToUpper(sc.Exercise), sc.Title)
	writeContract(&b, sc)
	fmt.Fprintf(&b, "\nChecks (%d), in the order rtlab grade runs them:\n", len(sc.Checks))
	writeChecks(&b, sc)
	fmt.Fprintf(&b, "\nGrade it: rtlab grade --url http://localhost:3000 --exercise %s\n", sc.Exercise)
	// The browser page, for an exercise that has one beside its server.
	pages, err := graders.LoadPages(scenarios.FS(), probeSet())
	if err != nil {
		return err
	}
	if pg, ok := pages[sc.Exercise]; ok {
		file := pageFile(sc.Exercise)
		fmt.Fprintf(&b, "\nThe page (%s), graded in headless Chromium:\n\n", file)
		writeContract(&b, pg)
		fmt.Fprintf(&b, "\nPage checks (%d), in the order rtlab grade runs them:\n", len(pg.Checks))
		writeChecks(&b, pg)
		fmt.Fprintf(&b, "\nGrade it: rtlab grade --exercise %s --page %s\n", sc.Exercise, file)
	}
	if _, err := fmt.Fprint(e.stdout, b.String()); err != nil {
		return err
	}
	if _, err := explainAnswer(e, sc.Exercise, true); err != nil { // its written part, if any
		return err
	}
	live, ok := probeSet().Explainer(sc.Exercise)
	if !ok {
		if *rawURL != "" {
			return usagef("%s has no live part; --url is for exercises that do (q2)", sc.Exercise)
		}
		return nil
	}
	return explainLive(ctx, e, sc.Exercise, *rawURL, live)
}

// pageFile is where a submission keeps an exercise's page (submissions.md):
// client/q9.html, and client/q21.jsx for Q21's React component.
func pageFile(id string) string {
	if id == "q21" {
		return "client/q21.jsx"
	}
	return fmt.Sprintf("client/q%d.html", exercise.Number(id))
}

// explainPageOnly explains an exercise whose only graded part is a page
// (Q21); done is false when id has no page scenario.
func explainPageOnly(e *env, id string) (done bool, err error) {
	pages, err := graders.LoadPages(scenarios.FS(), probeSet())
	if err != nil {
		return false, err
	}
	pg, ok := pages[id]
	if !ok {
		return false, nil
	}
	var b strings.Builder
	file := pageFile(id)
	fmt.Fprintf(&b, "%s — %s\n\nThe page (%s), graded in headless Chromium:\n\n", strings.ToUpper(pg.Exercise), pg.Title, file)
	writeContract(&b, pg)
	fmt.Fprintf(&b, "\nPage checks (%d), in the order rtlab grade runs them:\n", len(pg.Checks))
	writeChecks(&b, pg)
	fmt.Fprintf(&b, "\nGrade it: rtlab grade --exercise %s --page %s\n", id, file)
	_, err = fmt.Fprint(e.stdout, b.String())
	return true, err
}

// explainLive runs an exercise's live explanation against rawURL, or
// against its reference server on a loopback port when rawURL is empty.
func explainLive(ctx context.Context, e *env, id, rawURL string, live graders.ExplainFunc) error {
	if rawURL == "" {
		if _, ok := reference.Lookup(id); !ok {
			return nil
		}
		ref, err := reference.Start(id, nil)
		if err != nil {
			return err
		}
		defer ref.Close()
		rawURL = ref.URL
		fmt.Fprintf(e.stdout, "\nLive, against the reference server (%s):\n\n", rawURL)
	} else {
		fmt.Fprintf(e.stdout, "\nLive, against %s:\n\n", rawURL)
	}
	base, err := url.Parse(rawURL)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return usagef("--url %q: want http://HOST:PORT or https://HOST:PORT", rawURL)
	}
	tr := &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}
	defer tr.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	return live(ctx, e.stdout, base, &http.Client{Transport: tr})
}

// writeContract writes a scenario's contract, indented.
func writeContract(b *strings.Builder, sc *scenario.Scenario) {
	for _, line := range strings.Split(strings.TrimRight(sc.Contract, "\n"), "\n") {
		if line == "" {
			b.WriteString("\n")
			continue
		}
		b.WriteString("  " + line + "\n")
	}
}

// writeChecks writes a scenario's checks, numbered, each with its id and
// what it depends on.
func writeChecks(b *strings.Builder, sc *scenario.Scenario) {
	for i, c := range sc.Checks {
		fmt.Fprintf(b, "  %2d. %s\n      [%s]", i+1, c.Name, c.ID)
		var notes []string
		if len(c.Needs) > 0 {
			notes = append(notes, "skipped unless "+strings.Join(c.Needs, " and ")+" passed")
		}
		if c.NeedsCmd {
			notes = append(notes, "needs --cmd (reads the server's output)")
		}
		if len(notes) > 0 {
			fmt.Fprintf(b, " %s", strings.Join(notes, "; "))
		}
		b.WriteString("\n")
	}
}
