package reference

import (
	"encoding/json"
	"fmt"
	"sync"

	"rtlab/socketio"
)

func init() { registerVariants("q36", variantNames(q36Variants), newQ36) }

type q36Faults struct {
	noTransform    bool // ops are applied as sent, whatever version they were made on
	tieLeft        bool // of two inserts at one position, the later one goes left
	noGrowDelete   bool // a delete does not grow over text inserted inside its range
	naiveDeletes   bool // overlapping deletes: the later one shifts by the whole earlier length
	echoOriginal   bool // doc-update carries the op as sent, not as applied
	lastOpOnly     bool // an old op is transformed against the last op only, not all since its version
	noSenderUpdate bool // the sender does not get its own doc-update
}

var q36Variants = map[string]q36Faults{
	"no-transform":     {noTransform: true},
	"tie-later-left":   {tieLeft: true},
	"no-grow-delete":   {noGrowDelete: true},
	"naive-deletes":    {naiveDeletes: true},
	"echo-original-op": {echoOriginal: true},
	"last-op-only":     {lastOpOnly: true},
	"no-sender-update": {noSenderUpdate: true},
}

// textOp is one edit: an insert of Text at Position, or a delete of
// Length characters from Position. Positions count characters (Unicode
// code points).
type textOp struct {
	Type     string `json:"type"`
	Position int    `json:"position"`
	Text     string `json:"text,omitempty"`
	Length   int    `json:"length"`
}

func (o textOp) isInsert() bool { return o.Type == "insert" }

// insLen is the number of characters an insert adds.
func (o textOp) insLen() int { return len([]rune(o.Text)) }

// MarshalJSON writes the contract's two shapes: an insert has text, a
// delete has length (0 included).
func (o textOp) MarshalJSON() ([]byte, error) {
	if o.isInsert() {
		return json.Marshal(map[string]any{"type": "insert", "position": o.Position, "text": o.Text})
	}
	return json.Marshal(map[string]any{"type": "delete", "position": o.Position, "length": o.Length})
}

// transformOp rewrites a, made without knowing b, so that it applies after
// b; b was received (and applied) first. The rules are the contract's, and
// every op stays one op:
//
//   - insert vs insert: at the same position, b (first) stays left;
//   - insert vs delete: an insert inside b's range lands where the range
//     began; at the range's start or end it is outside the range;
//   - delete vs insert: an insert strictly inside a's range was received
//     first, so a grows to remove it too;
//   - delete vs delete: a loses what b already removed (length 0 when b
//     covered it all) and moves left by what b removed before it.
func transformOp(a, b textOp, f q36Faults) textOp {
	switch {
	case a.isInsert() && b.isInsert():
		if b.Position < a.Position || (b.Position == a.Position && !f.tieLeft) {
			a.Position += b.insLen()
		}
	case a.isInsert():
		end := b.Position + b.Length
		if a.Position >= end {
			a.Position -= b.Length
		} else if a.Position > b.Position {
			a.Position = b.Position
		}
	case b.isInsert():
		if b.Position <= a.Position {
			a.Position += b.insLen()
		} else if b.Position < a.Position+a.Length && !f.noGrowDelete {
			a.Length += b.insLen()
		}
	default:
		if f.naiveDeletes {
			if b.Position < a.Position {
				a.Position = max(0, a.Position-b.Length)
			}
			return a
		}
		aEnd, bEnd := a.Position+a.Length, b.Position+b.Length
		overlap := max(0, min(aEnd, bEnd)-max(a.Position, b.Position))
		before := max(0, min(a.Position, bEnd)-b.Position)
		a.Position -= before
		a.Length -= overlap
	}
	return a
}

// applyOp returns content with op applied; op must fit.
func applyOp(content []rune, op textOp) []rune {
	out := make([]rune, 0, len(content)+op.insLen())
	out = append(out, content[:op.Position]...)
	if op.isInsert() {
		out = append(out, []rune(op.Text)...)
		return append(out, content[op.Position:]...)
	}
	return append(out, content[op.Position+op.Length:]...)
}

