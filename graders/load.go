package graders

import (
	"io/fs"

	"rtlab/graders/scenario"
	"rtlab/internal/exercise"
)

// Load parses every scenario file of fsys (scenario.Load) and checks that
// each probe step names one of probes, which the language alone cannot
// know.
func Load(fsys fs.FS, probes *Probes) (map[string]*scenario.Scenario, error) {
	all, err := scenario.Load(fsys)
	if err != nil {
		return nil, err
	}
	names := probes.Names()
	for _, id := range sortedIDs(all) {
		if err := all[id].CheckProbes(names); err != nil {
			return nil, err
		}
	}
	return all, nil
}

// sortedIDs returns the keys of all in course order, so that the first
// error Load reports does not depend on map order.
func sortedIDs(all map[string]*scenario.Scenario) []string {
	ids := make([]string, 0, len(all))
	for id := range all {
		ids = append(ids, id)
	}
	exercise.Sort(ids)
	return ids
}
