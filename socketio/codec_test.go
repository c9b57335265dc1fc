package socketio

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEncodeWire(t *testing.T) {
	ev := func(nsp, name string, args ...any) *Packet {
		p, err := NewEventPacket(nsp, name, args...)
		require.NoError(t, err)
		return p
	}
	withID := func(p *Packet, id uint64) *Packet { p.ID = &id; return p }
	ack, err := NewAckPacket("/", 3, "ok", 1)
	require.NoError(t, err)
	bin := ev("/", "b", []byte{1, 2})
	tests := []struct {
		name string
		p    *Packet
		want string
		atts int
	}{
		{"connect", &Packet{Type: PacketConnect}, `0`, 0},
		{"connect auth", &Packet{Type: PacketConnect, Namespace: "/admin", Data: json.RawMessage(`{"token":"t"}`)}, `0/admin,{"token":"t"}`, 0},
		{"connect reply", &Packet{Type: PacketConnect, Data: json.RawMessage(`{"sid":"abc"}`)}, `0{"sid":"abc"}`, 0},
		{"disconnect nsp", &Packet{Type: PacketDisconnect, Namespace: "/admin"}, `1/admin,`, 0},
		{"event", ev("/", "test", "foo"), `2["test","foo"]`, 0},
		{"event ns id", withID(ev("/admin", "x"), 1), `2/admin,1["x"]`, 0},
		{"event object", ev("", "hello", map[string]int{"a": 1}, nil, json.RawMessage(`[1,2]`)), `2["hello",{"a":1},null,[1,2]]`, 0},
		{"ack", ack, `33["ok",1]`, 0},
		{"binary event", withID(bin, 1), `51-1["b",{"_placeholder":true,"num":0}]`, 1},
		{"connect error", &Packet{Type: PacketConnectError, Data: json.RawMessage(`{"message":"x","data":{"a":1}}`)}, `4{"message":"x","data":{"a":1}}`, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text, atts, err := Encode(tt.p)
			require.NoError(t, err)
			// the engine.io "4" message prefix is engineio's business; the
			// brief's 42[...] examples include it, so we compare without.
			assert.Equal(t, tt.want, string(text))
			assert.Len(t, atts, tt.atts)
		})
	}
}

func TestEncodeExamples(t *testing.T) {
	// The brief's wire examples, engine.io "4" MESSAGE prefix included.
	p, _ := NewEventPacket("/", "test", "foo")
	text, _, _ := Encode(p)
	assert.Equal(t, `42["test","foo"]`, "4"+string(text))
	p, _ = NewEventPacket("/", "b", []byte("x"))
	p.ID = uint64p(1)
	text, _, _ = Encode(p)
	assert.Equal(t, `451-1["b",{"_placeholder":true,"num":0}]`, "4"+string(text))
	p, _ = NewEventPacket("/", "b", []byte("x"))
	text, _, _ = Encode(p)
	assert.Equal(t, `451-["b",{"_placeholder":true,"num":0}]`, "4"+string(text))
	text, _, _ = Encode(&Packet{Type: PacketConnectError, Data: json.RawMessage(`{"message":"x","data":{"a":1}}`)})
	assert.Equal(t, `44{"message":"x","data":{"a":1}}`, "4"+string(text))
}

func TestEncodeErrors(t *testing.T) {
	for _, p := range []*Packet{
		{Type: 7},
		{Type: PacketEvent, Namespace: "admin", Data: json.RawMessage(`["x"]`)},
		{Type: PacketEvent, Namespace: "/a,b", Data: json.RawMessage(`["x"]`)},
		{Type: PacketBinaryEvent, Data: json.RawMessage(`["x"]`)},
		{Type: PacketConnect, Attachments: [][]byte{{1}}},
	} {
		_, _, err := Encode(p)
		var ee *EncodeError
		assert.True(t, errors.As(err, &ee), "%+v: %v", p, err)
	}
}

