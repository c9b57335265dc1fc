package engineio

import (
	"bytes"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAppendPacketWire(t *testing.T) {
	cases := []struct {
		p    Packet
		want string
	}{
		{Packet{Type: Open, Data: []byte(`{"sid":"x"}`)}, `0{"sid":"x"}`},
		{Packet{Type: Close}, "1"},
		{Packet{Type: Ping}, "2"},
		{Packet{Type: Ping, Data: []byte("probe")}, "2probe"},
		{Packet{Type: Pong, Data: []byte("probe")}, "3probe"},
		{Packet{Type: MessagePacket, Data: []byte("hello")}, "4hello"},
		{Packet{Type: MessagePacket, Data: []byte("é")}, "4é"},
		{Packet{Type: Upgrade}, "5"},
		{Packet{Type: Noop}, "6"},
		{Packet{Type: MessagePacket, Data: []byte{1, 2, 3}, Binary: true}, "\x01\x02\x03"},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, string(AppendPacket(nil, c.p)), "%+v", c.p)
	}
}

func TestParsePacket(t *testing.T) {
	p, err := ParsePacket([]byte("4hello"), false)
	require.NoError(t, err)
	assert.Equal(t, Packet{Type: MessagePacket, Data: []byte("hello")}, p)

	p, err = ParsePacket([]byte("2"), false)
	require.NoError(t, err)
	assert.Equal(t, Packet{Type: Ping}, p)

	p, err = ParsePacket([]byte{0, 0xff}, true)
	require.NoError(t, err)
	assert.Equal(t, Packet{Type: MessagePacket, Data: []byte{0, 0xff}, Binary: true}, p)

	for _, bad := range []string{"", "7", "x", "b", "a4"} {
		_, err := ParsePacket([]byte(bad), false)
		assert.ErrorIs(t, err, ErrMalformed, "%q", bad)
		var pe *ParseError
		assert.True(t, errors.As(err, &pe))
	}
	_, err = ParsePacket([]byte("9"), false)
	assert.Contains(t, err.Error(), "unknown packet type '9'")
}

func TestPayloadWire(t *testing.T) {
	pkts := []Packet{
		{Type: MessagePacket, Data: []byte("hello")},
		{Type: MessagePacket, Data: []byte{1, 2, 3, 4}, Binary: true},
		{Type: Ping},
		{Type: Noop},
	}
	body := AppendPayload(nil, pkts)
	assert.Equal(t, "4hello\x1ebAQIDBA==\x1e2\x1e6", string(body))
	got, err := ParsePayload(body)
	require.NoError(t, err)
	require.Len(t, got, 4)
	for i := range pkts {
		assertSamePacket(t, pkts[i], got[i])
	}
}

func TestParsePayloadErrors(t *testing.T) {
	for _, c := range []struct{ body, reason string }{
		{"", "empty payload"},
		{"4a\x1e", "at byte 3: empty packet"},
		{"\x1e4a", "at byte 0: empty packet"},
		{"4a\x1eb!!", "not valid base64"},
		{"4a\x1e9", "unknown packet type"},
	} {
		_, err := ParsePayload([]byte(c.body))
		require.ErrorIs(t, err, ErrMalformed, "%q", c.body)
		assert.Contains(t, err.Error(), c.reason, "%q", c.body)
	}
}

func TestPacketTypeString(t *testing.T) {
	assert.Equal(t, "open", Open.String())
	assert.Equal(t, "message", MessagePacket.String())
	assert.Equal(t, "noop", Noop.String())
	assert.Equal(t, "PacketType(9)", PacketType(9).String())
}

func TestMessageSegments(t *testing.T) {
	m := NewMessage([]byte("hi"), false)
	assert.Equal(t, "4hi", string(m.frame))
	b := NewMessage([]byte{0xff}, true)
	assert.Equal(t, []byte{0xff}, b.frame)
	assert.Equal(t, "4hi\x1eb/w==\x1e2", string(appendSegments(nil, []*Message{m, b, msgPing})))
}

func assertSamePacket(t *testing.T, want, got Packet) {
	t.Helper()
	assert.Equal(t, want.Type, got.Type)
	assert.Equal(t, want.Binary, got.Binary)
	assert.True(t, bytes.Equal(want.Data, got.Data), "data %q != %q", want.Data, got.Data)
}

func FuzzParsePacket(f *testing.F) {
	for _, s := range []string{"0{}", "1", "2probe", "3", "4hello", "5", "6", "", "7", "4\x00\xff"} {
		f.Add([]byte(s), false)
	}
	f.Add([]byte{1, 2, 3}, true)
	f.Fuzz(func(t *testing.T, frame []byte, binary bool) {
		p, err := ParsePacket(frame, binary)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not match ErrMalformed", err)
			}
			return
		}
		// Round trip: what parses re-encodes to the same frame.
		if got := AppendPacket(nil, p); !bytes.Equal(got, frame) {
			t.Fatalf("re-encoded %q, parsed from %q", got, frame)
		}
		q, err := ParsePacket(AppendPacket(nil, p), p.Binary)
		if err != nil || q.Type != p.Type || q.Binary != p.Binary || !bytes.Equal(q.Data, p.Data) {
			t.Fatalf("round trip of %+v gave %+v, %v", p, q, err)
		}
	})
}

func FuzzParsePayload(f *testing.F) {
	for _, s := range []string{"4hello\x1ebAQIDBA==\x1e2\x1e6", "0{\"sid\":\"a\"}", "b", "b====", "\x1e", "4a\x1e", "1"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		pkts, err := ParsePayload(body)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not match ErrMalformed", err)
			}
			return
		}
		if len(pkts) == 0 {
			t.Fatal("no packets and no error")
		}
		again, err := ParsePayload(AppendPayload(nil, pkts))
		if err != nil {
			t.Fatalf("re-encoded payload does not parse: %v", err)
		}
		if len(again) != len(pkts) {
			t.Fatalf("round trip: %d packets became %d", len(pkts), len(again))
		}
		for i := range pkts {
			if again[i].Type != pkts[i].Type || again[i].Binary != pkts[i].Binary || !bytes.Equal(again[i].Data, pkts[i].Data) {
				t.Fatalf("packet %d: %+v became %+v", i, pkts[i], again[i])
			}
		}
	})
}
