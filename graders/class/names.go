package class

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"rtlab/graders"
)

// FileStem is the name of a student's files (results/<stem>.json,
// <stem>.html, gradescope/<stem>/). Student names come from the students'
// own manifests: they may hold slashes, dots, markup or a name another
// student also claims. The stem is the student's name when it is already a
// plain lower-case file name and the submission's folder has the same
// name (the usual case, a GitHub Classroom clone); otherwise a cleaned-up
// name followed by a hash of the folder, which is unique in the class. It
// depends on nothing else, so every shard of a class names a student the
// same way.
func FileStem(student, folder string) string {
	s := cleanName(student)
	if s == student && student == folder && s != "" {
		return s
	}
	if s == "" {
		s = "student"
	}
	sum := sha256.Sum256([]byte(folder))
	return s + "-" + hex.EncodeToString(sum[:4])
}

// maxStem bounds the readable part of a stem: file systems cap a name at
// 255 bytes, and a report's links stay readable.
const maxStem = 64

// cleanName lowers s (case-insensitive file systems would fold Alice and
// alice into one file) and keeps letters, digits and . _ - @ +, each
// other rune becoming _; it drops leading dots and dashes (hidden files,
// flags) and names Windows reserves.
func cleanName(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '.', r == '_', r == '-', r == '@', r == '+':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
		if b.Len() >= maxStem {
			break
		}
	}
	out := strings.TrimLeft(b.String(), ".-")
	base, _, _ := strings.Cut(out, ".")
	switch base {
	case "con", "prn", "aux", "nul", "com1", "com2", "com3", "com4", "lpt1", "lpt2", "lpt3":
		return "_" + out
	}
	return out
}

// printableName is a student's name for a terminal line: control runes
// escaped, on one line.
func printableName(s string) string {
	return strings.ReplaceAll(graders.Printable(s), "\n", `\n`)
}
