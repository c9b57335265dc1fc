package answers

import (
	"regexp"
	"strings"
)

// Suffix ends the name of every rubric file: q20_emit_demo.answer.yaml.
const Suffix = ".answer.yaml"

// Rubric is what a written answer to one exercise must say.
type Rubric struct {
	// Exercise is the normalised id ("q20").
	Exercise string `yaml:"exercise"`
	// Title comes from package exercise.
	Title string `yaml:"-"`
	// Summary says, in a student's words, what the answer should cover;
	// rtlab explain prints it above the facts.
	Summary string `yaml:"summary"`
	// Facts are checked in order, each a check with its own verdict.
	Facts []*Fact `yaml:"facts"`
	// Review lists what a person judges (graders.Review).
	Review []*ReviewItem `yaml:"review"`
	// Reference is the whole reference answer, shown beside the student's
	// text for a review item that has no reference of its own. Empty until
	// AttachReferences fills it.
	Reference string `yaml:"-"`
	// File names the rubric in error messages.
	File string `yaml:"-"`
}

// Fact is one thing the answer must state, and how to recognise it.
type Fact struct {
	// ID is unique within the rubric ("broadcast-not-sender").
	ID string `yaml:"id"`
	// Name is the check's sentence, as the student reads it in the report.
	// It names the fact without giving away a figure the student must work
	// out.
	Name string `yaml:"name"`
	// Points is the fact's worth; 0 means 1 (graders.CheckResult.Points).
	Points int `yaml:"points"`
	// Hint is shown under a failure.
	Hint string `yaml:"hint"`
	// Within is where the terms must be found together: "sentence" (a
	// sentence, a table row, a list item's sentence), "paragraph" (a
	// paragraph, a list item, a table row) or "" (default: anywhere in the
	// answer, each term on its own).
	Within string `yaml:"within"`
	// All are terms that must each be found.
	All []*Term `yaml:"all"`
	// Any are terms of which one must be found (none given: no such need).
	Any []*Term `yaml:"any"`
	// None are statements that contradict the fact: a sentence (or
	// paragraph) that holds the terms but also one of these does not count
	// ("io.emit reaches everyone except the sender" is not "io.emit reaches
	// everyone"). Use them for contradictions only, never for extra facts.
	None []*Term `yaml:"none"`
	// Wrong are common mistakes: when the fact fails and one of these is
	// found, the message says so ("found instead: …"). They never fail a
	// fact by themselves: an answer may mention 400 beside 101.
	Wrong []*Term `yaml:"wrong"`
	// Line is the fact's line in its file.
	Line int `yaml:"-"`
}

// ReviewItem is a part of the answer that a person must judge.
type ReviewItem struct {
	ID   string `yaml:"id"`
	Name string `yaml:"name"`
	// Reference is what a good answer says here; default: the whole
	// reference answer (Rubric.Reference).
	Reference string `yaml:"reference"`
	Line      int    `yaml:"-"`
}

// Term is one meaning-bearing token and the spellings that say it. Each
// spelling is a figure ("48,000,000 B", "25 s", "101": a number and its
// unit, found in any unit of the same dimension), a pattern written
// between slashes (/except (the )?sender/: a regular expression on the
// normalised text, lower-case words separated by single spaces), or else
// a phrase (found with case, punctuation and a plural ending ignored).
type Term struct {
	// What names the term in messages; default: its first spelling. Set it
	// when the spelling would give the answer away ("the bytes per minute
	// of short polling") or is a pattern.
	What string `yaml:"what"`
	// Spellings are the accepted ways of writing it.
	Spellings []string `yaml:"any"`
	Line      int      `yaml:"-"`

	phrases    []*regexp.Regexp
	phraseText []string       // the spelling of each phrase, for messages
	anyPhrase  *regexp.Regexp // all phrases in one expression, to find one fast
	patterns   []*regexp.Regexp
	figures    []quantity
}

// Label is how messages name the term.
func (t *Term) Label() string {
	if t.What != "" {
		return t.What
	}
	for _, s := range t.Spellings {
		if !isPattern(s) {
			return s
		}
	}
	return "what it stands for"
}

// isPattern reports whether a spelling is a /regular expression/.
func isPattern(s string) bool {
	return len(s) >= 2 && strings.HasPrefix(s, "/") && strings.HasSuffix(s, "/")
}
