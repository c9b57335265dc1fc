package scenario

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"

	"rtlab/internal/exercise"
	"rtlab/internal/yamlerr"
)

// Scenario is one exercise's scenario file: the contract as data. It is
// parsed once and never mutated, so several runs may share it.
type Scenario struct {
	// Exercise is the normalized exercise id ("q17").
	Exercise string `yaml:"exercise"`
	// Title is the exercise's short name ("Live user count"). A course
	// exercise takes it from package exercise, where titles are written;
	// only a scenario of an id the course does not have (a test's q99)
	// gives its own.
	Title string `yaml:"title"`
	// Contract is the exercise in student-facing words, printed by
	// `rtlab explain`.
	Contract string `yaml:"contract"`
	// Namespace is the default namespace of connect steps. Default "/".
	// --namespace-prefix is put in front of it.
	Namespace string `yaml:"namespace"`
	// Checks run in file order.
	Checks []*Check `yaml:"checks"`

	// File names the source in error messages.
	File string `yaml:"-"`
}

// Check is one verdict: a sentence a student understands and the steps
// that decide it.
type Check struct {
	// ID is unique within the file; needs and reports refer to it.
	ID string `yaml:"id"`
	// Name is the sentence shown to the student ("A new client receives the
	// current count").
	Name string `yaml:"name"`
	// Needs lists checks that must pass first; when one did not, this
	// check is skipped with "needs <id>".
	Needs []string `yaml:"needs"`
	// NeedsCmd marks checks that read the server's logs or stop it; they
	// are skipped with "needs --cmd" unless the grader started the server.
	// A check with a log step needs --cmd without saying so.
	NeedsCmd bool `yaml:"needs_cmd"`
	// Timeout is the check's deadline. Default 15s.
	Timeout time.Duration `yaml:"timeout"`
	// Hint is printed under a failure: what to look at.
	Hint string `yaml:"hint"`
	// Catches names the broken variants of the exercise's reference server
	// (reference.Exercise.Variants) whose mistake this check exists to
	// catch: the test that grades every variant requires each to fail one
	// of the checks that name it. The grade itself ignores it.
	Catches []string `yaml:"catches"`
	// Steps run in order; the first that fails ends the check.
	Steps []*Step `yaml:"steps"`

	Line int `yaml:"-"`
}

// Step is one action of a check. Exactly one of the pointer fields is set;
// Kind names it.
type Step struct {
	Kind string
	Line int

	Connect    *ConnectStep
	Emit       *EmitStep
	Expect     *ExpectStep
	ExpectNone *ExpectNoneStep
	Disconnect *DisconnectStep
	HTTP       *HTTPStep
	SSE        *SSEStep
	Wait       time.Duration
	Repeat     *RepeatStep
	Parallel   *ParallelStep
	Assert     *AssertStep
	Log        *LogStep
	Probe      *ProbeStep
	Set        map[string]any
}

// ConnectStep opens named clients, each its own Engine.IO connection
// unless Via names an open client whose connection it shares.
type ConnectStep struct {
	Clients   []string `yaml:"clients"`
	Client    string   `yaml:"client"`
	Namespace string   `yaml:"namespace"`
	// Auth is the handshake's auth object (templates and ${vars} expand).
	Auth any `yaml:"auth"`
	// Headers are sent with the Engine.IO handshake (Origin, User-Agent…).
	Headers map[string]string `yaml:"headers"`
	Query   map[string]string `yaml:"query"`
	// Transport overrides --transport: websocket or polling.
	Transport string `yaml:"transport"`
	// Via makes the new socket a namespace of an open client's connection.
	Via string `yaml:"via"`
	// ExpectError, when set, says the connection must be refused with a
	// connect_error matching it ({message, data}); `true` accepts any.
	ExpectError any `yaml:"expect_error"`
	// Timeout of the handshake. Default --timeout.
	Timeout time.Duration `yaml:"timeout"`
}

