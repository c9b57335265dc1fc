package scenario

import (
	"os"
	"strings"
	"testing"
)

// TestReadmeExamplesParse keeps scenarios/README.md honest: every YAML
// block parses, a whole file as it is, a list of steps inside a check.
func TestReadmeExamplesParse(t *testing.T) {
	b, err := os.ReadFile("../../scenarios/README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := strings.Split(string(b), "```yaml\n")[1:]
	if len(blocks) < 10 {
		t.Fatalf("only %d yaml blocks", len(blocks))
	}
	for i, blk := range blocks {
		src := strings.SplitN(blk, "```", 2)[0]
		if !strings.HasPrefix(src, "exercise:") {
			var w strings.Builder
			w.WriteString("exercise: q99\ntitle: T\nchecks:\n  - id: c\n    name: C\n    steps:\n")
			for _, l := range strings.Split(strings.TrimRight(src, "\n"), "\n") {
				w.WriteString("      " + l + "\n")
			}
			src = w.String()
		}
		if _, err := Parse("README block "+string(rune('A'+i)), []byte(src)); err != nil {
			t.Errorf("block %d: %v\n%s", i+1, err, src)
		}
	}
}
