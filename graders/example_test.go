package graders_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"time"

	"rtlab/graders"
	"rtlab/graders/scenario"
)

// A scenario is YAML: checks that are sentences, made of steps. This one
// grades an HTTP endpoint; socket steps (connect, emit, expect…) read the
// same way.
func Example() {
	sc, err := scenario.Parse("status.yaml", []byte(`
exercise: q15
checks:
  - id: status
    name: GET /api/status answers {"status":"online"}
    steps:
      - http:
          path: /api/status
          expect: {status: 200, json: {status: online}}
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	srv := httptest.NewServer(nil) // nothing there: every path is 404
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rep := graders.Run(ctx, sc, &graders.Options{URL: srv.URL})
	c := rep.Checks[0]
	fmt.Println(c.Status, "-", c.Reason)
	fmt.Println("expected:", c.Expected)
	fmt.Println("passed:", rep.Passed())
	// Output:
	// fail - GET /api/status answered with the wrong status
	// expected: status 200
	// passed: false
}

// Probes are Go functions a scenario calls by name for what steps cannot
// express; the program that runs the engine registers them (rtlab
// registers package probes').
func ExampleProbes() {
	set := graders.NewProbes()
	set.Add("example-always-late", func(ctx context.Context, env *graders.ProbeEnv, params map[string]any) error {
		return graders.Failf("the event came %vms late", params["late_ms"])
	})
	sc, err := scenario.Parse("late.yaml", []byte(`
exercise: q99
title: Late
checks:
  - id: late
    name: Events are on time
    steps:
      - probe: {name: example-always-late, params: {late_ms: 250}}
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	srv := httptest.NewServer(nil)
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rep := graders.Run(ctx, sc, &graders.Options{URL: srv.URL, Probes: set})
	fmt.Println(rep.Checks[0].Status, "-", rep.Checks[0].Reason)
	// Output: fail - the event came 250ms late
}

// Parse errors name the file and the line.
func ExampleParse() {
	_, err := scenario.Parse("q17_user_count.yaml", []byte("exercise: q17\nchecks:\n  - id: one\n    name: One\n    steps:\n      - conect: a\n"))
	fmt.Fprintln(os.Stdout, err)
	// Output: q17_user_count.yaml:6: unknown step "conect" (known: connect, emit, expect, expect_none, disconnect, http, sse, wait, repeat, parallel, assert, log, probe, set)
}
