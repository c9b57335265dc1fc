package socketio

import (
	"sync"
	"time"

	"rtlab/engineio"
)

// Record is one Engine.IO packet seen by a Client, in either direction.
type Record struct {
	Time      time.Time
	Dir       engineio.Direction
	Transport string
	// Raw is the packet as it was on the wire (its polling segment or
	// WebSocket frame).
	Raw    []byte
	Binary bool
	// Engine is the Engine.IO packet.
	Engine engineio.Packet
	// Packet is the Socket.IO packet this message completes: set on a
	// text message packet, or on the last attachment of a binary one.
	Packet *Packet
	// Err is set when the message is not valid Socket.IO.
	Err error
}

// Recorder keeps every packet a Client sends and receives, decoded at both
// levels, for traces, sequence diagrams and assertions. Pass one in
// ClientOptions; one Recorder can serve several clients.
type Recorder struct {
	mu      sync.Mutex
	records []Record
	dec     map[engineio.Direction]*Decoder
	onRec   func(Record)
}

// NewRecorder returns an empty recorder.
func NewRecorder() *Recorder { return &Recorder{} }

func (r *Recorder) observe(t engineio.Trace) {
	rec := Record{Time: t.Time, Dir: t.Dir, Transport: t.Transport, Raw: append([]byte(nil), t.Raw...),
		Binary: t.Binary, Engine: t.Packet}
	r.mu.Lock()
	defer r.mu.Unlock()
	if t.Packet.Type == engineio.MessagePacket {
		if r.dec == nil {
			r.dec = make(map[engineio.Direction]*Decoder)
		}
		d := r.dec[t.Dir]
		if d == nil {
			d = &Decoder{}
			r.dec[t.Dir] = d
		}
		rec.Packet, rec.Err = d.Add(t.Packet.Data, t.Packet.Binary)
		if rec.Err != nil {
			d.Reset()
		}
	}
	r.records = append(r.records, rec)
	if r.onRec != nil {
		r.onRec(rec)
	}
}

// OnRecord calls fn with every record as it is made, in order, for live
// traces (rtlab trace). fn runs with the recorder locked: it must be quick
// and must not call the recorder.
func (r *Recorder) OnRecord(fn func(Record)) {
	r.mu.Lock()
	r.onRec = fn
	r.mu.Unlock()
}

// Records returns a copy of what was recorded so far.
func (r *Recorder) Records() []Record {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Record(nil), r.records...)
}

// Packets returns the Socket.IO packets recorded in direction dir.
func (r *Recorder) Packets(dir engineio.Direction) []*Packet {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []*Packet
	for _, rec := range r.records {
		if rec.Dir == dir && rec.Packet != nil {
			out = append(out, rec.Packet)
		}
	}
	return out
}

// Reset forgets everything recorded.
func (r *Recorder) Reset() {
	r.mu.Lock()
	r.records = nil
	r.dec = nil
	r.mu.Unlock()
}
