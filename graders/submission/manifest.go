package submission

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"rtlab/internal/exercise"
	"rtlab/internal/yamlerr"
)

// ManifestFile is the manifest's name in a submission's folder.
const ManifestFile = "rtlab.yaml"

// Manifest is what rtlab.yaml says, or what the conventions say when there
// is none (submissions.md).
type Manifest struct {
	// File is the manifest's path, "" when the conventions were used.
	File string
	// Student defaults to the folder's name.
	Student string
	// Servers default to one, `npm start`, for every server exercise,
	// when package.json is there; none otherwise.
	Servers []Server
	// Pages maps an exercise id to its page, relative to the folder.
	// Default: client/q6.html … (client/q21.jsx), see PageFile.
	Pages map[string]string
	// Answers is the written answers' file. Default answers.md.
	Answers string
	// Nginx is Q8's configuration. Default nginx/q8.conf.
	Nginx string
}

// Server is one server command of a submission and the exercises it
// serves.
type Server struct {
	Cmd string
	// Exercises are normalised ids, ranges expanded, in course order. Nil
	// means every server exercise.
	Exercises []string
	// NamespacePrefix is put in front of every namespace; "{n}" in it is
	// the exercise's number ("/q{n}" serves Q17 in /q17).
	NamespacePrefix string
	// Line is the manifest line of the entry, 0 for the convention.
	Line int
}

// ManifestError is a malformed rtlab.yaml: the file, the line and the
// field, and what is wrong.
type ManifestError struct {
	File  string
	Line  int
	Field string // "servers[1].exercises[0]"; "" for a syntax error
	Msg   string
}

func (e *ManifestError) Error() string {
	loc := e.File
	if e.Line > 0 {
		loc += ":" + strconv.Itoa(e.Line)
	}
	if e.Field != "" {
		return fmt.Sprintf("%s: %s: %s", loc, e.Field, e.Msg)
	}
	return loc + ": " + e.Msg
}

// ReadManifest reads dir/rtlab.yaml, or applies the conventions when it
// is absent. A malformed manifest is a *ManifestError.
func ReadManifest(dir string) (*Manifest, error) {
	m := &Manifest{Student: filepath.Base(filepath.Clean(dir)), Answers: "answers.md", Nginx: "nginx/q8.conf", Pages: map[string]string{}}
	file := filepath.Join(dir, ManifestFile)
	data, err := os.ReadFile(file)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if fileExists(filepath.Join(dir, "package.json")) {
			m.Servers = []Server{{Cmd: "npm start"}}
		}
		return m, nil
	case err != nil:
		return nil, err
	}
	m.File = file
	if err := parseManifest(file, data, m); err != nil {
		return nil, err
	}
	if m.Servers == nil && fileExists(filepath.Join(dir, "package.json")) {
		m.Servers = []Server{{Cmd: "npm start"}}
	}
	return m, nil
}

