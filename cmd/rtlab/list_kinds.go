package main

import (
	"fmt"
	"strings"

	"rtlab/graders/answers"
	"rtlab/graders/scenario"
	"rtlab/scenarios"
)

// What rtlab grades of each exercise, for the KIND column of rtlab list:
// a server, a browser page, a written answer, a configuration, or several.

// scenarioKinds names what an exercise's main scenario (qNN_slug.yaml)
// grades when it is not a server: Q6's only part is a page, Q8's is an
// nginx configuration.
var scenarioKinds = map[string]string{"q6": "page", "q8": "config"}

// part is one graded part of an exercise and its number of checks.
type part struct {
	kind   string
	checks int
}

// gradedParts returns, by exercise id, the parts rtlab grades: the server
// (or page, or config) scenario, the page scenario, the answer rubric.
func gradedParts(all map[string]*scenario.Scenario) (map[string][]part, error) {
	pages, err := scenario.LoadPages(scenarios.FS())
	if err != nil {
		return nil, err
	}
	rubrics, err := answers.Load(scenarios.FS())
	if err != nil {
		return nil, err
	}
	out := map[string][]part{}
	for id, sc := range all {
		kind := scenarioKinds[id]
		if kind == "" {
			kind = "server"
		}
		out[id] = append(out[id], part{kind, len(sc.Checks)})
	}
	for id, sc := range pages {
		out[id] = append(out[id], part{"page", len(sc.Checks)})
	}
	for id, r := range rubrics {
		out[id] = append(out[id], part{"answer", len(r.Facts) + len(r.Review)})
	}
	return out, nil
}

// kindCell and checksCell render an exercise's parts as "server+answer"
// and "5+5", or "-" when nothing of it is graded.
func kindCell(parts []part) (kind, checks string) {
	if len(parts) == 0 {
		return "-", "-"
	}
	var k, c []string
	for _, p := range parts {
		k = append(k, p.kind)
		c = append(c, fmt.Sprint(p.checks))
	}
	return strings.Join(k, "+"), strings.Join(c, "+")
}
