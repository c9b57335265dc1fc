package submission

import (
	"context"
	"time"

	"rtlab/graders"
	"rtlab/graders/scenario"
	"rtlab/internal/defaults"
	"rtlab/internal/sandbox"
)

// Options configure Grade. A nil *Options means the defaults.
type Options struct {
	// Exercises restricts the grade to these normalised ids. Default: every
	// exercise of the course (q1 to q38), those the submission has nothing
	// for reported Missing.
	Exercises []string
	// Scenarios are the server exercises' scenarios. Default: the embedded
	// ones, loaded with Probes.
	Scenarios map[string]*scenario.Scenario
	// PageScenarios are the page scenarios (scenarios/*.page.yaml).
	// Default: the embedded ones, loaded with Probes.
	PageScenarios map[string]*scenario.Scenario
	// Probes are the probes the scenarios use. Default: every probe of
	// package probes.
	Probes *graders.Probes
	// Grader is the template of every run's graders.Options (Timeout,
	// Transport, JWTSecret, OnCheck …); URL, Server, NamespacePrefix and
	// Nginx are set per part. Default: the graders' defaults, JWTSecret
	// rtlab-dev-secret.
	Grader *graders.Options
	// RateLimitWindow is RATE_LIMIT_WINDOW_MS given to every server. Default
	// 3s (Q34's scenario is written for it).
	RateLimitWindow time.Duration

	// NoSandbox runs the servers as managed mode does, with the grader's
	// rights and network: only for a student's own code on their own
	// machine, or where the sandbox cannot run and the instructor said so.
	NoSandbox bool
	// Sandbox configures the box (limits, grace, start timeout, log cap).
	// Nil means the sandbox's defaults. With NoSandbox its StartTimeout
	// and Grace still apply.
	Sandbox *sandbox.Options

	// Install runs before the servers start. Default: npm ci (with a
	// lockfile) or npm install in the folder, nothing when node_modules is
	// there or there is no package.json.
	Install func(ctx context.Context, dir string) error
	// InstallTimeout bounds the install. Default 5 minutes.
	InstallTimeout time.Duration

	// ExerciseTimeout bounds the grading of one part of one exercise.
	// Default 3 minutes.
	ExerciseTimeout time.Duration
	// Timeout bounds the whole submission. Default 20 minutes.
	Timeout time.Duration

	// Pages grades the browser page of exercise id at file (an absolute
	// path). Nil: the page is graded in Chromium with its page scenario,
	// served from the exercise's reference server with test hooks as
	// `rtlab grade --page` does (Q6: with the Q6 scenario, the page served
	// on loopback).
	Pages func(ctx context.Context, id, file string) (*graders.Report, error)
	// Answers grades the written answers md for the exercises ids; each
	// report's Exercise names its exercise. Nil: an answer present reports
	// "not graded yet".
	Answers func(md []byte, ids []string) []*graders.Report
}

func (o *Options) withDefaults() Options {
	v := defaults.Copy(o)
	defaults.Positive(&v.RateLimitWindow, 3*time.Second)
	defaults.Positive(&v.InstallTimeout, 5*time.Minute)
	defaults.Positive(&v.ExerciseTimeout, 3*time.Minute)
	defaults.Positive(&v.Timeout, 20*time.Minute)
	g := defaults.Copy(v.Grader)
	defaults.Zero(&g.JWTSecret, "rtlab-dev-secret")
	v.Grader = &g
	return v
}
