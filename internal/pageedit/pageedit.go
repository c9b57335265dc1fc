// Package pageedit builds a page with one mistake from a reference page
// and an edit file that says what the mistake is and where it goes:
//
//	bug: one sentence naming the mistake (what a student did wrong)
//	base: reference/public/q11_sse/index.html
//	edits:
//	  - old: |
//	      exact text of the reference
//	    new: |
//	      the mistaken text
//
// A broken page kept as a whole copy of the reference hides its mistake
// among hundreds of lines that only repeat the reference, and drifts from
// it silently when the reference changes; an edit file is the mistake
// alone, and Apply fails loudly when the reference no longer holds the
// text an edit replaces.
package pageedit

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
)

// File is one edit file.
type File struct {
	// Path names the file in errors.
	Path string `yaml:"-"`
	// Bug is the mistake in one sentence, for the reader.
	Bug string `yaml:"bug"`
	// Base is the reference the edits apply to, relative to the root of
	// the repository.
	Base string `yaml:"base"`
	// Edits are the replacements, each of text that occurs exactly once
	// in Base.
	Edits []*Edit `yaml:"edits"`
}

// Edit replaces Old, which must occur exactly once in the base, by New
// (which may be empty: the text is deleted).
type Edit struct {
	Old string `yaml:"old"`
	New string `yaml:"new"`
	// Line is where the edit starts in its file.
	Line int `yaml:"-"`
	// hasNew is whether the file gives new:, which may be empty but not
	// forgotten (a forgotten one would delete the text).
	hasNew bool
}

// Error is a mistake in an edit file, or an edit that does not fit its
// base, at a line of the file (0 when no line is known).
type Error struct {
	File string
	Line int
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// Load reads and checks the edit file at path.
func Load(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// Parse reads one edit file; name is its path in errors.
func Parse(name string, data []byte) (*File, error) {
	var f File
	if err := yaml.UnmarshalWithOptions(data, &f, yaml.DisallowUnknownField()); err != nil {
		return nil, decodeError(name, err)
	}
	f.Path = name
	missing := func(key string) error {
		return &Error{File: name, Line: 1, Msg: fmt.Sprintf("missing key %q", key)}
	}
	switch {
	case strings.TrimSpace(f.Bug) == "":
		return nil, missing("bug")
	case f.Base == "":
		return nil, missing("base")
	case len(f.Edits) == 0:
		return nil, missing("edits")
	}
	for i, e := range f.Edits {
		switch {
		case e.Old == "":
			return nil, &Error{File: name, Line: e.Line, Msg: fmt.Sprintf("edit %d: missing key \"old\"", i+1)}
		case !e.hasNew:
			return nil, &Error{File: name, Line: e.Line, Msg: fmt.Sprintf("edit %d: missing key \"new\"", i+1)}
		}
	}
	return &f, nil
}

// Apply returns base with every edit made. Each edit's Old is found in
// base as given, not in what earlier edits made of it, so the order of
// the edits does not matter; two edits may not overlap.
func (f *File) Apply(base []byte) ([]byte, error) {
	type span struct {
		at, end int
		e       *Edit
		i       int
	}
	spans := make([]span, 0, len(f.Edits))
	for i, e := range f.Edits {
		at := bytes.Index(base, []byte(e.Old))
		if at < 0 {
			return nil, f.editError(i, fmt.Sprintf("old text not found in %s", f.Base))
		}
		if n := bytes.Count(base, []byte(e.Old)); n > 1 {
			return nil, f.editError(i, fmt.Sprintf("old text found %d times in %s", n, f.Base))
		}
		spans = append(spans, span{at, at + len(e.Old), e, i})
	}
	sort.Slice(spans, func(a, b int) bool { return spans[a].at < spans[b].at })
	var out bytes.Buffer
	prev := 0
	for k, s := range spans {
		if s.at < prev {
			return nil, f.editError(s.i, fmt.Sprintf("old text overlaps edit %d's", spans[k-1].i+1))
		}
		out.Write(base[prev:s.at])
		out.WriteString(s.e.New)
		prev = s.end
	}
	out.Write(base[prev:])
	return out.Bytes(), nil
}

func (f *File) editError(i int, msg string) error {
	return &Error{File: f.Path, Line: f.Edits[i].Line, Msg: fmt.Sprintf("edit %d: %s", i+1, msg)}
}

// UnmarshalYAML records the edit's line and whether it has a new: key.
func (e *Edit) UnmarshalYAML(n ast.Node) error {
	var p struct {
		Old string  `yaml:"old"`
		New *string `yaml:"new"`
	}
	if err := yaml.NodeToValue(n, &p, yaml.DisallowUnknownField()); err != nil {
		return err
	}
	if tk := n.GetToken(); tk != nil && tk.Position != nil {
		e.Line = tk.Position.Line
	}
	e.Old, e.hasNew = p.Old, p.New != nil
	if e.hasNew {
		e.New = *p.New
	}
	return nil
}

// yamlPosition is the "[line:column]" goccy/go-yaml starts some messages
// with.
var yamlPosition = regexp.MustCompile(`^\[(\d+):\d+\]\s*`)

// decodeError gives a decoding error the file's name and, where the
// decoder knows it, the line.
func decodeError(name string, err error) error {
	var ye yaml.Error
	if errors.As(err, &ye) {
		if tk := ye.GetToken(); tk != nil && tk.Position != nil {
			return &Error{File: name, Line: tk.Position.Line, Msg: ye.GetMessage()}
		}
	}
	msg := err.Error()
	line := 0
	if m := yamlPosition.FindStringSubmatch(msg); m != nil {
		fmt.Sscan(m[1], &line)
		msg = msg[len(m[0]):]
	}
	msg, _, _ = strings.Cut(msg, "\n")
	return &Error{File: name, Line: line, Msg: msg}
}
