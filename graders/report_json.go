package graders

import (
	"encoding/json"
	"io"
)

// jsonReport is the contract's JSON shape for one exercise.
type jsonReport struct {
	Exercise string      `json:"exercise"`
	URL      string      `json:"url"`
	Passed   bool        `json:"passed"`
	Error    string      `json:"error,omitempty"`
	Checks   []jsonCheck `json:"checks"`
}

type jsonCheck struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Status     Status `json:"status"`
	Message    string `json:"message"`
	DurationMS int64  `json:"duration_ms"`
	// Points is set when a check is worth other than 1; Reference and
	// Submitted carry a review item's two texts, for the person who judges
	// it.
	Points    int    `json:"points,omitempty"`
	Reference string `json:"reference,omitempty"`
	Submitted string `json:"submitted,omitempty"`
}

// WriteJSON writes the contract's report:
// {"exercise","url","passed","checks":[{"id","name","status","message","duration_ms"}]}
// for one exercise, an array of them for several. A harness error that
// kept the checks from running is added as "error".
func WriteJSON(w io.Writer, reports []*Report) error {
	out := make([]jsonReport, len(reports))
	for i, r := range reports {
		jr := jsonReport{Exercise: r.Exercise, URL: r.URL, Passed: r.Passed(), Checks: []jsonCheck{}}
		if r.Err != nil {
			jr.Error = r.Err.Error()
		}
		for _, c := range r.Checks {
			jc := jsonCheck{ID: c.ID, Name: c.Name, Status: c.Status,
				Message: c.Message(), DurationMS: c.Duration.Milliseconds(),
				Reference: c.Reference, Submitted: c.Submitted}
			if c.Points > 1 {
				jc.Points = c.Points
			}
			jr.Checks = append(jr.Checks, jc)
		}
		out[i] = jr
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if len(out) == 1 {
		return enc.Encode(out[0])
	}
	return enc.Encode(out)
}
