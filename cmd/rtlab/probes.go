package main

import (
	"sync"

	"rtlab/graders"
	"rtlab/graders/probes"
)

// probeSet is every probe and live explanation rtlab grades and explains
// with, registered once, explicitly: the engine knows none of its own.
var probeSet = sync.OnceValue(func() *graders.Probes {
	set := graders.NewProbes()
	probes.Register(set)
	return set
})