// parseManifest reads rtlab.yaml's fields into m, which holds the
// conventions for those it does not set. Every error names the field and
// its line.
func parseManifest(file string, data []byte, m *Manifest) error {
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		line, msg := yamlerr.Locate(err)
		return &ManifestError{File: file, Line: line, Msg: "not valid YAML: " + strings.SplitN(msg, "\n", 2)[0]}
	}
	if len(f.Docs) == 0 || f.Docs[0].Body == nil {
		return nil // an empty manifest: the conventions
	}
	p := manifestParser{file: file}
	top, ok := mapping(f.Docs[0].Body)
	if !ok {
		return p.bad(f.Docs[0].Body, "", "want a mapping of student, servers, pages, answers, nginx")
	}
	for _, kv := range top {
		key := kv.Key.String()
		var err error
		switch key {
		case "student":
			s, ok := scalar(kv.Value)
			if !ok || s == "" {
				return p.bad(kv.Value, key, "want a name or an e-mail address")
			}
			m.Student = s
		case "answers":
			m.Answers, err = p.path(kv.Value, key)
		case "nginx":
			m.Nginx, err = p.path(kv.Value, key)
		case "pages":
			err = p.pages(kv.Value, m.Pages)
		case "servers":
			m.Servers, err = p.servers(kv.Value)
		default:
			return p.bad(kv.Key, key, "unknown field (rtlab.yaml has student, servers, pages, answers, nginx)")
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// manifestParser reads the fields of one rtlab.yaml, file.
type manifestParser struct{ file string }

// bad is a *ManifestError about node n, at field.
func (p manifestParser) bad(n ast.Node, field, format string, a ...any) error {
	return &ManifestError{File: p.file, Line: yamlerr.NodeLine(n), Field: field, Msg: fmt.Sprintf(format, a...)}
}

// path reads a file path relative to the submission, which must stay
// inside it.
func (p manifestParser) path(n ast.Node, field string) (string, error) {
	s, ok := scalar(n)
	if !ok || s == "" {
		return "", p.bad(n, field, "want a file path relative to the submission")
	}
	if err := insidePath(s); err != nil {
		return "", p.bad(n, field, "%v", err)
	}
	return s, nil
}

// pages reads { q6: web/backoff.html, ... } into pages, by exercise id.
func (p manifestParser) pages(n ast.Node, pages map[string]string) error {
	entries, ok := mapping(n)
	if !ok {
		return p.bad(n, "pages", "want a mapping of exercise to file, like { q6: web/backoff.html }")
	}
	for _, e := range entries {
		id := exercise.Normalize(e.Key.String())
		field := "pages." + e.Key.String()
		if !IsPage(id) {
			return p.bad(e.Key, field, "%q has no page (the page exercises are %s)", e.Key.String(), strings.Join(PageExercises, ", "))
		}
		s, err := p.path(e.Value, field)
		if err != nil {
			return err
		}
		pages[id] = s
	}
	return nil
}

// servers reads the list of servers.
func (p manifestParser) servers(n ast.Node) ([]Server, error) {
	seq, ok := n.(*ast.SequenceNode)
	if !ok {
		return nil, p.bad(n, "servers", "want a list of servers, each with cmd and exercises")
	}
	out := []Server{}
	for i, item := range seq.Values {
		srv, err := p.server(item, fmt.Sprintf("servers[%d]", i))
		if err != nil {
			return nil, err
		}
		out = append(out, srv)
	}
	return out, nil
}

// server reads one entry of servers: cmd, exercises, namespace-prefix.
func (p manifestParser) server(item ast.Node, field string) (Server, error) {
	entries, ok := mapping(item)
	if !ok {
		return Server{}, p.bad(item, field, "want a mapping with cmd, exercises and namespace-prefix")
	}
	srv := Server{Line: yamlerr.NodeLine(item)}
	for _, e := range entries {
		k := e.Key.String()
		switch k {
		case "cmd":
			s, ok := scalar(e.Value)
			if !ok || strings.TrimSpace(s) == "" {
				return srv, p.bad(e.Value, field+".cmd", "want the command that starts the server, like node server.js")
			}
			srv.Cmd = s
		case "namespace-prefix":
			s, ok := scalar(e.Value)
			if !ok && !isNull(e.Value) {
				return srv, p.bad(e.Value, field+".namespace-prefix", `want "" or a prefix like "/q{n}"`)
			}
			if s != "" && !strings.HasPrefix(s, "/") {
				return srv, p.bad(e.Value, field+".namespace-prefix", "%q must start with /", s)
			}
			srv.NamespacePrefix = s
		case "exercises":
			ids, err := exerciseList(e.Value, field+".exercises", p.bad)
			if err != nil {
				return srv, err
			}
			srv.Exercises = ids
		default:
			return srv, p.bad(e.Key, field+"."+k, "unknown field (a server has cmd, exercises, namespace-prefix)")
		}
	}
	if srv.Cmd == "" {
		return srv, p.bad(item, field+".cmd", "missing: every server needs a cmd")
	}
	return srv, nil
}

// exerciseList reads [q2, q5, q15-q20] (or one string) into normalised
// ids.
func exerciseList(n ast.Node, field string, bad func(ast.Node, string, string, ...any) error) ([]string, error) {
	var items []ast.Node
	switch v := n.(type) {
	case *ast.SequenceNode:
		items = v.Values
	default:
		if _, ok := scalar(n); !ok {
			return nil, bad(n, field, "want a list of exercises, like [q2, q5, q15-q20]")
		}
		items = []ast.Node{n}
	}
	var ids []string
	seen := map[string]bool{}
	for i, it := range items {
		f := fmt.Sprintf("%s[%d]", field, i)
		s, ok := scalar(it)
		if !ok {
			return nil, bad(it, f, "want an exercise id or a range, like q17 or q15-q20")
		}
		got, err := expandRange(s)
		if err != nil {
			return nil, bad(it, f, "%v", err)
		}
		for _, id := range got {
			if !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	exercise.Sort(ids)
	return ids, nil
}

// expandRange reads "q17" or "q15-q20" (15-20, Q15-q20) into ids.
func expandRange(s string) ([]string, error) {
	from, to, isRange := strings.Cut(s, "-")
	a, err := exercise.Parse(from)
	if err != nil || a.Num == 0 {
		return nil, fmt.Errorf("%q is not an exercise id (ids are q1 to q38; ranges are written q15-q20)", s)
	}
	if !isRange {
		return []string{a.ID}, nil
	}
	b, err := exercise.Parse(to)
	if err != nil || b.Num == 0 {
		return nil, fmt.Errorf("%q: %q is not an exercise id (ranges are written q15-q20)", s, to)
	}
	if b.Num < a.Num {
		return nil, fmt.Errorf("%q: the range runs backwards (write q%d-q%d)", s, b.Num, a.Num)
	}
	var ids []string
	for n := a.Num; n <= b.Num; n++ {
		ids = append(ids, "q"+strconv.Itoa(n))
	}
	return ids, nil
}

// insidePath refuses an absolute path or one that climbs out of the
// submission.
func insidePath(p string) error {
	if filepath.IsAbs(p) || strings.HasPrefix(filepath.Clean(p), "..") {
		return fmt.Errorf("%q is outside the submission: give a path relative to its folder", p)
	}
	return nil
}

func mapping(n ast.Node) ([]*ast.MappingValueNode, bool) {
	switch v := n.(type) {
	case *ast.MappingNode:
		return v.Values, true
	case *ast.MappingValueNode:
		return []*ast.MappingValueNode{v}, true
	}
	return nil, false
}

func scalar(n ast.Node) (string, bool) {
	switch v := n.(type) {
	case *ast.StringNode:
		return v.Value, true
	case *ast.IntegerNode, *ast.FloatNode:
		return n.String(), true
	}
	return "", false
}

func isNull(n ast.Node) bool {
	_, ok := n.(*ast.NullNode)
	return ok || n == nil
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}
