// Package scenario is the language of the scenario files: the types a
// file decodes into (Scenario, Check, Step and the steps), Parse and Load
// with errors that name the file and the line, the validation of what the
// decoder cannot see, and Match, which compares a received value with the
// expected one (placeholders such as <number>, $contains, captures).
//
// It opens no connection and runs nothing: package graders, the engine,
// runs a Scenario against a server, and the probes a probe step calls are
// registered with the engine, which checks their names (CheckProbes).
package scenario
