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
	if err == nil {
		err = checkProbes(all, probes)
	}
	if err != nil {
		return nil, err
	}
	return all, nil
}

// LoadPages parses every page scenario of fsys (scenario.LoadPages, the
// qNN_slug.page.yaml files) and checks their probe steps as Load does.
func LoadPages(fsys fs.FS, probes *Probes) (map[string]*scenario.Scenario, error) {
	all, err := scenario.LoadPages(fsys)
	if err == nil {
		err = checkProbes(all, probes)
	}
	if err != nil {
		return nil, err
	}
	return all, nil
}

// checkProbes reports the first probe step of all, in course order, that
// names no probe of probes.
func checkProbes(all map[string]*scenario.Scenario, probes *Probes) error {
	names := probes.Names()
	for _, id := range sortedIDs(all) {
		if err := all[id].CheckProbes(names); err != nil {
			return err
		}
	}
	return nil
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
