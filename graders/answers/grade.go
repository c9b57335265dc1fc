package answers

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"rtlab/graders"
	"rtlab/internal/exercise"
)

// Grade judges one answer, the text under the exercise's heading, against
// the rubric: a check per fact (pass or fail), then the review items. An
// answer that says nothing (empty, or only a template's <!-- comments -->)
// is Missing throughout, not failed.
func (r *Rubric) Grade(text string) *graders.Report {
	start := time.Now()
	ps := passages(text)
	if len(ps) == 0 {
		return r.missing()
	}
	rep := &graders.Report{Exercise: r.Exercise, Title: r.Title}
	for _, f := range r.Facts {
		rep.Checks = append(rep.Checks, f.grade(ps))
	}
	for _, it := range r.Review {
		ref := it.Reference
		if ref == "" {
			ref = r.Reference
		}
		rep.Checks = append(rep.Checks, graders.CheckResult{
			ID: it.ID, Name: it.Name, Status: graders.Review,
			Reason:    "an instructor reads it beside the reference answer",
			Reference: strings.TrimSpace(ref), Submitted: strings.TrimSpace(text),
		})
	}
	rep.Duration = time.Since(start)
	return rep
}

// missing is the report of an exercise the answers do not cover.
func (r *Rubric) missing() *graders.Report {
	rep := &graders.Report{Exercise: r.Exercise, Title: r.Title}
	why := fmt.Sprintf("no answer under a \"## %s\" heading", strings.ToUpper(r.Exercise))
	for _, f := range r.Facts {
		rep.Checks = append(rep.Checks, graders.CheckResult{ID: f.ID, Name: f.Name, Status: graders.Missing, Reason: why, Points: f.Points})
	}
	for _, it := range r.Review {
		rep.Checks = append(rep.Checks, graders.CheckResult{ID: it.ID, Name: it.Name, Status: graders.Missing, Reason: why})
	}
	return rep
}

// GradeDoc grades a whole answers.md: each exercise of ids (every rubric's
// exercise, in course order, when ids is empty) against its rubric. An
// exercise the document has no heading for yields Missing verdicts; an id
// with no rubric yields a report whose Err says so.
func GradeDoc(md []byte, rubrics map[string]*Rubric, ids []string) []*graders.Report {
	parts := Split(md)
	if len(ids) == 0 {
		for id := range rubrics {
			ids = append(ids, id)
		}
		exercise.Sort(ids)
	}
	out := make([]*graders.Report, 0, len(ids))
	for _, raw := range ids {
		id := exercise.Normalize(raw)
		r, ok := rubrics[id]
		if !ok {
			out = append(out, &graders.Report{Exercise: id, Title: exercise.Title(id),
				Err: fmt.Errorf("%s has no written-answer rubric (rtlab list shows which exercises do)", id)})
			continue
		}
		out = append(out, r.Grade(parts[id]))
	}
	return out
}

// grade looks for the fact's terms in the answer's passages.
func (f *Fact) grade(ps []passage) graders.CheckResult {
	res := graders.CheckResult{ID: f.ID, Name: f.Name, Points: f.Points}
	for _, scope := range f.scopes(ps) {
		if f.holds(scope) {
			res.Status = graders.Pass
			return res
		}
	}
	res.Status = graders.Fail
	res.Hint = f.Hint
	res.Reason, res.Actual = f.explain(ps)
	return res
}

// scopes groups the passages as Within asks: each sentence, each
// paragraph, or the whole answer.
func (f *Fact) scopes(ps []passage) [][]passage {
	switch f.Within {
	case "sentence":
		out := make([][]passage, len(ps))
		for i := range ps {
			out[i] = ps[i : i+1]
		}
		return out
	case "paragraph":
		var out [][]passage
		for i := 0; i < len(ps); {
			j := i
			for j < len(ps) && ps[j].Para == ps[i].Para {
				j++
			}
			out = append(out, ps[i:j])
			i = j
		}
		return out
	}
	return [][]passage{ps}
}

// holds reports whether every All term and one Any term are in scope,
// and no None term.
func (f *Fact) holds(scope []passage) bool {
	return f.found(scope) && !slices.ContainsFunc(f.None, func(t *Term) bool { return t.in(scope) })
}

// found reports whether every All term and one Any term are in scope.
func (f *Fact) found(scope []passage) bool {
	for _, t := range f.All {
		if !t.in(scope) {
			return false
		}
	}
	if len(f.Any) == 0 {
		return true
	}
	return slices.ContainsFunc(f.Any, func(t *Term) bool { return t.in(scope) })
}

// in reports whether one of the term's spellings is in one of ps.
func (t *Term) in(ps []passage) bool {
	for _, p := range ps {
		if t.inPassage(p) {
			return true
		}
	}
	return false
}

