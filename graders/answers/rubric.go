package answers

import (
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"

	"rtlab/internal/exercise"
)

// Suffix ends the name of every rubric file: q20_emit_demo.answer.yaml.
const Suffix = ".answer.yaml"

// Rubric is what a written answer to one exercise must say.
type Rubric struct {
	// Exercise is the normalised id ("q20").
	Exercise string `yaml:"exercise"`
	// Title comes from package exercise.
	Title string `yaml:"-"`
	// Summary says, in a student's words, what the answer should cover;
	// rtlab explain prints it above the facts.
	Summary string `yaml:"summary"`
	// Facts are checked in order, each a check with its own verdict.
	Facts []*Fact `yaml:"facts"`
	// Review lists what a person judges (graders.Review).
	Review []*ReviewItem `yaml:"review"`
	// Reference is the whole reference answer, shown beside the student's
	// text for a review item that has no reference of its own. Empty until
	// AttachReferences fills it.
	Reference string `yaml:"-"`
	// File names the rubric in error messages.
	File string `yaml:"-"`
}

// Fact is one thing the answer must state, and how to recognise it.
type Fact struct {
	// ID is unique within the rubric ("broadcast-not-sender").
	ID string `yaml:"id"`
	// Name is the check's sentence, as the student reads it in the report.
	// It names the fact without giving away a figure the student must work
	// out.
	Name string `yaml:"name"`
	// Points is the fact's worth; 0 means 1 (graders.CheckResult.Points).
	Points int `yaml:"points"`
	// Hint is shown under a failure.
	Hint string `yaml:"hint"`
	// Within is where the terms must be found together: "sentence" (a
	// sentence, a table row, a list item's sentence), "paragraph" (a
	// paragraph, a list item, a table row) or "" (default: anywhere in the
	// answer, each term on its own).
	Within string `yaml:"within"`
	// All are terms that must each be found.
	All []*Term `yaml:"all"`
	// Any are terms of which one must be found (none given: no such need).
	Any []*Term `yaml:"any"`
	// None are statements that contradict the fact: a sentence (or
	// paragraph) that holds the terms but also one of these does not count
	// ("io.emit reaches everyone except the sender" is not "io.emit reaches
	// everyone"). Use them for contradictions only, never for extra facts.
	None []*Term `yaml:"none"`
	// Wrong are common mistakes: when the fact fails and one of these is
	// found, the message says so ("found instead: …"). They never fail a
	// fact by themselves: an answer may mention 400 beside 101.
	Wrong []*Term `yaml:"wrong"`
	// Line is the fact's line in its file.
	Line int `yaml:"-"`
}

// ReviewItem is a part of the answer that a person must judge.
type ReviewItem struct {
	ID   string `yaml:"id"`
	Name string `yaml:"name"`
	// Reference is what a good answer says here; default: the whole
	// reference answer (Rubric.Reference).
	Reference string `yaml:"reference"`
	Line      int    `yaml:"-"`
}

// Term is one meaning-bearing token and the spellings that say it. Each
// spelling is a figure ("48,000,000 B", "25 s", "101": a number and its
// unit, found in any unit of the same dimension), a pattern written
// between slashes (/except (the )?sender/: a regular expression on the
// normalised text, lower-case words separated by single spaces), or else
// a phrase (found with case, punctuation and a plural ending ignored).
type Term struct {
	// What names the term in messages; default: its first spelling. Set it
	// when the spelling would give the answer away ("the bytes per minute
	// of short polling") or is a pattern.
	What string `yaml:"what"`
	// Spellings are the accepted ways of writing it.
	Spellings []string `yaml:"any"`
	Line      int      `yaml:"-"`

	phrases    []*regexp.Regexp
	phraseText []string // the spelling of each phrase, for messages
	patterns   []*regexp.Regexp
	figures    []quantity
}

// Label is how messages name the term.
func (t *Term) Label() string {
	if t.What != "" {
		return t.What
	}
	for _, s := range t.Spellings {
		if !isPattern(s) {
			return s
		}
	}
	return "what it stands for"
}

// isPattern reports whether a spelling is a /regular expression/.
func isPattern(s string) bool {
	return len(s) >= 2 && strings.HasPrefix(s, "/") && strings.HasSuffix(s, "/")
}

