package socketio

import (
	"bytes"
	"testing"
)

// FuzzDecoder feeds a text message, optionally followed by binary
// messages, and checks the decoder never panics and that whatever it
// accepts survives an encode/decode round trip unchanged.
func FuzzDecoder(f *testing.F) {
	for _, s := range []string{
		`0`, `0{"token":"abc"}`, `0/admin,{"sid":"x"}`, `1/admin,`, `2["test","foo"]`,
		`2/admin,1["x"]`, `3/admin,7[]`, `4{"message":"x","data":{"a":1}}`, `4"x"`,
		`51-["b",{"_placeholder":true,"num":0}]`, `62-/a,9[{"_placeholder":true,"num":1},{"_placeholder":true,"num":0}]`,
		`2["connect"]`, `511-[]`, `2[1]`, `2/x`, `0/`, `5-`, `299999999999999999999[]`,
	} {
		f.Add([]byte(s), 2)
	}
	f.Fuzz(func(t *testing.T, text []byte, nbin int) {
		var d Decoder
		p, err := d.Add(text, false)
		if err != nil {
			return
		}
		for i := 0; p == nil && i < nbin%12; i++ {
			p, err = d.Add([]byte{byte(i)}, true)
			if err != nil {
				t.Fatalf("attachment %d refused: %v", i, err)
			}
		}
		if p == nil {
			return
		}
		out, atts, err := Encode(p)
		if err != nil {
			t.Fatalf("decoded %q but cannot encode %+v: %v", text, p, err)
		}
		var d2 Decoder
		q, err := d2.Add(out, false)
		if err != nil {
			t.Fatalf("re-encoded %q as %q which does not decode: %v", text, out, err)
		}
		for _, a := range atts {
			if q != nil {
				t.Fatalf("packet complete before its attachments")
			}
			q, err = d2.Add(a, true)
			if err != nil {
				t.Fatal(err)
			}
		}
		if q == nil {
			t.Fatalf("%q: no packet after attachments", out)
		}
		if q.Type != p.Type || q.Namespace != p.Namespace || !bytes.Equal(q.Data, p.Data) ||
			(q.ID == nil) != (p.ID == nil) || (q.ID != nil && *q.ID != *p.ID) || len(q.Attachments) != len(p.Attachments) {
			t.Fatalf("round trip changed the packet: %q -> %q\n%+v\n%+v", text, out, p, q)
		}
	})
}
