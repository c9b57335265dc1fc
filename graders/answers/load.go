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
	"rtlab/internal/yamlerr"
)

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

// yamlError turns a decoding error into a ParseError with its line.
func yamlError(file string, err error) error {
	var pe *ParseError
	if errors.As(err, &pe) {
		pe.File = file
		return pe
	}
	line, msg := yamlerr.Locate(err)
	return &ParseError{File: file, Line: line, Msg: msg}
}

// UnmarshalYAML records the fact's line.
func (f *Fact) UnmarshalYAML(n ast.Node) error {
	type plain Fact
	var p plain
	if err := yaml.NodeToValue(n, &p, yaml.DisallowUnknownField()); err != nil {
		return err
	}
	*f = Fact(p)
	f.Line = yamlerr.NodeLine(n)
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
	r.Line = yamlerr.NodeLine(n)
	return nil
}

// UnmarshalYAML accepts a term in its three forms: one spelling
// (`- "101"`), a list of spellings (`- [full duplex, both directions]`),
// or a mapping with a label (`- {what: the close code, any: ["1002"]}`).
func (t *Term) UnmarshalYAML(n ast.Node) error {
	t.Line = yamlerr.NodeLine(n)
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
	var quoted []string
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
		t.phrases = append(t.phrases, regexp.MustCompile(phraseExpr(regexp.QuoteMeta(n))))
		quoted = append(quoted, regexp.QuoteMeta(n))
	}
	if len(quoted) > 0 {
		t.anyPhrase = regexp.MustCompile(phraseExpr(strings.Join(quoted, "|")))
	}
	return nil
}

// phraseExpr finds normalised words as whole words, a plural ending
// allowed: "frame" finds "frames", not "framework".
func phraseExpr(quoted string) string {
	return `(?:^| )(?:` + quoted + `)(?:s|es)?(?: |$)`
}
