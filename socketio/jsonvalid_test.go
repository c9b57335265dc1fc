package socketio

import (
	"encoding/json"
	"strings"
	"testing"
)

var validJSONCases = []string{
	``, ` `, `0`, `-0`, `01`, `-`, `1.`, `1.5`, `1e`, `1e+`, `1E-7`, `-12.5e+3`, `.5`, `+1`,
	`"`, `""`, `"a`, `"\"`, `"\\"`, `"\u12"`, `"\u12g4"`, `"\u12aF"`, `"\x"`, "\"\x01\"", "\"\xff\xfe\"",
	`true`, `tru`, `truee`, `false`, `null`, `nul`, `Null`,
	`[]`, `[`, `]`, `[1,]`, `[,1]`, `[1 2]`, `[1,2]`, ` [ 1 , [ ] , { } ] `, `[}`, `{]`,
	`{}`, `{"a"}`, `{"a":}`, `{"a":1,}`, `{"a":1}`, `{"a" : [ {"b":null} ] }`, `{1:2}`, `{"a":1 "b":2}`,
	`["echo",{"text":"xxx","n":1}]`, `1 2`, `{} x`, "\t\n\r[]\t", "\v[]",
	strings.Repeat("[", 31) + strings.Repeat("]", 31),
	strings.Repeat("[", 32) + strings.Repeat("]", 32),
	strings.Repeat("[", 40) + strings.Repeat("]", 39),
	strings.Repeat("[", 10001) + strings.Repeat("]", 10001),
}

// TestValidJSONAgreesWithEncodingJSON: validJSON gives json.Valid's answer.
func TestValidJSONAgreesWithEncodingJSON(t *testing.T) {
	for _, c := range validJSONCases {
		if got, want := validJSON([]byte(c)), json.Valid([]byte(c)); got != want {
			t.Errorf("validJSON(%.40q) = %v, json.Valid says %v", c, got, want)
		}
	}
}

func FuzzValidJSON(f *testing.F) {
	for _, c := range validJSONCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := validJSON(b), json.Valid(b); got != want {
			t.Fatalf("validJSON(%q) = %v, json.Valid says %v", b, got, want)
		}
	})
}

func BenchmarkValidJSON(b *testing.B) {
	p := []byte(`["echo",{"text":"` + strings.Repeat("x", 100) + `","n":1}]`)
	b.Run("validJSON", func(b *testing.B) {
		for b.Loop() {
			validJSON(p)
		}
	})
	b.Run("json.Valid", func(b *testing.B) {
		for b.Loop() {
			json.Valid(p)
		}
	})
}
