package yamlerr

import (
	"errors"
	"testing"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/parser"
)

func TestLocateReadsTheLine(t *testing.T) {
	var v map[string]any
	err := yaml.Unmarshal([]byte("a: 1\nb: [1, 2\nc: 3\n"), &v)
	if err == nil {
		t.Fatal("the broken YAML parsed")
	}
	line, msg := Locate(err)
	if line < 2 || msg == "" {
		t.Errorf("Locate(%q) = %d, %q; want the line of the broken list and a message", err, line, msg)
	}
	if _, perr := parser.ParseBytes([]byte("a: [\n"), 0); perr != nil {
		if line, msg := Locate(perr); line != 1 || msg == "" {
			t.Errorf("Locate(%q) = %d, %q; want line 1", perr, line, msg)
		}
	}
}

func TestLocateReadsAPrefix(t *testing.T) {
	line, msg := Locate(errors.New("[7:3] mapping value is not allowed here\n   7 | a: b: c"))
	if line != 7 || msg != "mapping value is not allowed here" {
		t.Errorf("Locate = %d, %q; want 7 and the first line without its prefix", line, msg)
	}
	line, msg = Locate(errors.New("no position\nsecond line"))
	if line != 0 || msg != "no position\nsecond line" {
		t.Errorf("Locate = %d, %q; want 0 and the whole text", line, msg)
	}
}

func TestNodeLineOfNil(t *testing.T) {
	if got := NodeLine(nil); got != 0 {
		t.Errorf("NodeLine(nil) = %d, want 0", got)
	}
}
