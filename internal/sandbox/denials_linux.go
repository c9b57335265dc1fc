package sandbox

import (
	"fmt"
	"strings"
)

// denial is a sign, in a server's output, that the sandbox denied it
// something: Node.js and the shell print the errno of a refused call.
type denial struct {
	kind    string
	signs   []string
	explain string
}

// denials are matched against each line a server prints. The output is the
// only place a denial is visible from outside the kernel without tracing
// the process; what a server tried and did not print is still denied, just
// not reported.
var denials = []denial{
	{"network", []string{"ENETUNREACH", "Network is unreachable", "EAI_AGAIN", "getaddrinfo ENOTFOUND"},
		"tried to connect out and was refused: the sandbox has no network but loopback"},
	{"write", []string{"EROFS", "Read-only file system"},
		"tried to write outside /tmp and HOME and was refused: the filesystem is read-only"},
	{"processes", []string{"EAGAIN", "Resource temporarily unavailable", "fork: retry", "Cannot fork"},
		"hit the process limit: a new process or thread was refused"},
	{"filesize", []string{"EFBIG", "File too large"},
		"hit the file size limit"},
	{"files", []string{"EMFILE", "Too many open files"},
		"hit the open files limit"},
}

// scan records a note for each kind of denial line shows.
func (b *Box) scan(line string) {
	for _, d := range denials {
		for _, sign := range d.signs {
			if strings.Contains(line, sign) {
				b.note(d.kind, fmt.Sprintf("%s (it printed: %s)", d.explain, clip(strings.TrimSpace(line), 160)))
				break
			}
		}
	}
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
