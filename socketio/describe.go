package socketio

import (
	"encoding/json"
	"strconv"
	"strings"
)

// Describe returns the packet as a person reads it, for traces and grader
// messages: `EVENT "chat" ["hi"]`, `ACK 12 [{"status":"ok"}]`,
// `CONNECT /admin {"token":"…"}`, with the namespace shown when it is not
// the main one and the number of binary attachments when there are any.
func (p *Packet) Describe() string {
	var b strings.Builder
	b.WriteString(p.Type.String())
	if p.Namespace != "" && p.Namespace != "/" {
		b.WriteString(" " + p.Namespace)
	} else if p.Type == PacketConnect || p.Type == PacketDisconnect || p.Type == PacketConnectError {
		b.WriteString(" /")
	}
	if p.ID != nil {
		b.WriteString(" #" + strconv.FormatUint(*p.ID, 10))
	}
	data := p.Data
	if p.Type == PacketEvent || p.Type == PacketBinaryEvent {
		var args []json.RawMessage
		if json.Unmarshal(p.Data, &args) == nil && len(args) > 0 {
			b.WriteString(" " + string(args[0]))
			rest, _ := json.Marshal(args[1:])
			data = rest
		}
	}
	if len(data) > 0 {
		b.WriteString(" " + string(data))
	}
	if n := len(p.Attachments); n > 0 {
		b.WriteString(" +" + strconv.Itoa(n) + " binary")
	}
	return b.String()
}
