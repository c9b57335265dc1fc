package answers

import (
	"os"
	"strings"
	"testing"
)

// The example in README.md is a rubric that parses, and grades as it says.
func TestReadmeExample(t *testing.T) {
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := strings.Split(string(b), "```yaml\n")[1:]
	if len(blocks) != 1 {
		t.Fatalf("%d yaml blocks in README.md, want 1", len(blocks))
	}
	r, err := Parse("README.md", []byte(strings.SplitN(blocks[0], "```", 2)[0]))
	if err != nil {
		t.Fatal(err)
	}
	for text, want := range map[string]bool{
		"io.emit sends to everybody.":                  true,
		"io.emit sends to everyone except the sender.": false,
		"io.emit reaches all clients, socket.emit one": true,
	} {
		if got := r.Grade(text).Checks[0].Status == "pass"; got != want {
			t.Errorf("%q: pass %v, want %v", text, got, want)
		}
	}
}