func TestDecode(t *testing.T) {
	tests := []struct {
		in   string
		typ  PacketType
		nsp  string
		id   int64 // -1: none
		data string
		natt int
	}{
		{`0`, PacketConnect, "/", -1, "", 0},
		{`0{"token":"abc"}`, PacketConnect, "/", -1, `{"token":"abc"}`, 0},
		{`0/admin,{"sid":"x"}`, PacketConnect, "/admin", -1, `{"sid":"x"}`, 0},
		{`0/admin,`, PacketConnect, "/admin", -1, "", 0},
		{`0/admin`, PacketConnect, "/admin", -1, "", 0},
		{`1`, PacketDisconnect, "/", -1, "", 0},
		{`1/admin,`, PacketDisconnect, "/admin", -1, "", 0},
		{`2["test","foo"]`, PacketEvent, "/", -1, `["test","foo"]`, 0},
		{`2/admin,1["x"]`, PacketEvent, "/admin", 1, `["x"]`, 0},
		{`212["x",{"a":[1]}]`, PacketEvent, "/", 12, `["x",{"a":[1]}]`, 0},
		{`2[1,2]`, PacketEvent, "/", -1, `[1,2]`, 0},
		{`3/admin,7[]`, PacketAck, "/admin", 7, `[]`, 0},
		{`4{"message":"x","data":{"a":1}}`, PacketConnectError, "/", -1, `{"message":"x","data":{"a":1}}`, 0},
		{`4"nope"`, PacketConnectError, "/", -1, `"nope"`, 0},
		{`51-["b",{"_placeholder":true,"num":0}]`, PacketBinaryEvent, "/", -1, `["b",{"_placeholder":true,"num":0}]`, 1},
		{`62-/a,9[{"_placeholder":true,"num":1},{"_placeholder":true,"num":0}]`, PacketBinaryAck, "/a", 9, `[{"_placeholder":true,"num":1},{"_placeholder":true,"num":0}]`, 2},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var d Decoder
			p, err := d.Add([]byte(tt.in), false)
			require.NoError(t, err)
			for i := 0; i < tt.natt; i++ {
				require.Nil(t, p)
				require.True(t, d.Pending())
				p, err = d.Add([]byte{byte(i)}, true)
				require.NoError(t, err)
			}
			require.NotNil(t, p)
			assert.False(t, d.Pending())
			assert.Equal(t, tt.typ, p.Type)
			assert.Equal(t, tt.nsp, p.Namespace)
			if tt.id < 0 {
				assert.Nil(t, p.ID)
			} else if assert.NotNil(t, p.ID) {
				assert.Equal(t, uint64(tt.id), *p.ID)
			}
			assert.Equal(t, tt.data, string(p.Data))
			assert.Len(t, p.Attachments, tt.natt)
			// Re-encoding gives the same text back.
			text, _, err := Encode(p)
			require.NoError(t, err)
			want := tt.in
			if want == "0/admin" {
				want += "," // the encoder always closes a namespace with a comma
			}
			assert.Equal(t, want, string(text))
		})
	}
}