// ParseError is a mistake in a rubric file, with the file, the line and
// the field it is in.
type ParseError struct {
	File  string
	Line  int
	Field string
	Msg   string
}

func (e *ParseError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Load parses every rubric of fsys (scenarios.FS() in the binary), the
// files named qNN_slug.answer.yaml, and returns them by exercise id. The
// first error stops it.
func Load(fsys fs.FS) (map[string]*Rubric, error) {
	names, err := fs.Glob(fsys, "*"+Suffix)
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	out := map[string]*Rubric{}
	for _, n := range names {
		data, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, err
		}
		r, err := Parse(n, data)
		if err != nil {
			return nil, err
		}
		if want := exercise.Stem(r.Exercise) + Suffix; n != want {
			return nil, &ParseError{File: n, Line: 1, Field: "exercise", Msg: fmt.Sprintf("the rubric of %s must be named %s", r.Exercise, want)}
		}
		if prev, dup := out[r.Exercise]; dup {
			return nil, &ParseError{File: n, Line: 1, Field: "exercise", Msg: fmt.Sprintf("%s already has a rubric, %s", r.Exercise, prev.File)}
		}
		out[r.Exercise] = r
	}
	return out, nil
}

// Parse reads one rubric; file names it in errors.
func Parse(file string, data []byte) (*Rubric, error) {
	var r Rubric
	if err := yaml.UnmarshalWithOptions(data, &r, yaml.DisallowUnknownField()); err != nil {
		return nil, yamlError(file, err)
	}
	r.File = file
	if err := r.validate(); err != nil {
		return nil, err
	}
	return &r, nil
}

// yamlLine is the [line:column] goccy/go-yaml puts in front of a message.
var yamlLine = regexp.MustCompile(`^\[(\d+):(\d+)\]\s*`)

// yamlError turns a decoding error into a ParseError with its line.
func yamlError(file string, err error) error {
	var pe *ParseError
	if errors.As(err, &pe) {
		pe.File = file
		return pe
	}
	var ye yaml.Error
	if errors.As(err, &ye) {
		if tk := ye.GetToken(); tk != nil && tk.Position != nil {
			return &ParseError{File: file, Line: tk.Position.Line, Msg: ye.GetMessage()}
		}
	}
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		var line int
		fmt.Sscan(m[1], &line)
		return &ParseError{File: file, Line: line, Msg: strings.SplitN(msg[len(m[0]):], "\n", 2)[0]}
	}
	return &ParseError{File: file, Msg: msg}
}

func nodeLine(n ast.Node) int {
	if n == nil || n.GetToken() == nil || n.GetToken().Position == nil {
		return 0
	}
	return n.GetToken().Position.Line
}

// UnmarshalYAML records the fact's line.
func (f *Fact) UnmarshalYAML(n ast.Node) error {
	type plain Fact
	var p plain
	if err := yaml.NodeToValue(n, &p, yaml.DisallowUnknownField()); err != nil {
		return err
	}
	*f = Fact(p)
	f.Line = nodeLine(n)
	return nil
}

// UnmarshalYAML records the item's line.
func (r *ReviewItem) UnmarshalYAML(n ast.Node) error {
	type plain ReviewItem
	var p plain
	if err := yaml.NodeToValue(n, &p, yaml.DisallowUnknownField()); err != nil {
		return err
	}
	*r = ReviewItem(p)
	r.Line = nodeLine(n)
	return nil
}

// UnmarshalYAML accepts a term in its three forms: one spelling
// (`- "101"`), a list of spellings (`- [full duplex, both directions]`),
// or a mapping with a label (`- {what: the close code, any: ["1002"]}`).
func (t *Term) UnmarshalYAML(n ast.Node) error {
	t.Line = nodeLine(n)
	switch v := n.(type) {
	case *ast.SequenceNode:
		return yaml.NodeToValue(n, &t.Spellings)
	case *ast.MappingNode, *ast.MappingValueNode:
		type plain Term
		var p plain
		if err := yaml.NodeToValue(n, &p, yaml.DisallowUnknownField()); err != nil {
			return err
		}
		p.Line = t.Line
		*t = Term(p)
		return nil
	case ast.ScalarNode:
		var s string
		if err := yaml.NodeToValue(v, &s); err != nil {
			return err
		}
		t.Spellings = []string{s}
		return nil
	}
	return &ParseError{Line: t.Line, Msg: "a term is a spelling, a list of spellings, or {what: …, any: […]}"}
}