// editor is a user of a document.
type editor struct {
	ID       string `json:"id"`
	Username string `json:"username"`
	Cursor   int    `json:"cursor"`
}

// document is a text with its history: history[i] is the op, as applied,
// that made version i+1; lengths[v] is the text's length at version v, to
// validate an op against the version it was made on.
type document struct {
	id      string
	content []rune
	history []textOp
	lengths []int
	editors map[string]*editor // by socket id
	order   []string           // join order, for the users list
}

func (d *document) version() int { return len(d.history) }

// q36Server holds every document. One lock serializes the edits of all
// documents: what matters is that an op is transformed, applied and
// broadcast as one step, so that every editor sees the versions in order.
type q36Server struct {
	f    q36Faults
	nsp  *socketio.Namespace
	mu   sync.Mutex
	docs map[string]*document
}

func (q *q36Server) doc(id string) *document {
	d := q.docs[id]
	if d == nil {
		d = &document{id: id, lengths: []int{0}, editors: map[string]*editor{}}
		q.docs[id] = d
	}
	return d
}

func docRoom(id string) string { return "doc:" + id }

// validOp checks a client's op against the length of the version it was
// made on; the message is the error ack's.
func validOp(op textOp, length int) string {
	switch op.Type {
	case "insert":
		if op.Text == "" {
			return "An insert needs a non-empty text."
		}
		if op.Position < 0 || op.Position > length {
			return fmt.Sprintf("Insert position %d is outside the document (0 to %d).", op.Position, length)
		}
	case "delete":
		if op.Length < 1 {
			return "A delete needs a length of at least 1."
		}
		if op.Position < 0 || op.Position+op.Length > length {
			return fmt.Sprintf("Delete range %d..%d is outside the document (length %d).", op.Position, op.Position+op.Length, length)
		}
	default:
		return `An op is {"type":"insert","position","text"} or {"type":"delete","position","length"}.`
	}
	return ""
}

