// Package yamlerr reads the line a YAML error is about, for the files
// rtlab parses (scenarios, rubrics, a submission's rtlab.yaml), which all
// report "file:line: message" to the person who wrote them. goccy/go-yaml
// says the line in one of two ways, a token on the error or a
// "[line:column] " prefix on its text, and the position of a node in a
// third; this package reads all three in one place.
package yamlerr

import (
	"errors"
	"regexp"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
)

// prefix is the [line:column] goccy/go-yaml puts in front of a message.
var prefix = regexp.MustCompile(`^\[(\d+):(\d+)\]\s*`)

// Locate returns the 1-based line err is about and its message without
// the position: the token's line and message for a yaml.Error that has
// one, else the line of a "[line:column] " prefix and the rest of the
// first line (the lines after it quote the source). Without either, line
// is 0 and msg is err's whole text.
func Locate(err error) (line int, msg string) {
	var ye yaml.Error
	if errors.As(err, &ye) {
		if tk := ye.GetToken(); tk != nil && tk.Position != nil {
			return tk.Position.Line, ye.GetMessage()
		}
	}
	msg = err.Error()
	if m := prefix.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		return line, strings.SplitN(msg[len(m[0]):], "\n", 2)[0]
	}
	return 0, msg
}

// NodeLine is the 1-based line of n, 0 when n or its position is unknown.
func NodeLine(n ast.Node) int {
	if n == nil || n.GetToken() == nil || n.GetToken().Position == nil {
		return 0
	}
	return n.GetToken().Position.Line
}