// which names what of the term ps hold: the phrase or the figure as the
// answer wrote it, or the term's label for a pattern.
func (t *Term) which(ps []passage) string {
	for _, p := range ps {
		for i, re := range t.phrases {
			if re.MatchString(p.Norm) {
				return t.phraseText[i]
			}
		}
		for _, want := range t.figures {
			for _, q := range p.Figures {
				if want.matches(q) {
					return q.Text
				}
			}
		}
	}
	return t.Label()
}

// inPassage reports whether one of the term's spellings is in p.
func (t *Term) inPassage(p passage) bool {
	if t.anyPhrase != nil && t.anyPhrase.MatchString(p.Norm) {
		return true
	}
	for _, re := range t.patterns {
		if re.MatchString(p.Norm) {
			return true
		}
	}
	for _, want := range t.figures {
		for _, q := range p.Figures {
			if want.matches(q) {
				return true
			}
		}
	}
	return false
}

// explain says why the fact failed, in the student's terms: what the
// answer does not mention, or which terms it mentions apart; and what it
// says instead (a common mistake from Wrong, or the figures it gives where
// one was expected).
func (f *Fact) explain(ps []passage) (reason, actual string) {
	var absent []string
	for _, t := range f.All {
		if !t.in(ps) {
			absent = append(absent, t.Label())
		}
	}
	if len(f.Any) > 0 && !slices.ContainsFunc(f.Any, func(t *Term) bool { return t.in(ps) }) {
		var alts []string
		for _, t := range f.Any {
			alts = append(alts, t.Label())
		}
		absent = append(absent, strings.Join(alts, " or "))
	}
	var contradicted []string
	for _, scope := range f.scopes(ps) {
		if !f.found(scope) {
			continue
		}
		for _, t := range f.None {
			if t.in(scope) && !slices.Contains(contradicted, t.Label()) {
				contradicted = append(contradicted, t.Label())
			}
		}
	}
	switch {
	case len(absent) > 0:
		reason = "the answer does not mention " + strings.Join(absent, ", nor ")
	case len(contradicted) > 0:
		where := "there"
		if f.Within != "" {
			where = "in the same " + f.Within
		}
		reason = "the answer says " + strings.Join(contradicted, " and ") + " " + where + ", which contradicts it"
	default:
		var found []string
		for _, t := range f.All {
			found = append(found, t.which(ps))
		}
		for _, t := range f.Any {
			if t.in(ps) {
				found = append(found, t.which(ps))
				break
			}
		}
		reason = fmt.Sprintf("the answer mentions %s, but not in the same %s", strings.Join(found, " and "), f.Within)
	}
	var instead []string
	for _, t := range f.Wrong {
		if t.in(ps) {
			instead = append(instead, t.Label())
		}
	}
	instead = append(instead, f.otherFigures(ps)...)
	if len(instead) > 0 {
		actual = "found instead: " + strings.Join(instead, "; ")
	}
	return reason, actual
}

// otherFigures lists, for a fact that wants a figure with a unit (bytes,
// seconds), the other figures of that dimension the answer gives: beside
// the fact's other terms when it names them (Q12's "short polling: 600,000
// B"), else anywhere; at most five, leaving out those a Wrong term already
// names. A bare number (a status or close code) has no dimension to
// compare: its common mistakes are Wrong terms.
func (f *Fact) otherFigures(ps []passage) []string {
	var wanted []quantity
	var others []*Term
	for _, t := range slices.Concat(f.All, f.Any) {
		if len(t.figures) == 0 {
			others = append(others, t)
			continue
		}
		for _, q := range t.figures {
			if q.Dim != "" {
				wanted = append(wanted, q)
			}
		}
	}
	if len(wanted) == 0 {
		return nil
	}
	near := ps
	if len(others) > 0 {
		near = nil
		for _, p := range ps {
			if slices.ContainsFunc(others, func(t *Term) bool { return t.inPassage(p) }) {
				near = append(near, p)
			}
		}
		if len(near) == 0 {
			near = ps
		}
	}
	dims := map[string]bool{}
	for _, w := range wanted {
		dims[w.Dim] = true
	}
	var out []string
	for _, p := range near {
		for _, q := range p.Figures {
			right := slices.ContainsFunc(wanted, func(w quantity) bool { return w.matches(q) })
			named := slices.ContainsFunc(f.Wrong, func(t *Term) bool {
				return slices.ContainsFunc(t.figures, func(w quantity) bool { return w.matches(q) })
			})
			if dims[q.Dim] && !right && !named && !slices.Contains(out, q.Text) && len(out) < 5 {
				out = append(out, q.Text)
			}
		}
	}
	return out
}