func (q *q36Server) edit(s *socketio.Socket, e *socketio.Event) {
	var req struct {
		DocID   string          `json:"docId"`
		Version *int            `json:"version"`
		Op      json.RawMessage `json:"op"`
	}
	var op textOp
	if !objectArg(e, &req) || req.DocID == "" || req.Version == nil || json.Unmarshal(req.Op, &op) != nil {
		ackError(e, `An edit is {"docId","version","op"}.`)
		return
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	d := q.doc(req.DocID)
	base := *req.Version
	if base < 0 || base > d.version() {
		ackError(e, fmt.Sprintf("Version %d does not exist: the document is at version %d.", base, d.version()))
		return
	}
	if msg := validOp(op, d.lengths[base]); msg != "" {
		ackError(e, msg)
		return
	}
	sent := op
	switch {
	case q.f.noTransform:
		if validOp(op, len(d.content)) != "" {
			ackError(e, "The op does not fit the document any more.")
			return
		}
	case q.f.lastOpOnly:
		if base < d.version() {
			op = transformOp(op, d.history[d.version()-1], q.f)
		}
	default:
		for _, b := range d.history[base:] {
			op = transformOp(op, b, q.f)
		}
	}
	if op.isInsert() {
		op.Position = min(max(op.Position, 0), len(d.content)) // only the broken variants need it
	} else {
		op.Position = min(max(op.Position, 0), len(d.content))
		op.Length = min(max(op.Length, 0), len(d.content)-op.Position)
	}
	d.content = applyOp(d.content, op)
	d.history = append(d.history, op)
	d.lengths = append(d.lengths, len(d.content))
	shown := op
	if q.f.echoOriginal {
		shown = sent
	}
	update := map[string]any{"docId": d.id, "version": d.version(), "op": shown, "userId": s.ID()}
	if q.f.noSenderUpdate {
		s.To(docRoom(d.id)).Emit("doc-update", update)
	} else {
		q.nsp.To(docRoom(d.id), s.ID()).Emit("doc-update", update) // the sender even if it never joined
	}
	ackOK(e, map[string]any{"version": d.version()})
}

func (q *q36Server) join(s *socketio.Socket, e *socketio.Event) {
	var req struct {
		DocID    string `json:"docId"`
		Username string `json:"username"`
	}
	if !objectArg(e, &req) || req.DocID == "" {
		ackError(e, `join-document needs {"docId","username"}.`)
		return
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	d := q.doc(req.DocID)
	if _, again := d.editors[s.ID()]; !again {
		d.order = append(d.order, s.ID())
	}
	d.editors[s.ID()] = &editor{ID: s.ID(), Username: req.Username}
	s.Join(docRoom(d.id))
	s.To(docRoom(d.id)).Emit("user-joined", map[string]string{"userId": s.ID(), "username": req.Username})
	users := make([]*editor, 0, len(d.order))
	for _, id := range d.order {
		users = append(users, d.editors[id])
	}
	ack(e, map[string]any{"content": string(d.content), "version": d.version(), "users": users})
}

// leave removes s from document id and tells the others; it reports
// whether s was an editor there.
func (q *q36Server) leave(s *socketio.Socket, id string) {
	d := q.docs[id]
	if d == nil || d.editors[s.ID()] == nil {
		return
	}
	delete(d.editors, s.ID())
	for i, x := range d.order {
		if x == s.ID() {
			d.order = append(d.order[:i], d.order[i+1:]...)
			break
		}
	}
	s.Leave(docRoom(id))
	q.nsp.To(docRoom(id)).Except(s.ID()).Emit("user-left", map[string]string{"userId": s.ID()})
}

// newQ36 is a collaborative editor with operational transformation: the
// server orders the edits, transforms an op made on an old version
// against every op applied since (transformOp), and broadcasts each op as
// applied, so that every editor that replays the doc-updates in version
// order has the server's text.
func newQ36(o Options) (Server, error) {
	io := newIO(o)
	q := &q36Server{f: q36Variants[o.Variant], nsp: io.Of("/"), docs: map[string]*document{}}
	q.nsp.OnConnect(func(s *socketio.Socket) {
		s.On("join-document", func(e *socketio.Event) { q.join(s, e) })
		s.On("edit", func(e *socketio.Event) { q.edit(s, e) })
		s.On("get-document", func(e *socketio.Event) {
			var req struct {
				DocID string `json:"docId"`
			}
			if !objectArg(e, &req) || req.DocID == "" {
				ackError(e, `get-document needs {"docId"}.`)
				return
			}
			q.mu.Lock()
			d := q.doc(req.DocID)
			out := map[string]any{"content": string(d.content), "version": d.version()}
			q.mu.Unlock()
			ack(e, out)
		})
		s.On("cursor-move", func(e *socketio.Event) {
			var req struct {
				DocID    string `json:"docId"`
				Position int    `json:"position"`
			}
			if !objectArg(e, &req) || req.DocID == "" {
				return
			}
			q.mu.Lock()
			if d := q.docs[req.DocID]; d != nil && d.editors[s.ID()] != nil {
				d.editors[s.ID()].Cursor = req.Position
				s.To(docRoom(d.id)).Emit("cursor-update", map[string]any{"userId": s.ID(), "position": req.Position})
			}
			q.mu.Unlock()
		})
		s.On("leave-document", func(e *socketio.Event) {
			var req struct {
				DocID string `json:"docId"`
			}
			objectArg(e, &req)
			q.mu.Lock()
			q.leave(s, req.DocID)
			q.mu.Unlock()
			ackOK(e, nil)
		})
		s.OnDisconnect(func(socketio.Reason) {
			q.mu.Lock()
			defer q.mu.Unlock()
			for id := range q.docs {
				q.leave(s, id)
			}
		})
	})
	s := newServer()
	s.mountIO(io)
	return s, nil
}
