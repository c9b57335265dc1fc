package probes

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"rtlab/graders"
	"rtlab/socketio"

	"rtlab/graders/scenario"
)

// otOp is an edit of Q36: an insert of Text at Position, or a delete of
// Length characters at Position.
type otOp struct {
	Type     string
	Position int
	Text     string
	Length   int
}

func (o otOp) insert() bool { return o.Type == "insert" }

func (o otOp) String() string {
	if o.insert() {
		return fmt.Sprintf("insert(%d, %q)", o.Position, o.Text)
	}
	return fmt.Sprintf("delete(%d, %d)", o.Position, o.Length)
}

func (o otOp) wire() map[string]any {
	if o.insert() {
		return map[string]any{"type": "insert", "position": o.Position, "text": o.Text}
	}
	return map[string]any{"type": "delete", "position": o.Position, "length": o.Length}
}

// parseOtOp reads an op as a server sent it.
func parseOtOp(raw json.RawMessage) (otOp, error) {
	var w struct {
		Type     string   `json:"type"`
		Position *float64 `json:"position"`
		Text     string   `json:"text"`
		Length   *float64 `json:"length"`
	}
	if err := json.Unmarshal(raw, &w); err != nil || w.Position == nil {
		return otOp{}, fmt.Errorf("not an op: %s", scenario.Shorten(string(raw), 120))
	}
	o := otOp{Type: w.Type, Position: int(*w.Position), Text: w.Text}
	switch w.Type {
	case "insert":
	case "delete":
		if w.Length == nil {
			return otOp{}, fmt.Errorf("a delete without length: %s", scenario.Shorten(string(raw), 120))
		}
		o.Length = int(*w.Length)
	default:
		return otOp{}, fmt.Errorf("an op of type %q: %s", w.Type, scenario.Shorten(string(raw), 120))
	}
	return o, nil
}

// otTransform is the grader's own statement of the contract's rules: a,
// made without knowing b, rewritten to apply after b, which the server
// received first. It is written apart from the reference server on
// purpose, so that the two check each other.
func otTransform(a, b otOp) otOp {
	bn := len([]rune(b.Text))
	switch {
	case a.insert() && b.insert():
		if b.Position <= a.Position { // tie: the first received stays left
			a.Position += bn
		}
	case a.insert(): // b deletes [b.Position, b.Position+b.Length)
		switch {
		case a.Position >= b.Position+b.Length:
			a.Position -= b.Length
		case a.Position > b.Position: // strictly inside: to the range's start
			a.Position = b.Position
		}
	case b.insert():
		switch {
		case b.Position <= a.Position:
			a.Position += bn
		case b.Position < a.Position+a.Length: // strictly inside: the delete grows
			a.Length += bn
		}
	default:
		lo, hi := max(a.Position, b.Position), min(a.Position+a.Length, b.Position+b.Length)
		overlap := max(0, hi-lo)
		removedBefore := max(0, min(a.Position, b.Position+b.Length)-b.Position)
		a.Position -= removedBefore
		a.Length -= overlap
	}
	return a
}

// otApply applies op to text, or says why it does not fit.
func otApply(text []rune, op otOp) ([]rune, error) {
	if op.insert() {
		if op.Position < 0 || op.Position > len(text) {
			return nil, fmt.Errorf("%s does not fit a text of length %d", op, len(text))
		}
		out := append(append(append([]rune{}, text[:op.Position]...), []rune(op.Text)...), text[op.Position:]...)
		return out, nil
	}
	if op.Position < 0 || op.Length < 0 || op.Position+op.Length > len(text) {
		return nil, fmt.Errorf("%s does not fit a text of length %d", op, len(text))
	}
	return append(append([]rune{}, text[:op.Position]...), text[op.Position+op.Length:]...), nil
}

// otUpdate is one doc-update an editor received.
type otUpdate struct {
	op     otOp
	userID string
	err    error // the update could not be read
}

// otEditor is one simulated editor: a connection, and the doc-updates it
// received, per document and version.
type otEditor struct {
	idx  int
	sock *probeSocket

	mu      sync.Mutex
	updates map[string]map[int]otUpdate
	changed chan struct{}
}