// validate checks what the YAML decoder cannot and compiles the terms.
func (r *Rubric) validate() error {
	fail := func(line int, field, format string, args ...any) error {
		return &ParseError{File: r.File, Line: line, Field: field, Msg: fmt.Sprintf(format, args...)}
	}
	ex, ok := exercise.Lookup(r.Exercise)
	if !ok || ex.Num == 0 {
		return fail(1, "exercise", "%q is not an exercise of the course (q1 … q38)", r.Exercise)
	}
	r.Exercise, r.Title = ex.ID, ex.Title
	if len(r.Facts)+len(r.Review) == 0 {
		return fail(1, "facts", "a rubric needs at least one fact or review item")
	}
	ids := map[string]int{}
	seen := func(id string, line int, field string) error {
		if id == "" {
			return fail(line, field+".id", "missing")
		}
		if prev, dup := ids[id]; dup {
			return fail(line, field+".id", "%q is already the id of the item on line %d", id, prev)
		}
		ids[id] = line
		return nil
	}
	for i, f := range r.Facts {
		field := fmt.Sprintf("facts[%d]", i)
		if err := seen(f.ID, f.Line, field); err != nil {
			return err
		}
		field = fmt.Sprintf("facts[%d] (%s)", i, f.ID)
		if strings.TrimSpace(f.Name) == "" {
			return fail(f.Line, field+".name", "missing: the sentence the student reads")
		}
		if f.Points < 0 {
			return fail(f.Line, field+".points", "must not be negative")
		}
		switch f.Within {
		case "", "sentence", "paragraph":
		default:
			return fail(f.Line, field+".within", "%q: want sentence or paragraph (or nothing: anywhere)", f.Within)
		}
		if len(f.All)+len(f.Any) == 0 {
			return fail(f.Line, field, "no terms: give all: or any:")
		}
		for _, g := range []struct {
			key   string
			terms []*Term
		}{{"all", f.All}, {"any", f.Any}, {"none", f.None}, {"wrong", f.Wrong}} {
			for j, t := range g.terms {
				if err := t.compile(); err != nil {
					return fail(t.Line, fmt.Sprintf("%s.%s[%d]", field, g.key, j), "%v", err)
				}
			}
		}
	}
	for i, it := range r.Review {
		field := fmt.Sprintf("review[%d]", i)
		if err := seen(it.ID, it.Line, field); err != nil {
			return err
		}
		if strings.TrimSpace(it.Name) == "" {
			return fail(it.Line, fmt.Sprintf("review[%d] (%s).name", i, it.ID), "missing: what the reviewer judges")
		}
	}
	return nil
}

// compile reads each spelling as a figure, a pattern or a phrase.
func (t *Term) compile() error {
	if len(t.Spellings) == 0 {
		return errors.New("no spellings")
	}
	if t.What == "" && !slices.ContainsFunc(t.Spellings, func(s string) bool { return !isPattern(s) }) {
		return errors.New("a term spelled by patterns only needs what: (how a message names it)")
	}
	for _, s := range t.Spellings {
		if q, ok := parseQuantity(s); ok {
			t.figures = append(t.figures, q)
			continue
		}
		if isPattern(s) {
			re, err := regexp.Compile(`(?i)` + s[1:len(s)-1])
			if err != nil {
				return fmt.Errorf("pattern %s: %v", s, err)
			}
			t.patterns = append(t.patterns, re)
			continue
		}
		n := normalize(s)
		if n == "" {
			return fmt.Errorf("spelling %q has no word or number in it", s)
		}
		t.phraseText = append(t.phraseText, s)
		t.phrases = append(t.phrases, regexp.MustCompile(`(?:^| )`+regexp.QuoteMeta(n)+`(?:s|es)?(?: |$)`))
	}
	return nil
}