// EmitStep sends an event with one argument, Data ({} by default), or the
// arguments Args verbatim; with Ack it waits for the acknowledgement and
// matches its first argument.
type EmitStep struct {
	Client string `yaml:"client"`
	Event  string `yaml:"event"`
	Data   any    `yaml:"data"`
	Args   []any  `yaml:"args"`
	// Ack is a matcher for the ack's first argument; "<any>" only requires
	// an ack. Without it the event is sent without an ack callback.
	Ack any `yaml:"ack"`
	// Save captures values of the ack into variables: {var: path}.
	Save    map[string]string `yaml:"save"`
	Timeout time.Duration     `yaml:"timeout"`
	// Until, with Ack, sends the event again (every untilEvery) while the
	// ack does not match, for at most this long: for a state the server
	// reaches on its own, such as noticing that a connection dropped, that
	// the contract shows only in this ack. Default 0: one emit.
	Until time.Duration `yaml:"until"`
}

// ExpectStep waits until each client has received Event with a payload
// matching Data.
type ExpectStep struct {
	Clients []string `yaml:"clients"`
	Client  string   `yaml:"client"`
	Event   string   `yaml:"event"`
	// Data matches the event's first argument; absent means any payload.
	Data any `yaml:"data"`
	// Within is the deadline. Default --timeout (2s).
	Within time.Duration `yaml:"within"`
	// Save captures values of the payload into variables: {var: path}.
	// With several clients the first client's payload is saved.
	Save map[string]string `yaml:"save"`
}

// ExpectNoneStep listens on clients and fails if Event (any event when
// empty) arrives, with a payload matching Data when given.
type ExpectNoneStep struct {
	Clients []string `yaml:"clients"`
	Client  string   `yaml:"client"`
	Event   string   `yaml:"event"`
	Data    any      `yaml:"data"`
	// For is how long to listen. Default 300ms.
	For time.Duration `yaml:"for"`
}

// DisconnectStep closes clients: graceful (the Socket.IO and Engine.IO
// close packets), drop (the TCP connection only), or namespace (leave the
// namespace, keep the connection).
type DisconnectStep struct {
	Clients []string `yaml:"clients"`
	Client  string   `yaml:"client"`
	// Mode is graceful (default), drop or namespace.
	Mode string `yaml:"mode"`
}

// HTTPStep makes one HTTP request against the base URL and checks the
// response.
type HTTPStep struct {
	// Method defaults to GET.
	Method string            `yaml:"method"`
	Path   string            `yaml:"path"`
	Header map[string]string `yaml:"headers"`
	// Body is sent as JSON unless it is a string.
	Body   any               `yaml:"body"`
	Expect HTTPExpect        `yaml:"expect"`
	Save   map[string]string `yaml:"save"`
	// SaveMatch captures from the raw body with a regular expression's
	// first group: {sid: '"sid":"([^"]+)"'}.
	SaveMatch map[string]string `yaml:"save_match"`
	// Timeout of the whole exchange. Default --timeout.
	Timeout time.Duration `yaml:"timeout"`
}

// HTTPExpect is what a response must show. Every field is optional.
type HTTPExpect struct {
	Status any            `yaml:"status"`
	Header map[string]any `yaml:"headers"`
	JSON   any            `yaml:"json"`
	Body   any            `yaml:"body"`
	// NoBody requires an empty body (a 204).
	NoBody bool `yaml:"no_body"`
}

// SSEStep subscribes to a Server-Sent Events stream and collects Events
// events, each of whose data must match Data.
type SSEStep struct {
	Path   string            `yaml:"path"`
	Header map[string]string `yaml:"headers"`
	// Expect checks the response head (status, headers).
	Expect HTTPExpect `yaml:"expect"`
	// Events is how many events to read. Default 1.
	Events int `yaml:"events"`
	// Data matches each event's data, parsed as JSON when it parses.
	Data any `yaml:"data"`
	// Within is the deadline for all events. Default 3s.
	Within time.Duration     `yaml:"within"`
	Save   map[string]string `yaml:"save"`
}

// RepeatStep runs Steps Times times in order; As names the 1-based
// iteration variable.
type RepeatStep struct {
	Times int     `yaml:"times"`
	As    string  `yaml:"as"`
	Steps []*Step `yaml:"steps"`
}

// ParallelStep runs Times copies of Steps at once (each copy in order),
// or, given Branches, each branch at once.
type ParallelStep struct {
	Times    int       `yaml:"times"`
	As       string    `yaml:"as"`
	Steps    []*Step   `yaml:"steps"`
	Branches [][]*Step `yaml:"branches"`
}

