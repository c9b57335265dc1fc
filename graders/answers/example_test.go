package answers_test

import (
	"fmt"

	"rtlab/graders/answers"
)

// A rubric states facts as tokens; an answer passes a fact in any wording,
// a table as well as prose, and figures in any unit.
func Example() {
	rubric, err := answers.Parse("q12_bandwidth.answer.yaml", []byte(`
exercise: q12
facts:
  - id: websocket-bytes
    name: Gives WebSocket's bytes per minute
    within: sentence
    all:
      - [websocket]
      - {what: the figure for WebSocket, any: ["600,000 B"]}
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	md := []byte("## Q12\n\n| transport | per minute |\n|---|---|\n| WebSocket | 0.6 MB |\n")
	for _, r := range answers.GradeDoc(md, map[string]*answers.Rubric{"q12": rubric}, nil) {
		for _, c := range r.Checks {
			fmt.Println(c.Status, c.Name)
		}
	}
	wrong := rubric.Grade("WebSocket sends 10,000 B a minute.")
	fmt.Println(wrong.Checks[0].Status, wrong.Checks[0].Reason, "/", wrong.Checks[0].Actual)
	// Output:
	// pass Gives WebSocket's bytes per minute
	// fail the answer does not mention the figure for WebSocket / found instead: 10,000 B
}
