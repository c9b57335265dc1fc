package answers

import (
	"embed"
	"io/fs"
)

//go:embed q*.md
var files embed.FS

// FS returns the reference answers, one Markdown file per exercise named by
// its stem (q20_emit_demo.md), so that the rtlab binary can grade them
// against their rubrics (`rtlab grade` with no --url) and show them beside
// a student's text for review.
func FS() fs.FS { return files }