// AssertStep compares values across clients and steps.
type AssertStep struct {
	// Unique: every value differs (as strings).
	Unique []any `yaml:"unique"`
	// Equal: every value is the same (as strings).
	Equal []any `yaml:"equal"`
	// Received counts events a client received since it connected.
	Received *ReceivedAssert `yaml:"received"`
	// Match matches Value against That.
	Value any `yaml:"value"`
	That  any `yaml:"that"`
	// What names the values in a failure ("the rooms list-rooms gave").
	What string `yaml:"what"`
}

// ReceivedAssert says client received Count events named Event (with data
// matching Data when given).
type ReceivedAssert struct {
	Client string `yaml:"client"`
	Event  string `yaml:"event"`
	Data   any    `yaml:"data"`
	Count  int    `yaml:"count"`
}

// LogStep waits for lines of the managed server's output matching Match
// (a regular expression after ${vars} expand, quoted with \Q…\E inside
// values). It makes its check need --cmd.
type LogStep struct {
	// Stream is stdout, stderr or both (default stdout).
	Stream string `yaml:"stream"`
	// Match is a regular expression.
	Match string `yaml:"match"`
	// Contains is a literal substring, an alternative to Match.
	Contains string `yaml:"contains"`
	// ContainsAll: one line must hold every one of these substrings.
	ContainsAll []string `yaml:"contains_all"`
	// Count is how many matching lines are needed. Default 1.
	Count int `yaml:"count"`
	// Absent inverts the step: no line may match (checked at once).
	Absent bool `yaml:"absent"`
	// Within is the deadline. Default --timeout.
	Within time.Duration `yaml:"within"`
	// JSON, when set, parses each matching line as JSON and matches it.
	JSON any               `yaml:"json"`
	Save map[string]string `yaml:"save"`
}

// ProbeStep calls a named Go probe (registered with the engine: graders.Probes) with parameters.
type ProbeStep struct {
	Name   string         `yaml:"name"`
	Params map[string]any `yaml:"params"`
}

// ParseError is a scenario file that does not parse or does not make
// sense; Line is 1-based, 0 when unknown.
type ParseError struct {
	File string
	Line int
	Msg  string
}

