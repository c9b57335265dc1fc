package socketio

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
)

var splitCases = []string{
	`[]`, ` [ ] `, `["a"]`, `["echo","xxx"]`, `[1,-2.5e3,true,false,null]`,
	`["a\"b]",{"k":[1,2,{"x":"}"}]},[[],[]]]`, "[\n\t\"a\" , {} ,\r[ ] ]",
	`["\u00e9\\",{"_placeholder":true,"num":0}]`, `[{"a":"[\"]"}]`,
}

func TestSplitArrayMatchesUnmarshal(t *testing.T) {
	for _, c := range splitCases {
		var want []json.RawMessage
		if err := json.Unmarshal([]byte(c), &want); err != nil {
			t.Fatalf("%s: %v", c, err)
		}
		got, ok := splitArray([]byte(c))
		assert.True(t, ok, c)
		assert.Equal(t, len(want), len(got), c)
		for i := range want {
			assert.Equal(t, string(want[i]), string(got[i]), c)
		}
	}
	for _, c := range []string{`{}`, `"a"`, `1`, `null`, `[1,`, `[1 2]`, `["a]`, ``} {
		_, ok := splitArray([]byte(c))
		assert.False(t, ok, c)
	}
}

func TestUnquoteName(t *testing.T) {
	for _, c := range []string{`"echo"`, `"a\"b"`, `"\u00e9t\u00e9"`, `"été"`, `""`} {
		var want string
		json.Unmarshal([]byte(c), &want)
		got, err := unquoteName([]byte(c))
		assert.NoError(t, err)
		assert.Equal(t, want, got, c)
	}
}

func FuzzSplitArray(f *testing.F) {
	for _, c := range splitCases {
		f.Add(c)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !json.Valid([]byte(s)) {
			splitArray([]byte(s)) // must not panic
			return
		}
		var want []json.RawMessage
		err := json.Unmarshal([]byte(s), &want)
		got, ok := splitArray([]byte(s))
		if err != nil || want == nil {
			return
		}
		if !ok || len(got) != len(want) {
			t.Fatalf("%q: split %d elements (ok %v), want %d", s, len(got), ok, len(want))
		}
		for i := range want {
			if string(got[i]) != string(want[i]) {
				t.Fatalf("%q: element %d = %s, want %s", s, i, got[i], want[i])
			}
		}
	})
}
