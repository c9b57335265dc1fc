package scenario

import (
	"strings"
	"testing"
)

func TestMatch(t *testing.T) {
	cases := []struct {
		name     string
		exp, act any
		ok       bool
		why      string // in the mismatch text
	}{
		{"subset", map[string]any{"a": uint64(1)}, map[string]any{"a": 1.0, "b": "x"}, true, ""},
		{"missing key", map[string]any{"a": uint64(1)}, map[string]any{}, false, "at a: expected 1, got nothing"},
		{"wrong type", map[string]any{"count": uint64(1)}, map[string]any{"count": "1"}, false, `expected 1, got "1"`},
		{"id as string", map[string]any{"id": "5"}, map[string]any{"id": 5.0}, true, ""},
		{"any", "<any>", nil, true, ""},
		{"any needs key", map[string]any{"x": "<any>"}, map[string]any{}, false, "missing"},
		{"absent", map[string]any{"x": "<absent>"}, map[string]any{}, true, ""},
		{"absent fails", map[string]any{"x": "<absent>"}, map[string]any{"x": 1.0}, false, "no such key"},
		{"string", "<string>", "s", true, ""},
		{"number", "<number>", "s", false, "a number"},
		{"integer", "<integer>", 1.5, false, "an integer"},
		{"non-empty", "<non-empty>", "  ", false, "non-empty"},
		{"id placeholder", "<id>", 3.0, true, ""},
		{"range in", "<number 1..5>", 5.0, true, ""},
		{"range out", "<number 1..5>", 6.0, false, "from 1 to 5"},
		{"range open", "<number 0..>", 1e9, true, ""},
		{"regexp", "/^u[0-9]$/", "u2", true, ""},
		{"regexp fails", "/^u[0-9]$/", "x2", false, "matching"},
		{"array exact length", []any{uint64(1)}, []any{1.0, 2.0}, false, "array of 1"},
		{"exact", map[string]any{"$exact": map[string]any{"a": uint64(1)}}, map[string]any{"a": 1.0, "b": 2.0}, false, "at b"},
		{"contains", map[string]any{"$contains": []any{"b"}}, []any{"a", "b"}, true, ""},
		{"unordered", map[string]any{"$unordered": []any{"b", "a"}}, []any{"a", "b"}, true, ""},
		{"unordered length", map[string]any{"$unordered": []any{"a"}}, []any{"a", "b"}, false, "any order"},
		{"excludes", map[string]any{"$excludes": []any{"x"}}, []any{"a", "b"}, true, ""},
		{"excludes fails", map[string]any{"$excludes": []any{"/^a/"}}, []any{"b", "ab"}, false, "without"},
		{"not", map[string]any{"m": map[string]any{"$not": "/at .*js:/"}}, map[string]any{"m": "Something went wrong"}, true, ""},
		{"not fails", map[string]any{"$not": "/at .*js:/"}, "Error\n    at f (x.js:3)", false, "anything but"},
		{"nowhere clean", map[string]any{"$nowhere": "/\\.js:\\d+/"}, map[string]any{"status": "error", "message": "Sorry", "detail": map[string]any{"code": 3.0}}, true, ""},
		{"nowhere in a sibling field", map[string]any{"$nowhere": "/\\.js:\\d+/"},
			map[string]any{"status": "error", "message": "Sorry", "stack": "Error: boom\n    at f (/app/server.js:12:5)"}, false, "at stack: expected nothing matching"},
		{"nowhere deep", map[string]any{"$nowhere": "/\\.js:\\d+/"},
			map[string]any{"error": map[string]any{"frames": []any{"ok", "at g (x.js:9:1)"}}}, false, "at error.frames.1"},
		{"nowhere in a key", map[string]any{"$nowhere": "/\\.js:\\d+/"},
			map[string]any{"trace": map[string]any{"server.js:12": true}}, false, `at trace.server.js:12: expected nothing matching /\.js:\d+/ anywhere in the value, got the key`},
		{"nowhere absent", map[string]any{"x": map[string]any{"$nowhere": "/a/"}}, map[string]any{}, true, ""},
		{"all", map[string]any{"$all": []any{map[string]any{"status": "error"}, map[string]any{"$nowhere": "/at /"}}},
			map[string]any{"status": "error", "message": "fine"}, true, ""},
		{"all fails on the first", map[string]any{"$all": []any{map[string]any{"status": "error"}, map[string]any{"$nowhere": "/at /"}}},
			map[string]any{"status": "ok"}, false, "at status"},
		{"all fails on the second", map[string]any{"$all": []any{map[string]any{"status": "error"}, map[string]any{"$nowhere": "/ at /"}}},
			map[string]any{"status": "error", "message": "x", "stack": "E\n at y"}, false, "at stack"},
		{"len", map[string]any{"$len": uint64(2)}, []any{"a", "b"}, true, ""},
		{"one_of", map[string]any{"$one_of": []any{"a", "b"}}, "c", false, "one of"},
		{"null", nil, nil, true, ""},
		{"bool", true, false, false, "true"},
		{"literal first", map[string]any{"status": "error", "message": "<non-empty>"}, map[string]any{"status": "ok"}, false, "at status"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := Match(Normalize(c.exp), c.act, nil)
			if (m == nil) != c.ok {
				t.Fatalf("match(%v, %v) = %v, want ok=%v", c.exp, c.act, m, c.ok)
			}
			if m != nil && !strings.Contains(m.String(), c.why) {
				t.Errorf("mismatch %q does not say %q", m.String(), c.why)
			}
		})
	}
}