func (e *ParseError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// lineError is raised inside the YAML decoder and turned into a ParseError.
type lineError struct {
	line int
	msg  string
}

func (e *lineError) Error() string { return fmt.Sprintf("line %d: %s", e.line, e.msg) }

func lineErrorf(n ast.Node, format string, args ...any) error {
	return &lineError{line: yamlerr.NodeLine(n), msg: fmt.Sprintf(format, args...)}
}

// Parse reads a scenario file. file names it in errors, which carry the
// line: "q17_user_count.yaml:12: unknown step "emitt"".
func Parse(file string, data []byte) (*Scenario, error) {
	var sc Scenario
	err := yaml.UnmarshalWithOptions(data, &sc, yaml.DisallowUnknownField())
	if err != nil {
		return nil, toParseError(file, err)
	}
	sc.File = file
	if err := sc.validate(); err != nil {
		return nil, err
	}
	return &sc, nil
}

func toParseError(file string, err error) error {
	var le *lineError
	if errors.As(err, &le) {
		return &ParseError{File: file, Line: le.line, Msg: le.msg}
	}
	line, msg := yamlerr.Locate(err)
	return &ParseError{File: file, Line: line, Msg: msg}
}

// UnmarshalYAML records the check's line.
func (c *Check) UnmarshalYAML(n ast.Node) error {
	type plain Check
	var p plain
	if err := yaml.NodeToValue(n, &p, yaml.DisallowUnknownField()); err != nil {
		return err
	}
	*c = Check(p)
	c.Line = yamlerr.NodeLine(n)
	return nil
}

// stepKinds lists the step keys, in the order the README documents them.
var stepKinds = []string{"connect", "emit", "expect", "expect_none", "disconnect", "http", "sse",
	"wait", "repeat", "parallel", "assert", "log", "probe", "set"}

// UnmarshalYAML decodes a one-key mapping ({emit: {...}}) into the step of
// that kind, accepting the short forms (connect: a, disconnect: [a, b],
// wait: 100ms, probe: name).
func (s *Step) UnmarshalYAML(n ast.Node) error {
	m, ok := n.(*ast.MappingNode)
	if !ok {
		if mv, ok2 := n.(*ast.MappingValueNode); ok2 {
			m = &ast.MappingNode{BaseNode: mv.BaseNode, Values: []*ast.MappingValueNode{mv}}
			ok = true
		}
	}
	if !ok || len(m.Values) != 1 {
		return lineErrorf(n, "a step is a mapping with one key, one of: %s", strings.Join(stepKinds, ", "))
	}
	kv := m.Values[0]
	kind := kv.Key.String()
	s.Kind = kind
	s.Line = yamlerr.NodeLine(kv.Key)
	v := kv.Value
	opts := []yaml.DecodeOption{yaml.DisallowUnknownField()}
	decode := func(dst any) error { return yaml.NodeToValue(v, dst, opts...) }
	var err error
	switch kind {
	case "connect":
		s.Connect = &ConnectStep{}
		err = decodeClientsOr(v, s.Connect, &s.Connect.Clients, opts)
	case "emit":
		s.Emit = &EmitStep{}
		err = decode(s.Emit)
	case "expect":
		s.Expect = &ExpectStep{}
		err = decode(s.Expect)
	case "expect_none":
		s.ExpectNone = &ExpectNoneStep{}
		err = decodeClientsOr(v, s.ExpectNone, &s.ExpectNone.Clients, opts)
	case "disconnect":
		s.Disconnect = &DisconnectStep{}
		err = decodeClientsOr(v, s.Disconnect, &s.Disconnect.Clients, opts)
	case "http":
		s.HTTP = &HTTPStep{}
		err = decode(s.HTTP)
	case "sse":
		s.SSE = &SSEStep{}
		err = decode(s.SSE)
	case "wait":
		err = decode(&s.Wait)
	case "repeat":
		s.Repeat = &RepeatStep{}
		err = decode(s.Repeat)
	case "parallel":
		s.Parallel = &ParallelStep{}
		err = decode(s.Parallel)
	case "assert":
		s.Assert = &AssertStep{}
		err = decode(s.Assert)
	case "log":
		s.Log = &LogStep{}
		err = decode(s.Log)
	case "probe":
		s.Probe = &ProbeStep{}
		if sv, ok := v.(*ast.StringNode); ok {
			s.Probe.Name = sv.Value
		} else {
			err = decode(s.Probe)
		}
	case "set":
		err = decode(&s.Set)
	default:
		return lineErrorf(kv.Key, "unknown step %q (known: %s)", kind, strings.Join(stepKinds, ", "))
	}
	return err
}

// decodeClientsOr decodes v as a client name, a list of names, or the full
// struct.
func decodeClientsOr(v ast.Node, dst any, clients *[]string, opts []yaml.DecodeOption) error {
	switch v.(type) {
	case *ast.StringNode, *ast.SequenceNode:
		var val any
		if err := yaml.NodeToValue(v, &val); err != nil {
			return err
		}
		switch x := val.(type) {
		case string:
			*clients = []string{x}
		case []any:
			for _, e := range x {
				*clients = append(*clients, fmt.Sprint(e))
			}
		}
		return nil
	}
	return yaml.NodeToValue(v, dst, opts...)
}

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

// validate checks what the decoder cannot: required fields, known ids in
// needs, client names, and one-of rules.
func (sc *Scenario) validate() error {
	errAt := func(line int, format string, args ...any) error {
		return &ParseError{File: sc.File, Line: line, Msg: fmt.Sprintf(format, args...)}
	}
	if sc.Exercise == "" {
		return errAt(1, "missing exercise: (e.g. exercise: q17)")
	}
	sc.Exercise = exercise.Normalize(sc.Exercise)
	if known, ok := exercise.Lookup(sc.Exercise); ok {
		if sc.Title != "" {
			return errAt(1, "title: %s's title is written in internal/exercise; remove title:", sc.Exercise)
		}
		sc.Title = known.Title
	} else if sc.Title == "" {
		return errAt(1, "missing title:")
	}
	if len(sc.Checks) == 0 {
		return errAt(1, "no checks:")
	}
	if sc.Namespace == "" {
		sc.Namespace = "/"
	}
	seen := map[string]bool{}
	for _, c := range sc.Checks {
		if !idPattern.MatchString(c.ID) {
			return errAt(c.Line, "check id %q: use lower-case letters, digits and dashes", c.ID)
		}
		if seen[c.ID] {
			return errAt(c.Line, "duplicate check id %q", c.ID)
		}
		if c.Name == "" {
			return errAt(c.Line, "check %s has no name: (the sentence a student reads)", c.ID)
		}
		for _, p := range c.Needs {
			if !seen[p] {
				return errAt(c.Line, "check %s needs %q, which is not an earlier check", c.ID, p)
			}
		}
		for i, v := range c.Catches {
			if !idPattern.MatchString(v) || slices.Contains(c.Catches[:i], v) {
				return errAt(c.Line, "check %s catches %q: name each broken variant once, in lower-case letters, digits and dashes", c.ID, v)
			}
		}
		seen[c.ID] = true
		if len(c.Steps) == 0 {
			return errAt(c.Line, "check %s has no steps", c.ID)
		}
		if err := validateSteps(sc, c, c.Steps); err != nil {
			return err
		}
	}
	return nil
}

func validateSteps(sc *Scenario, c *Check, steps []*Step) error {
	for _, s := range steps {
		if s == nil {
			return &ParseError{File: sc.File, Line: c.Line, Msg: fmt.Sprintf("check %s has an empty step", c.ID)}
		}
		if err := validateSocketStep(sc, s); err != nil {
			return err
		}
		if err := validateOtherStep(sc, c, s); err != nil {
			return err
		}
	}
	return nil
}

// validateSocketStep checks a Socket.IO step (connect, emit, expect,
// expect_none, disconnect) and fills its defaults; other steps pass.
func validateSocketStep(sc *Scenario, s *Step) error {
	errAt := func(line int, format string, args ...any) error {
		return &ParseError{File: sc.File, Line: line, Msg: fmt.Sprintf(format, args...)}
	}
	switch s.Kind {
	case "connect":
		st := s.Connect
		if st.Client != "" {
			st.Clients = append(st.Clients, st.Client)
		}
		if len(st.Clients) == 0 {
			return errAt(s.Line, "connect: which client? (connect: a, or clients: [a, b])")
		}
		if st.Transport != "" && st.Transport != "websocket" && st.Transport != "polling" {
			return errAt(s.Line, "connect: transport is websocket or polling, not %q", st.Transport)
		}
	case "emit":
		if s.Emit.Client == "" || s.Emit.Event == "" {
			return errAt(s.Line, "emit: needs client: and event:")
		}
		if s.Emit.Data != nil && s.Emit.Args != nil {
			return errAt(s.Line, "emit: give data: or args:, not both")
		}
		if len(s.Emit.Save) > 0 && s.Emit.Ack == nil {
			return errAt(s.Line, "emit: save: reads the ack, so it needs ack:")
		}
		if s.Emit.Until != 0 && (s.Emit.Ack == nil || s.Emit.Until < 0) {
			return errAt(s.Line, "emit: until: repeats the emit until the ack matches, so it needs ack: and a positive duration")
		}
		if err := checkMatcher(s.Emit.Ack); err != nil {
			return errAt(s.Line, "emit: ack: %v", err)
		}
	case "expect":
		st := s.Expect
		if st.Client != "" {
			st.Clients = append(st.Clients, st.Client)
		}
		if len(st.Clients) == 0 || st.Event == "" {
			return errAt(s.Line, "expect: needs clients: (or client:) and event:")
		}
		if err := checkMatcher(st.Data); err != nil {
			return errAt(s.Line, "expect: data: %v", err)
		}
	case "expect_none":
		st := s.ExpectNone
		if st.Client != "" {
			st.Clients = append(st.Clients, st.Client)
		}
		if len(st.Clients) == 0 {
			return errAt(s.Line, "expect_none: which clients?")
		}
	case "disconnect":
		st := s.Disconnect
		if st.Client != "" {
			st.Clients = append(st.Clients, st.Client)
		}
		if len(st.Clients) == 0 {
			return errAt(s.Line, "disconnect: which clients?")
		}
		switch st.Mode {
		case "", "graceful", "drop", "namespace":
		default:
			return errAt(s.Line, "disconnect: mode is graceful, drop or namespace, not %q", st.Mode)
		}
	}
	return nil
}

// validateOtherStep checks an HTTP, SSE, timing, control, assert, log or
// probe step and fills its defaults (a log step marks its check NeedsCmd);
// Socket.IO steps pass.
func validateOtherStep(sc *Scenario, c *Check, s *Step) error {
	errAt := func(line int, format string, args ...any) error {
		return &ParseError{File: sc.File, Line: line, Msg: fmt.Sprintf(format, args...)}
	}
	switch s.Kind {
	case "http":
		if s.HTTP.Path == "" {
			return errAt(s.Line, "http: needs path:")
		}
		if err := checkMatcher(s.HTTP.Expect.JSON); err != nil {
			return errAt(s.Line, "http: expect.json: %v", err)
		}
		for k, re := range s.HTTP.SaveMatch {
			x, err := regexp.Compile(re)
			if err != nil || x.NumSubexp() < 1 {
				return errAt(s.Line, "http: save_match.%s: want a regular expression with one (group)", k)
			}
		}
	case "sse":
		if s.SSE.Path == "" {
			return errAt(s.Line, "sse: needs path:")
		}
	case "wait":
		if s.Wait <= 0 {
			return errAt(s.Line, "wait: needs a positive duration (wait: 100ms)")
		}
	case "repeat":
		if s.Repeat.Times <= 0 || len(s.Repeat.Steps) == 0 {
			return errAt(s.Line, "repeat: needs times: > 0 and steps:")
		}
		if err := validateSteps(sc, c, s.Repeat.Steps); err != nil {
			return err
		}
	case "parallel":
		p := s.Parallel
		if (len(p.Branches) == 0) == (len(p.Steps) == 0) {
			return errAt(s.Line, "parallel: give steps: (with times:) or branches:")
		}
		if len(p.Steps) > 0 && p.Times <= 0 {
			p.Times = 1
		}
		if err := validateSteps(sc, c, p.Steps); err != nil {
			return err
		}
		for _, b := range p.Branches {
			if err := validateSteps(sc, c, b); err != nil {
				return err
			}
		}
	case "assert":
		a := s.Assert
		if countSet(a.Unique != nil, a.Equal != nil, a.Received != nil, a.That != nil) != 1 {
			return errAt(s.Line, "assert: give exactly one of unique:, equal:, received:, value:+that:")
		}
	case "log":
		if countSet(s.Log.Match != "", s.Log.Contains != "", len(s.Log.ContainsAll) > 0) != 1 {
			return errAt(s.Line, "log: give one of match: (a regular expression), contains: or contains_all:")
		}
		if s.Log.Match != "" && !strings.Contains(s.Log.Match, "${") {
			if _, err := regexp.Compile(s.Log.Match); err != nil {
				return errAt(s.Line, "log: match: %v", err)
			}
		}
		c.NeedsCmd = true
	case "probe":
		if s.Probe.Name == "" {
			return errAt(s.Line, "probe: needs name:")
		}
	}
	return nil
}

// countSet counts the fields that are set, of those of which a step takes
// exactly one.
func countSet(set ...bool) int {
	n := 0
	for _, b := range set {
		if b {
			n++
		}
	}
	return n
}

// CheckProbes returns a *ParseError at the first probe step that calls a
// probe not among registered. Parse cannot know: the probes are Go code
// the engine's caller registers, not part of the language.
func (sc *Scenario) CheckProbes(registered []string) error {
	var err error
	sc.walkProbes(func(s *Step) {
		if err == nil && !slices.Contains(registered, s.Probe.Name) {
			err = &ParseError{File: sc.File, Line: s.Line, Msg: fmt.Sprintf("probe: unknown probe %q (registered: %s)", s.Probe.Name, strings.Join(registered, ", "))}
		}
	})
	return err
}

// Catching returns the ids of the checks that name variant in their
// catches:, in file order.
func (sc *Scenario) Catching(variant string) []string {
	var out []string
	for _, c := range sc.Checks {
		if slices.Contains(c.Catches, variant) {
			out = append(out, c.ID)
		}
	}
	return out
}

// Probes lists the probes the scenario's checks call, each once, in file
// order.
func (sc *Scenario) Probes() []string {
	var out []string
	sc.walkProbes(func(s *Step) {
		if !slices.Contains(out, s.Probe.Name) {
			out = append(out, s.Probe.Name)
		}
	})
	return out
}

// walkProbes calls f with every probe step of every check, in file order,
// nested steps included.
func (sc *Scenario) walkProbes(f func(*Step)) {
	var walk func(steps []*Step)
	walk = func(steps []*Step) {
		for _, s := range steps {
			switch {
			case s.Probe != nil:
				f(s)
			case s.Repeat != nil:
				walk(s.Repeat.Steps)
			case s.Parallel != nil:
				walk(s.Parallel.Steps)
				for _, b := range s.Parallel.Branches {
					walk(b)
				}
			}
		}
	}
	for _, c := range sc.Checks {
		walk(c.Steps)
	}
}