func (e *otEditor) onEvent(ev *socketio.Event) {
	name, args := ev.Name, ev.Args
	if name != "doc-update" || len(args) == 0 {
		return
	}
	var u struct {
		DocID   string          `json:"docId"`
		Version float64         `json:"version"`
		Op      json.RawMessage `json:"op"`
		UserID  any             `json:"userId"`
	}
	if json.Unmarshal(args[0], &u) != nil {
		return
	}
	op, err := parseOtOp(u.Op)
	e.mu.Lock()
	defer e.mu.Unlock()
	m := e.updates[u.DocID]
	if m == nil {
		m = map[int]otUpdate{}
		e.updates[u.DocID] = m
	}
	m[int(u.Version)] = otUpdate{op: op, userID: fmt.Sprint(u.UserID), err: err}
	close(e.changed)
	e.changed = make(chan struct{})
}

// view replays the updates of doc from version 1 while they are
// contiguous: the text and version this editor knows.
func (e *otEditor) view(doc string) (text []rune, version int, err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	m := e.updates[doc]
	for {
		u, ok := m[version+1]
		if !ok {
			return text, version, nil
		}
		if u.err != nil {
			return nil, 0, fmt.Errorf("doc-update version %d: %v", version+1, u.err)
		}
		next, err := otApply(text, u.op)
		if err != nil {
			return nil, 0, fmt.Errorf("doc-update version %d: %v", version+1, err)
		}
		text, version = next, version+1
	}
}

// waitVersion waits until the editor has every update of doc up to n.
func (e *otEditor) waitVersion(ctx context.Context, doc string, n int) bool {
	for {
		e.mu.Lock()
		have := 0
		for have < n {
			if _, ok := e.updates[doc][have+1]; !ok {
				break
			}
			have++
		}
		ch := e.changed
		e.mu.Unlock()
		if have >= n {
			return true
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return false
		}
	}
}

// otSent is an edit an editor sent, and the server's answer.
type otSent struct {
	editor  int
	base    int
	op      otOp
	version int    // from the ok ack; 0 when refused
	refusal string // the error ack's message
}

// randomOp picks an op that fits text: an insert of a token naming its
// editor and rank (so that a lost edit is visible), or a short delete.
func randomOp(rng *rand.Rand, text []rune, editor, k int) otOp {
	if len(text) == 0 || rng.IntN(10) < 6 {
		return otOp{Type: "insert", Position: rng.IntN(len(text) + 1), Text: fmt.Sprintf("%c%d", 'A'+editor, k)}
	}
	pos := rng.IntN(len(text))
	return otOp{Type: "delete", Position: pos, Length: 1 + rng.IntN(min(3, len(text)-pos))}
}

// otConvergence runs seeded random concurrent edits (Q36): params editors
// (default 4), trials (default 100), ops per editor and trial (default 3),
// seed (default: from the clock; the failure prints it). Each trial uses a
// new document; the editors edit at once, each on the latest version it
// has seen. The trial passes when every editor's replay of the
// doc-updates equals get-document, and each op the server applied equals
// the grader's own transform of the op sent against the ops applied
// since its version (otTransform), in the server's order. A failure shows
// the seed, the trial and the shortest history that gives the wrong op:
// the text at the op's version, the ops applied since, and the op.
func otConvergence(ctx context.Context, env *graders.ProbeEnv, params map[string]any) error {
	nEditors := max(2, paramInt(params, "editors", 4))
	trials := max(1, paramInt(params, "trials", 100))
	nOps := max(1, paramInt(params, "ops", 3))
	seed := uint64(time.Now().UnixNano() % 1000000)
	if v, ok := scenario.ToFloat(params["seed"]); ok {
		seed = uint64(v)
	}
	nonce := fmt.Sprintf("%x", time.Now().UnixNano())

	editors := make([]*otEditor, nEditors)
	defer func() {
		for _, e := range editors {
			if e != nil {
				e.sock.Close()
			}
		}
	}()
	for i := range editors {
		e := &otEditor{idx: i, updates: map[string]map[int]otUpdate{}, changed: make(chan struct{})}
		s, err := probeDial(ctx, env, "", map[string]any{}, nil, e.onEvent)
		if err != nil {
			return err
		}
		e.sock = s
		editors[i] = e
	}
	for t := 1; t <= trials; t++ {
		if err := otTrial(ctx, env, editors, seed, t, nOps, fmt.Sprintf("rtlab-ot-%s-%d", nonce, t)); err != nil {
			if f, ok := err.(*graders.Failure); ok {
				f.Reason = fmt.Sprintf("seed %d, trial %d of %d (%d editors × %d ops): %s", seed, t, trials, nEditors, nOps, f.Reason)
				f.Expected += fmt.Sprintf(" (replay with params seed: %d)", seed)
			}
			return err
		}
	}
	return nil
}