// TestNowhereShowsWhereItMatched: a long stack trace is shown around what
// matched, not cut after its first line.
func TestNowhereShowsWhereItMatched(t *testing.T) {
	stack := "Error: risky-op failed because the remote service said no, twice\n" + strings.Repeat("    at anonymous (node:events:517:28)\n", 3) +
		"    at Socket.<anonymous> (/home/me/app/server.js:42:11)\n"
	m := Match(map[string]any{"$nowhere": `/\.js:\d+/`}, map[string]any{"status": "error", "stack": stack}, nil)
	if m == nil || !strings.Contains(m.String(), "app/server.js:42") || !strings.HasPrefix(m.String(), "at stack:") {
		t.Fatalf("mismatch %v does not show where server.js:42 leaked", m)
	}
}

// TestNowhereMatchers: only a top-level $nowhere (or one in a top-level
// $all) speaks for the whole ack.
func TestNowhereMatchers(t *testing.T) {
	all := map[string]any{"$all": []any{map[string]any{"status": "error"}, map[string]any{"$nowhere": "/a/"}}}
	if got := NowhereMatchers(all); len(got) != 1 || got[0] != "/a/" {
		t.Errorf("nowhereMatchers($all) = %v", got)
	}
	if got := NowhereMatchers(map[string]any{"message": map[string]any{"$nowhere": "/a/"}}); got != nil {
		t.Errorf("nowhereMatchers(field) = %v, want none", got)
	}
}

func TestMatchCaptures(t *testing.T) {
	caps := map[string]any{}
	exp := map[string]any{"status": "ok", "taskId": "<save:task>"}
	if m := Match(exp, map[string]any{"status": "ok", "taskId": "t-9"}, caps); m != nil {
		t.Fatal(m)
	}
	if caps["task"] != "t-9" {
		t.Errorf("captured %v", caps)
	}
}

func TestCheckMatcher(t *testing.T) {
	for _, bad := range []any{"<nope>", "/(/", map[string]any{"a": "<number x..y>"}} {
		if checkMatcher(bad) == nil {
			t.Errorf("checkMatcher(%v) accepted", bad)
		}
	}
	for _, good := range []any{"<any>", "plain", "<b>bold</b>", "/ok/", "<save:x>", "<save:a${i}>", "/a/b"} {
		if err := checkMatcher(good); err != nil {
			t.Errorf("checkMatcher(%v): %v", good, err)
		}
	}
}

func TestDescribeClipsAndDoesNotEscape(t *testing.T) {
	s := Describe(map[string]any{"t": strings.Repeat("y", 300), "p": "<id>"})
	if strings.Contains(s, `\u003c`) || !strings.Contains(s, "(300 characters)") {
		t.Errorf("describe = %s", s)
	}
}