func TestDecodeRejects(t *testing.T) {
	for _, in := range []string{
		``,
		`7`,
		`9["x"]`,
		`a`,
		`-1`,
		`2`,                                      // EVENT without payload
		`2"x"`,                                   // non-array EVENT payload
		`2{"a":1}`,                               // idem
		`2[]`,                                    // no event name
		`2[{}]`,                                  // event name not a string
		`2[null]`,                                // idem
		`2["connect"]`,                           // reserved
		`2["disconnect",1]`,                      // reserved
		`2["newListener"]`,                       // reserved
		`2["x"`,                                  // bad JSON
		`2["x"]]`,                                // trailing garbage
		`2/admin,["x"`,                           // bad JSON after namespace
		`2/admin,abc`,                            // bad JSON
		`299999999999999999999["x"]`,             // ack id overflow
		`3`,                                      // ACK without payload
		`3{"a":1}`,                               // ACK payload not an array
		`0"x"`,                                   // CONNECT payload not an object
		`0[1]`,                                   // idem
		`1["x"]`,                                 // DISCONNECT with payload
		`4`,                                      // CONNECT_ERROR without payload
		`4[1]`,                                   // CONNECT_ERROR neither object nor string
		`5["x"]`,                                 // no attachment count
		`5-["x"]`,                                // empty attachment count
		`50-["x"]`,                               // zero attachments
		`5a-["x"]`,                               // not a number
		`511-["x"]`,                              // too many
		`51["x"]`,                                // no dash
		`51-["x",{"_placeholder":true,"num":1}]`, // placeholder out of range
		`51-["x",{"_placeholder":true,"num":-1}]`,  // negative
		`51-["x",{"_placeholder":true,"num":"0"}]`, // not a number
		`51-["x",{"_placeholder":true}]`,           // no num
	} {
		var d Decoder
		_, err := d.Add([]byte(in), false)
		assert.ErrorIs(t, err, ErrMalformed, "%q", in)
		var de *DecodeError
		assert.True(t, errors.As(err, &de), "%q", in)
	}
}

func TestDecoderSequence(t *testing.T) {
	var d Decoder
	_, err := d.Add([]byte{1, 2}, true)
	assert.ErrorIs(t, err, ErrMalformed, "binary without a binary packet")

	p, err := d.Add([]byte(`52-["b",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`), false)
	require.NoError(t, err)
	require.Nil(t, p)
	p, err = d.Add([]byte("one"), true)
	require.NoError(t, err)
	require.Nil(t, p)
	_, err = d.Add([]byte(`2["x"]`), false)
	assert.ErrorIs(t, err, ErrMalformed, "text while waiting for attachments")
	assert.False(t, d.Pending())

	// A fresh binary packet works after the error and a Reset.
	d.Reset()
	p, err = d.Add([]byte(`51-["b",{"_placeholder":true,"num":0}]`), false)
	require.NoError(t, err)
	require.Nil(t, p)
	buf := []byte("abc")
	p, err = d.Add(buf, true)
	require.NoError(t, err)
	require.NotNil(t, p)
	buf[0] = 'X' // the decoder copied it
	assert.Equal(t, [][]byte{[]byte("abc")}, p.Attachments)

	// MaxAttachments raises the cap.
	d = Decoder{MaxAttachments: 20}
	_, err = d.Add([]byte(`515-["b"]`), false)
	require.NoError(t, err)
	assert.True(t, d.Pending())
}

func TestPacketString(t *testing.T) {
	p, _ := NewEventPacket("/x", "b", []byte{1}, "s")
	assert.Equal(t, `51-/x,["b",{"_placeholder":true,"num":0},"s"] +1 attachment(s)`, p.String())
	assert.Equal(t, "BINARY_ACK", PacketBinaryAck.String())
	assert.Equal(t, "PacketType(9)", PacketType(9).String())
}

func TestDescribe(t *testing.T) {
	for raw, want := range map[string]string{
		`2["chat","hi"]`:                `EVENT "chat" ["hi"]`,
		`2/admin,7["x",1,{"a":true}]`:   `EVENT /admin #7 "x" [1,{"a":true}]`,
		`3/admin,7[{"status":"ok"}]`:    `ACK /admin #7 [{"status":"ok"}]`,
		`0{"token":"abc"}`:              `CONNECT / {"token":"abc"}`,
		`4/x,{"message":"no","data":1}`: `CONNECT_ERROR /x {"message":"no","data":1}`,
		`1/chat,`:                       `DISCONNECT /chat`,
		`2["tick"]`:                     `EVENT "tick" []`,
	} {
		p, _, err := DecodeText([]byte(raw))
		if err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		if got := p.Describe(); got != want {
			t.Errorf("%s: Describe() = %s, want %s", raw, got, want)
		}
	}
}