func otTrial(ctx context.Context, env *graders.ProbeEnv, editors []*otEditor, seed uint64, trial, nOps int, doc string) error {
	if err := otJoin(ctx, env, editors, doc); err != nil {
		return err
	}
	sent, err := otEdit(ctx, env, editors, seed, trial, nOps, doc)
	if err != nil {
		return err
	}
	byVersion, err := otOrder(sent)
	if err != nil {
		return err
	}
	n := len(byVersion)
	wctx, cancel := context.WithTimeout(ctx, env.Timeout)
	defer cancel()
	for _, e := range editors {
		if !e.waitVersion(wctx, doc, n) {
			_, have, _ := e.view(doc)
			return &graders.Failure{Reason: fmt.Sprintf("editor %c did not receive every doc-update within %s", 'A'+e.idx, env.Timeout),
				Expected: fmt.Sprintf("versions 1 to %d", n), Actual: fmt.Sprintf("versions up to %d in a row", have)}
		}
	}
	texts, err := otReplay(editors[0].updatesOf(doc), byVersion, sent)
	if err != nil {
		return err
	}
	return otConverged(ctx, env, editors, doc, string(texts[n]), n)
}

// otJoin has every editor join the new document doc, which must be empty
// at version 0.
func otJoin(ctx context.Context, env *graders.ProbeEnv, editors []*otEditor, doc string) error {
	for _, e := range editors {
		a, err := e.sock.emitAck(ctx, env, "join-document", map[string]any{"docId": doc, "username": fmt.Sprintf("editor-%c", 'A'+e.idx)})
		if err != nil {
			return err
		}
		if v, _ := scenario.ToFloat(a["version"]); v != 0 || a["content"] != "" {
			return &graders.Failure{Reason: "join-document of a new document " + doc, Expected: `{"content":"","version":0,…}`, Actual: scenario.Describe(scenario.Normalize(a))}
		}
	}
	return nil
}

// otEdit has the editors send nOps random edits each, at once, each on
// the version it has seen, and returns what was sent and how it was
// acknowledged.
func otEdit(ctx context.Context, env *graders.ProbeEnv, editors []*otEditor, seed uint64, trial, nOps int, doc string) ([]otSent, error) {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		sent []otSent
		errs []error
	)
	for _, e := range editors {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, uint64(trial)<<8|uint64(e.idx)))
			for k := range nOps {
				text, base, err := e.view(doc)
				if err != nil {
					mu.Lock()
					errs = append(errs, &graders.Failure{Reason: fmt.Sprintf("editor %c cannot replay the doc-updates it received", 'A'+e.idx), Actual: err.Error()})
					mu.Unlock()
					return
				}
				op := randomOp(rng, text, e.idx, k)
				a, err := e.sock.emitAck(ctx, env, "edit", map[string]any{"docId": doc, "version": base, "op": op.wire()})
				mu.Lock()
				if err != nil {
					errs = append(errs, err)
					mu.Unlock()
					return
				}
				s := otSent{editor: e.idx, base: base, op: op}
				if v, ok := scenario.ToFloat(a["version"]); ok && a["status"] == "ok" {
					s.version = int(v)
				} else {
					s.refusal = scenario.Describe(scenario.Normalize(a))
				}
				sent = append(sent, s)
				mu.Unlock()
				if rng.IntN(4) == 0 {
					time.Sleep(time.Duration(rng.IntN(1500)) * time.Microsecond)
				}
			}
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		return nil, errs[0]
	}
	return sent, nil
}

// otOrder returns the server's order of the accepted edits: their ack
// versions must be 1..n, each once.
func otOrder(sent []otSent) (map[int]otSent, error) {
	byVersion := map[int]otSent{}
	for _, s := range sent {
		if s.refusal != "" {
			continue
		}
		if prev, dup := byVersion[s.version]; dup {
			return nil, &graders.Failure{Reason: fmt.Sprintf("two edits were acknowledged with version %d: %c's %s and %c's %s (an edit is lost)",
				s.version, 'A'+prev.editor, prev.op, 'A'+s.editor, s.op)}
		}
		byVersion[s.version] = s
	}
	n := len(byVersion)
	for v := 1; v <= n; v++ {
		if _, ok := byVersion[v]; !ok {
			return nil, &graders.Failure{Reason: fmt.Sprintf("%d edits were accepted but none was acknowledged with version %d", n, v),
				Expected: fmt.Sprintf("versions 1 to %d, one per accepted edit", n)}
		}
	}
	return byVersion, nil
}

