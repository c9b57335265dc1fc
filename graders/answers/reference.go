package answers

import (
	"errors"
	"io/fs"
	"strings"

	"rtlab/internal/exercise"
)

// AttachReferences sets each rubric's Reference to its exercise's
// reference answer, the file qNN_slug.md of fsys (reference/answers.FS()
// in the binary), its title heading left out. A rubric without such a file
// keeps an empty Reference; a file that cannot be read is an error.
func AttachReferences(rubrics map[string]*Rubric, fsys fs.FS) error {
	for id, r := range rubrics {
		data, err := fs.ReadFile(fsys, exercise.Stem(id)+".md")
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		r.Reference = ReferenceText(data)
	}
	return nil
}

// ReferenceText is a reference answer file without its title heading
// ("# Q20 — …"): the text a student's answer under "## Q20" compares with.
func ReferenceText(md []byte) string {
	s := strings.TrimLeft(string(md), "\n")
	if strings.HasPrefix(s, "# ") {
		if i := strings.IndexByte(s, '\n'); i >= 0 {
			return strings.TrimLeft(s[i+1:], "\n")
		}
		return ""
	}
	return s
}
