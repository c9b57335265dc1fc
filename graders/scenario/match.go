package scenario

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Matchers: an expected value in a scenario is plain JSON (objects match as
// subsets: extra keys in what arrived are fine) in which some strings and
// one-key objects mean more:
//
//	"<any>"            any value, null included (the key must be present)
//	"<string>" "<number>" "<integer>" "<bool>" "<object>" "<array>" "<null>"
//	"<positive>"       a number above 0
//	"<non-empty>"      a non-empty string, array or object
//	"<id>"             a non-empty string or a number (ids compare as strings)
//	"<absent>"         the key must not be there
//	"<number 1..5>"    a number in a closed range; "<number 1..>" open above
//	"<save:name>"      any present value, saved as ${name}
//	"/regexp/"         a string (or number) matching the regular expression
//	{$exact: {...}}    an object with exactly these keys
//	{$contains: [..]}  an array holding a match for each element, any order
//	{$unordered: [..]} an array of the same length matching in any order
//	{$excludes: [..]}  an array in which nothing matches any of these
//	{$len: 3}          an array, string or object of that length
//	{$one_of: [a, b]}  any of the alternatives
//	{$not: m}          anything m does not match (or no value)
//	{$nowhere: m}      no string anywhere in the value, at any depth and
//	                   object keys included, matches m (or no value)
//	{$all: [a, b]}     every one of the matchers
//
// An expected string matches a number of the same spelling ("5" ⇔ 5),
// because the contract compares ids as strings.

// Mismatch says where and how a value differed from its matcher.
type Mismatch struct {
	Path string // "players.1" or "" for the whole value
	Want string
	Got  string
}

func (m *Mismatch) String() string {
	if m.Path == "" {
		return fmt.Sprintf("expected %s, got %s", m.Want, m.Got)
	}
	return fmt.Sprintf("at %s: expected %s, got %s", m.Path, m.Want, m.Got)
}

// absentValue stands for a missing key in what arrived.
type absentValue struct{}

var Absent = absentValue{}

var placeholderRe = regexp.MustCompile(`^<(any|string|number|integer|positive|bool|object|array|null|non-empty|id|absent|number [^>]*|save:[A-Za-z_][A-Za-z0-9_.]*)>$`)
var rangeRe = regexp.MustCompile(`^number (-?[0-9.]*)\.\.(-?[0-9.]*)$`)

// checkMatcher reports matcher syntax errors at parse time: unknown
// placeholders and bad regular expressions.
func checkMatcher(exp any) error {
	switch e := exp.(type) {
	case string:
		if strings.Contains(e, "${") {
			return nil // checked once the variables are known
		}
		if isPlaceholderLike(e) && !placeholderRe.MatchString(e) {
			return fmt.Errorf("unknown placeholder %s (see scenarios/README.md)", e)
		}
		if strings.HasPrefix(e, "<number ") && !rangeRe.MatchString(strings.Trim(e, "<>")) {
			return fmt.Errorf("bad range %s (write <number 1..5>)", e)
		}
		if isRegex(e) && !strings.Contains(e, "${") {
			if _, err := regexp.Compile(e[1 : len(e)-1]); err != nil {
				return fmt.Errorf("bad regular expression %s: %v", e, err)
			}
		}
	case map[string]any:
		for _, v := range e {
			if err := checkMatcher(v); err != nil {
				return err
			}
		}
	case []any:
		for _, v := range e {
			if err := checkMatcher(v); err != nil {
				return err
			}
		}
	}
	return nil
}

func isPlaceholderLike(s string) bool {
	return len(s) > 2 && s[0] == '<' && s[len(s)-1] == '>' && !strings.ContainsAny(s[1:len(s)-1], "<>/ ") ||
		strings.HasPrefix(s, "<number ") || strings.HasPrefix(s, "<save:")
}

func isRegex(s string) bool { return len(s) >= 2 && s[0] == '/' && s[len(s)-1] == '/' }

// Match compares actual (decoded JSON) against the matcher exp; it saves
// captures into caps (which may be nil) and returns nil on success.
func Match(exp, actual any, caps map[string]any) *Mismatch {
	return matchAt("", exp, actual, caps)
}

func matchAt(path string, exp, act any, caps map[string]any) *Mismatch {
	fail := func(want string) *Mismatch { return &Mismatch{Path: path, Want: want, Got: Describe(act)} }
	switch e := exp.(type) {
	case string:
		return matchString(path, e, act, caps)
	case nil:
		if act == nil {
			return nil
		}
		return fail("null")
	case bool:
		if a, ok := act.(bool); ok && a == e {
			return nil
		}
		return fail(strconv.FormatBool(e))
	case map[string]any:
		return matchObject(path, e, act, caps)
	case []any:
		a, ok := act.([]any)
		if !ok {
			return fail("an array like " + Describe(exp))
		}
		if len(a) != len(e) {
			return fail(fmt.Sprintf("an array of %d like %s", len(e), Describe(exp)))
		}
		for i := range e {
			if m := matchAt(join(path, strconv.Itoa(i)), e[i], a[i], caps); m != nil {
				return m
			}
		}
		return nil
	default:
		if f, ok := ToFloat(exp); ok {
			if a, ok := act.(float64); ok && a == f {
				return nil
			}
			return fail(FormatNumber(f))
		}
		return fail(Describe(exp))
	}
}

// matchString matches a string of the expected value: a placeholder
// (<number>), a /pattern/, or the literal (a number's text matches too).
func matchString(path, e string, act any, caps map[string]any) *Mismatch {
	fail := func(want string) *Mismatch { return &Mismatch{Path: path, Want: want, Got: Describe(act)} }
	if placeholderRe.MatchString(e) {
		return matchPlaceholder(path, e[1:len(e)-1], act, caps)
	}
	if isRegex(e) {
		re, err := regexp.Compile(e[1 : len(e)-1])
		if err != nil {
			return fail("a valid pattern " + e + " (" + err.Error() + ")")
		}
		var s string
		switch a := act.(type) {
		case string:
			s = a
		case float64:
			s = FormatNumber(a)
		default:
			return fail("a string matching " + e)
		}
		if !re.MatchString(s) {
			return fail("a string matching " + e)
		}
		return nil
	}
	switch a := act.(type) {
	case string:
		if a == e {
			return nil
		}
	case float64:
		if FormatNumber(a) == e {
			return nil
		}
	}
	return fail(strconv.Quote(e))
}

// matchObject matches an object of the expected value: a $operator
// alone, or each key (literals first), absent keys as Absent.
func matchObject(path string, e map[string]any, act any, caps map[string]any) *Mismatch {
	fail := func(want string) *Mismatch { return &Mismatch{Path: path, Want: want, Got: Describe(act)} }
	if len(e) == 1 {
		for k, v := range e {
			if strings.HasPrefix(k, "$") {
				return matchSpecial(path, k, v, act, caps)
			}
		}
	}
	a, ok := act.(map[string]any)
	if !ok {
		return fail("an object like " + Describe(e))
	}
	keys := make([]string, 0, len(e))
	for k := range e {
		keys = append(keys, k)
	}
	// Literal values first: `status: "error"` explains a mismatch
	// better than the placeholder of a message that is not there.
	sort.Slice(keys, func(i, j int) bool {
		li, lj := isLiteral(e[keys[i]]), isLiteral(e[keys[j]])
		if li != lj {
			return li
		}
		return keys[i] < keys[j]
	})
	for _, k := range keys {
		v, present := a[k]
		var av any = Absent
		if present {
			av = v
		}
		if m := matchAt(join(path, k), e[k], av, caps); m != nil {
			return m
		}
	}
	return nil
}

func matchPlaceholder(path, p string, act any, caps map[string]any) *Mismatch {
	fail := func(want string) *Mismatch { return &Mismatch{Path: path, Want: want, Got: Describe(act)} }
	if p == "absent" {
		if act == Absent {
			return nil
		}
		return fail("no such key")
	}
	if act == Absent {
		return &Mismatch{Path: path, Want: "<" + p + ">", Got: "nothing (the key is missing)"}
	}
	if k, ok := kindPlaceholders[p]; ok {
		if k.ok(act) {
			return nil
		}
		return fail(k.want)
	}
	switch {
	case p == "any":
		return nil
	case strings.HasPrefix(p, "save:"):
		if caps != nil {
			caps[strings.TrimPrefix(p, "save:")] = act
		}
		return nil
	case strings.HasPrefix(p, "number "):
		m := rangeRe.FindStringSubmatch(p)
		f, ok := act.(float64)
		if m == nil || !ok {
			return fail("a number")
		}
		lo, hi := math.Inf(-1), math.Inf(1)
		if m[1] != "" {
			lo, _ = strconv.ParseFloat(m[1], 64)
		}
		if m[2] != "" {
			hi, _ = strconv.ParseFloat(m[2], 64)
		}
		if f < lo || f > hi {
			return fail("a number from " + orDash(m[1]) + " to " + orDash(m[2]))
		}
		return nil
	}
	return fail("<" + p + ">")
}

// kindPlaceholders are the placeholders that accept a kind of value: the
// test, and how a mismatch names what was expected.
var kindPlaceholders = map[string]struct {
	want string
	ok   func(v any) bool
}{
	"string":   {"a string", func(v any) bool { _, ok := v.(string); return ok }},
	"number":   {"a number", func(v any) bool { _, ok := v.(float64); return ok }},
	"positive": {"a number above 0", func(v any) bool { f, ok := v.(float64); return ok && f > 0 }},
	"integer":  {"an integer", func(v any) bool { f, ok := v.(float64); return ok && f == math.Trunc(f) }},
	"bool":     {"true or false", func(v any) bool { _, ok := v.(bool); return ok }},
	"object":   {"an object", func(v any) bool { _, ok := v.(map[string]any); return ok }},
	"array":    {"an array", func(v any) bool { _, ok := v.([]any); return ok }},
	"null":     {"null", func(v any) bool { return v == nil }},
	"non-empty": {"a non-empty value", func(v any) bool {
		switch a := v.(type) {
		case string:
			return strings.TrimSpace(a) != ""
		case []any:
			return len(a) > 0
		case map[string]any:
			return len(a) > 0
		}
		return false
	}},
	"id": {"an id (a non-empty string or a number)", func(v any) bool {
		switch a := v.(type) {
		case string:
			return a != ""
		case float64:
			return true
		}
		return false
	}},
}

func orDash(s string) string {
	if s == "" {
		return "any"
	}
	return s
}

func matchSpecial(path, op string, arg, act any, caps map[string]any) *Mismatch {
	fail := func(want string) *Mismatch { return &Mismatch{Path: path, Want: want, Got: Describe(act)} }
	switch op {
	case "$exact":
		return matchExact(path, arg, act, caps)
	case "$len":
		n, _ := ToFloat(arg)
		var l int
		switch a := act.(type) {
		case []any:
			l = len(a)
		case string:
			l = len([]rune(a))
		case map[string]any:
			l = len(a)
		default:
			return fail(fmt.Sprintf("something of length %v", arg))
		}
		if float64(l) != n {
			return fail(fmt.Sprintf("length %v", arg))
		}
		return nil
	case "$one_of":
		alts, _ := arg.([]any)
		for _, alt := range alts {
			if matchAt(path, alt, act, nil) == nil {
				return matchAt(path, alt, act, caps)
			}
		}
		return fail("one of " + Describe(arg))
	case "$not":
		if act == Absent {
			return nil
		}
		if matchAt(path, arg, act, nil) == nil {
			return fail("anything but " + Describe(arg))
		}
		return nil
	case "$nowhere":
		return MatchNowhere(path, arg, act)
	case "$all":
		ms, _ := arg.([]any)
		for _, m := range ms {
			if mm := matchAt(path, m, act, caps); mm != nil {
				return mm
			}
		}
		return nil
	case "$excludes", "$contains", "$unordered":
		return matchArrayOp(path, op, arg, act, caps)
	}
	return fail("a known matcher, not " + op)
}

// matchExact is $exact: the object's keys, no more.
func matchExact(path string, arg, act any, caps map[string]any) *Mismatch {
	fail := func(want string) *Mismatch { return &Mismatch{Path: path, Want: want, Got: Describe(act)} }
	e, ok := arg.(map[string]any)
	if !ok {
		return matchAt(path, arg, act, caps)
	}
	a, ok := act.(map[string]any)
	if !ok {
		return fail("exactly " + Describe(arg))
	}
	for k := range a {
		if _, ok := e[k]; !ok {
			return &Mismatch{Path: join(path, k), Want: "no such key (exactly " + Describe(arg) + ")", Got: Describe(a[k])}
		}
	}
	return matchAt(path, e, act, caps)
}

// matchArrayOp is $excludes, $contains and $unordered: an array without,
// with, or with exactly (in any order) the given elements.
func matchArrayOp(path, op string, arg, act any, caps map[string]any) *Mismatch {
	fail := func(want string) *Mismatch { return &Mismatch{Path: path, Want: want, Got: Describe(act)} }
	switch op {
	case "$excludes":
		e, _ := arg.([]any)
		a, ok := act.([]any)
		if !ok {
			return fail("an array")
		}
		for _, bad := range e {
			for _, got := range a {
				if matchAt("", bad, got, nil) == nil {
					return fail("an array without " + Describe(bad))
				}
			}
		}
		return nil
	case "$contains", "$unordered":
		e, _ := arg.([]any)
		a, ok := act.([]any)
		if !ok {
			return fail("an array")
		}
		if op == "$unordered" && len(a) != len(e) {
			return fail(fmt.Sprintf("an array of %d, in any order, like %s", len(e), Describe(arg)))
		}
		used := make([]bool, len(a))
		for _, want := range e {
			found := false
			for i, got := range a {
				if !used[i] && matchAt("", want, got, nil) == nil {
					used[i] = true
					found = true
					matchAt("", want, got, caps)
					break
				}
			}
			if !found {
				return fail("an array holding " + Describe(want))
			}
		}
		return nil
	}
	return fail("a known matcher, not " + op)
}

// MatchNowhere fails when m matches any string inside act: values at any
// depth and object keys alike. A leak (a stack trace, a secret) is one
// wherever it sits, so an absence check must read the whole payload, not
// the one field it is supposed to be in; the mismatch names the field
// where m matched.
func MatchNowhere(path string, m, act any) *Mismatch {
	want := Describe(m)
	if ms, ok := m.(string); ok {
		want = ms
	}
	found := func(at, what string, s string) *Mismatch {
		return &Mismatch{Path: at, Want: "nothing matching " + want + " anywhere in the value",
			Got: what + strconv.Quote(around(m, s))}
	}
	switch a := act.(type) {
	case string:
		if matchAt(path, m, a, nil) == nil {
			return found(path, "", a)
		}
	case map[string]any:
		keys := make([]string, 0, len(a))
		for k := range a {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if matchAt(path, m, k, nil) == nil {
				return found(join(path, k), "the key ", k)
			}
			if mm := MatchNowhere(join(path, k), m, a[k]); mm != nil {
				return mm
			}
		}
	case []any:
		for i, e := range a {
			if mm := MatchNowhere(join(path, strconv.Itoa(i)), m, e); mm != nil {
				return mm
			}
		}
	}
	return nil
}

// around shortens s to the part a regular expression m matched, with a
// little context, so that a long stack trace shows where it leaked.
func around(m any, s string) string {
	const ctx = 30
	pat, ok := m.(string)
	if !ok || !isRegex(pat) || len(s) <= 2*ctx+20 {
		return s
	}
	re, err := regexp.Compile(pat[1 : len(pat)-1])
	if err != nil {
		return s
	}
	loc := re.FindStringIndex(s)
	if loc == nil {
		return s
	}
	from, to := max(loc[0]-ctx, 0), min(loc[1]+ctx, len(s))
	for from > 0 && !utf8.RuneStart(s[from]) {
		from--
	}
	for to < len(s) && !utf8.RuneStart(s[to]) {
		to++
	}
	out := s[from:to]
	if from > 0 {
		out = "…" + out
	}
	if to < len(s) {
		out += "…"
	}
	return out
}

// NowhereMatchers returns the arguments of the $nowhere matchers at the top
// of exp (itself, or inside a top-level $all): the ones that speak for a
// whole payload, so that an ack's further arguments are held to them too.
func NowhereMatchers(exp any) []any {
	e, ok := exp.(map[string]any)
	if !ok || len(e) != 1 {
		return nil
	}
	if m, ok := e["$nowhere"]; ok {
		return []any{m}
	}
	var out []any
	if all, ok := e["$all"].([]any); ok {
		for _, m := range all {
			out = append(out, NowhereMatchers(m)...)
		}
	}
	return out
}

func join(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}

// Describe renders a value for a message: compact JSON, shortened.
func Describe(v any) string {
	if v == Absent {
		return "nothing"
	}
	// $all and $nowhere read as words, not as matcher JSON: they are what a
	// student reads under "expected:".
	if m, ok := v.(map[string]any); ok && len(m) == 1 {
		if parts, ok := m["$all"].([]any); ok && len(parts) > 0 {
			out := make([]string, len(parts))
			for i, p := range parts {
				out[i] = Describe(p)
			}
			return Shorten(strings.Join(out, ", and "), 300)
		}
		if pat, ok := m["$nowhere"].(string); ok {
			return "nothing anywhere in it matching " + pat
		}
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // show <id>, not \u003cid\u003e
	if err := enc.Encode(clipStrings(Normalize(v))); err != nil {
		return fmt.Sprint(v)
	}
	return Shorten(strings.TrimSuffix(b.String(), "\n"), 300)
}

// clipStrings shortens long strings inside a value for display, saying
// how long they were.
func clipStrings(v any) any {
	switch x := v.(type) {
	case string:
		if r := []rune(x); len(r) > 60 {
			return fmt.Sprintf("%s…%s (%d characters)", string(r[:24]), string(r[len(r)-8:]), len(r))
		}
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = clipStrings(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = clipStrings(e)
		}
		return out
	}
	return v
}

func Shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func FormatNumber(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func ToFloat(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case float32:
		return float64(n), true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case uint64:
		return float64(n), true
	case int32:
		return float64(n), true
	case uint32:
		return float64(n), true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	}
	return 0, false
}

// Normalize turns YAML-decoded values (uint64, map[any]any…) into the shapes
// encoding/json produces, so that they marshal and compare alike.
func Normalize(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = Normalize(e)
		}
		return out
	case map[any]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[fmt.Sprint(k)] = Normalize(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = Normalize(e)
		}
		return out
	case json.RawMessage:
		var d any
		if json.Unmarshal(x, &d) == nil {
			return d
		}
		return string(x)
	}
	if f, ok := ToFloat(v); ok {
		return f
	}
	return v
}

// DecodeJSON decodes raw JSON into the shapes match expects.
func DecodeJSON(raw []byte) (any, error) {
	var v any
	err := json.Unmarshal(raw, &v)
	return v, err
}

// GetPath reads a dotted path ("players.0.id") from a decoded value; ""
// is the value itself.
func GetPath(v any, path string) (any, bool) {
	if path == "" || path == "." {
		return v, true
	}
	for _, part := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			e, ok := x[part]
			if !ok {
				return nil, false
			}
			v = e
		case []any:
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(x) {
				return nil, false
			}
			v = x[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// AsString renders a scalar as the contract compares ids: numbers without
// exponent, strings as they are, others as JSON.
func AsString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return "null"
	}
	if f, ok := ToFloat(v); ok {
		return FormatNumber(f)
	}
	return Describe(v)
}

// isLiteral reports whether a matcher is a plain scalar value.
func isLiteral(v any) bool {
	switch x := v.(type) {
	case string:
		return !placeholderRe.MatchString(x) && !isRegex(x)
	case map[string]any, []any:
		return false
	}
	return true
}
