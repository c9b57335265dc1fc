package graders

import (
	"context"
	"fmt"
	"strings"

	"rtlab/graders/scenario"
)

func (r *stepRun) logStep(ctx context.Context, st *scenario.LogStep) error {
	p := r.opts.Server
	if p == nil {
		return &ScenarioError{"a log step ran without --cmd"}
	}
	re, what, err := r.logMatcher(st)
	if err != nil {
		return err
	}
	stream := st.Stream
	if stream == "" {
		stream = "stdout"
	}
	var want any
	if st.JSON != nil {
		w, err := r.expand(st.JSON)
		if err != nil {
			return err
		}
		want = scenario.Normalize(w)
	}
	count := st.Count
	if count <= 0 {
		count = 1
	}
	var matched []any
	var lastNear string
	pred := func(lines []LogLine) bool {
		matched = matched[:0]
		for _, l := range lines {
			if stream != "both" && l.Stream != stream {
				continue
			}
			if !re.MatchString(l.Text) {
				continue
			}
			var v any = l.Text
			if want != nil {
				d, err := scenario.DecodeJSON([]byte(strings.TrimSpace(l.Text)))
				if err != nil {
					lastNear = l.Text + " (not JSON)"
					continue
				}
				if m := scenario.Match(want, d, nil); m != nil {
					lastNear = l.Text + " (" + m.String() + ")"
					continue
				}
				v = d
			}
			matched = append(matched, v)
		}
		return !st.Absent && len(matched) >= count
	}
	within := st.Within
	if st.Absent {
		if within <= 0 {
			within = r.opts.QuietPeriod
		}
	} else if within <= 0 {
		within = r.opts.Timeout
	}
	wctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	ok := p.WaitLines(wctx, pred)
	if st.Absent {
		if len(matched) > 0 {
			return &Failure{Reason: fmt.Sprintf("the server's %s has %s, which it should not", stream, what),
				Expected: "no such line", Actual: scenario.Describe(matched[0])}
		}
		return nil
	}
	if !ok {
		f := &Failure{Reason: fmt.Sprintf("the server's %s did not show %s within %s", stream, what, within),
			Expected: fmt.Sprintf("%d such line(s)", count), Actual: fmt.Sprintf("%d", len(matched))}
		if lastNear != "" {
			f.Actual += "; closest: " + scenario.Shorten(lastNear, 300)
		}
		f.Recent = p.tail(5)
		return f
	}
	if want != nil && len(st.Save) > 0 {
		return r.save(st.Save, matched[len(matched)-1], "the log line")
	}
	return nil
}

type containsMatcher string

func (c containsMatcher) MatchString(s string) bool { return strings.Contains(s, string(c)) }

type allMatcher []string

func (a allMatcher) MatchString(s string) bool {
	for _, sub := range a {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

// lineMatcher says whether a log line is the one a log step looks for.
type lineMatcher interface{ MatchString(string) bool }

// logMatcher builds what a log step looks for (match:, contains: or
// contains_all:, variables expanded) and its description.
func (r *stepRun) logMatcher(st *scenario.LogStep) (re lineMatcher, what string, err error) {
	if st.Match != "" {
		x, err := r.expandRegexp(st.Match)
		if err != nil {
			return nil, "", err
		}
		re, what = x, "a line matching /"+x.String()+"/"
	} else if st.Contains != "" {
		s, err := r.expandString(st.Contains)
		if err != nil {
			return nil, "", err
		}
		re, what = containsMatcher(s), fmt.Sprintf("a line containing %q", s)
	} else {
		var all allMatcher
		for _, raw := range st.ContainsAll {
			s, err := r.expandString(raw)
			if err != nil {
				return nil, "", err
			}
			all = append(all, s)
		}
		re, what = all, fmt.Sprintf("a line containing all of %q", []string(all))
	}
	return re, what, nil
}