// otReplay is the grader's replay of the accepted edits, compared op by op
// with what the server applied (its doc-updates); a refused edit must be
// one that cannot apply. It returns the text at every version.
func otReplay(updates map[int]otUpdate, byVersion map[int]otSent, sent []otSent) ([][]rune, error) {
	texts := [][]rune{{}}
	applied := []otOp{{}}
	for v := 1; v <= len(byVersion); v++ {
		s := byVersion[v]
		want := s.op
		for u := s.base + 1; u < v; u++ {
			want = otTransform(want, applied[u])
		}
		got := updates[v]
		if got.err != nil || got.op != want {
			return nil, &graders.Failure{
				Reason:   fmt.Sprintf("version %d: the server applied %s where the contract's rules give %s", v, otDescribe(got), want),
				Expected: want.String(),
				Actual:   otDescribe(got) + ", after the shortest history that shows it:\n" + otHistory(texts, applied, byVersion, s, v),
			}
		}
		next, err := otApply(texts[v-1], want)
		if err != nil {
			return nil, &graders.Failure{Reason: fmt.Sprintf("version %d: %v", v, err), Actual: otHistory(texts, applied, byVersion, s, v)}
		}
		texts = append(texts, next)
		applied = append(applied, want)
	}
	for _, s := range sent {
		if s.refusal != "" {
			if _, err := otApply(texts[s.base], s.op); err == nil {
				return nil, &graders.Failure{Reason: fmt.Sprintf("editor %c's %s made on version %d (text %q) was refused", 'A'+s.editor, s.op, s.base, string(texts[s.base])),
					Expected: `{"status":"ok","version"}`, Actual: s.refusal}
			}
		}
	}
	return texts, nil
}

// otConverged checks that get-document and every editor's replay hold
// want at version n.
func otConverged(ctx context.Context, env *graders.ProbeEnv, editors []*otEditor, doc, want string, n int) error {
	a, err := editors[0].sock.emitAck(ctx, env, "get-document", map[string]any{"docId": doc})
	if err != nil {
		return err
	}
	if v, _ := scenario.ToFloat(a["version"]); a["content"] != want || int(v) != n {
		return &graders.Failure{Reason: "get-document after the trial does not hold the replayed text (a lost edit)",
			Expected: fmt.Sprintf(`{"content":%q,"version":%d}`, want, n), Actual: scenario.Describe(scenario.Normalize(a))}
	}
	for _, e := range editors {
		text, _, err := e.view(doc)
		if err != nil || string(text) != want {
			return &graders.Failure{Reason: fmt.Sprintf("editor %c's replay of its doc-updates diverges from get-document", 'A'+e.idx),
				Expected: fmt.Sprintf("%q", want), Actual: fmt.Sprintf("%q %v", string(text), err)}
		}
	}
	return nil
}

func (e *otEditor) updatesOf(doc string) map[int]otUpdate {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := map[int]otUpdate{}
	for k, v := range e.updates[doc] {
		out[k] = v
	}
	return out
}

func otDescribe(u otUpdate) string {
	if u.err != nil {
		return u.err.Error()
	}
	return u.op.String()
}

// otHistory is the shortest history that shows a wrong op at version v:
// the text at the version the op was made on, the ops applied since, and
// the op as sent.
func otHistory(texts [][]rune, applied []otOp, byVersion map[int]otSent, s otSent, v int) string {
	out := []string{fmt.Sprintf("text at version %d: %q", s.base, string(texts[s.base]))}
	for u := s.base + 1; u < v; u++ {
		p := byVersion[u]
		out = append(out, fmt.Sprintf("version %d: editor %c sent %s on version %d, applied as %s", u, 'A'+p.editor, p.op, p.base, applied[u]))
	}
	out = append(out, fmt.Sprintf("version %d: editor %c sent %s on version %d", v, 'A'+s.editor, s.op, s.base))
	return "  " + strings.Join(out, "\n  ")
}
