// Package exercise is the one home of an exercise's identity: its id
// ("q17"), how an id typed by a person is read ("Q09", "q9" and "9" all
// name q9), the course order of ids, its title, and the name every file of
// the exercise carries.
//
// Every file and folder of an exercise is named after its stem, the
// two-digit id and a slug: q34_rate_limit.yaml, q34_rate_limit.go,
// q34_rate_limit.md, public/q06_backoff/. So `ls *q34*` in any folder of
// the tree finds the exercise's files there, and `rtlab list --files q34`
// lists them all.
package exercise

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Exercise is one exercise of the course, or one named fixture that is
// served like an exercise ("conformance").
type Exercise struct {
	// ID is the normal form of the id: "q17", or a fixture's name.
	ID string
	// Num is the exercise's number in the course; 0 for a fixture.
	Num int
	// Slug names the exercise in its file names, after the padded id
	// ("rate_limit" in q34_rate_limit.go). Empty for a fixture.
	Slug string
	// Title is the exercise's short name, as reports and `rtlab list` show
	// it. It is written here and nowhere else.
	Title string
}

// Stem is the start of every file name of the exercise: the two-digit id
// and the slug ("q06_backoff"). For a fixture it is its id.
func (e Exercise) Stem() string {
	if e.Num == 0 {
		return e.ID
	}
	return fmt.Sprintf("q%02d_%s", e.Num, e.Slug)
}

// Normalize maps "Q09", "q9", " 9 " and "q009" to "q9". Anything that is
// not a number (with or without its q) is trimmed and lowered: fixtures
// ("conformance") keep their names.
func Normalize(id string) string {
	s := strings.ToLower(strings.TrimSpace(id))
	num := strings.TrimLeft(strings.TrimPrefix(s, "q"), "0")
	if num != "" && strings.Trim(num, "0123456789") == "" {
		return "q" + num
	}
	return s
}

// Parse normalises id and finds the exercise or fixture it names; an id
// the course does not have is an error that says how ids are written.
func Parse(id string) (Exercise, error) {
	if e, ok := Lookup(id); ok {
		return e, nil
	}
	return Exercise{}, fmt.Errorf("no exercise %q in the course (ids are q1 to q38; q09 = q9)", strings.TrimSpace(id))
}

// Lookup finds the exercise or fixture that id names, in any spelling
// Normalize accepts.
func Lookup(id string) (Exercise, bool) {
	n := Normalize(id)
	for _, e := range table {
		if e.ID == n {
			return e, true
		}
	}
	return Exercise{}, false
}

// Title returns the title of the exercise id names, "" for an id the
// course does not have.
func Title(id string) string {
	e, _ := Lookup(id)
	return e.Title
}

// Stem returns the file-name stem of the exercise id names ("q06_backoff"
// for "q6"), or the normalised id itself for an id the course does not
// have.
func Stem(id string) string {
	if e, ok := Lookup(id); ok {
		return e.Stem()
	}
	return Normalize(id)
}

// Number returns the course number of a normalised id ("q17" → 17), or 0
// for a name that is not one.
func Number(id string) int {
	n, err := strconv.Atoi(strings.TrimPrefix(id, "q"))
	if err != nil || !strings.HasPrefix(id, "q") || n < 0 {
		return 0
	}
	return n
}

// Compare orders normalised ids in course order: q2 before q10, and every
// numbered exercise before a named fixture; fixtures by name.
func Compare(a, b string) int {
	na, nb := Number(a), Number(b)
	switch {
	case na > 0 && nb > 0 && na != nb:
		return na - nb
	case na > 0 && nb == 0:
		return -1
	case na == 0 && nb > 0:
		return 1
	}
	return strings.Compare(a, b)
}

// Less reports whether a comes before b in course order (see Compare).
func Less(a, b string) bool { return Compare(a, b) < 0 }

// Sort puts normalised ids in course order, in place.
func Sort(ids []string) { slices.SortFunc(ids, Compare) }

// All returns every exercise and fixture, in course order.
func All() []Exercise { return slices.Clone(table) }
