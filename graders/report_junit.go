package graders

import (
	"encoding/xml"
	"fmt"
	"io"
)

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Time     string      `xml:"time,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitMessage `xml:"failure,omitempty"`
	Error     *junitMessage `xml:"error,omitempty"`
	Skipped   *junitMessage `xml:"skipped,omitempty"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Body    string `xml:",chardata"`
}

// WriteJUnit writes one testsuite per exercise and one testcase per check,
// for CI systems. A harness error (unreachable server) is an <error>.
func WriteJUnit(w io.Writer, reports []*Report) error {
	var all junitSuites
	for _, r := range reports {
		s := junitSuite{Name: r.Exercise + " " + r.Title, Time: fmt.Sprintf("%.3f", r.Duration.Seconds())}
		if r.Err != nil {
			s.Errors++
			s.Tests++
			s.Cases = append(s.Cases, junitCase{Name: "reach the server", Classname: r.Exercise,
				Error: &junitMessage{Message: Printable(r.Err.Error())}})
		}
		for _, c := range r.Checks {
			jc := junitCase{Name: c.ID + ": " + c.Name, Classname: r.Exercise,
				Time: fmt.Sprintf("%.3f", c.Duration.Seconds())}
			switch c.Status {
			case Fail:
				jc.Failure = &junitMessage{Message: Printable(c.Reason), Body: Printable(c.Message())}
				s.Failures++
			case Skip:
				jc.Skipped = &junitMessage{Message: Printable(c.Reason)}
				s.Skipped++
			case Missing, Review:
				jc.Skipped = &junitMessage{Message: Printable(string(c.Status) + ": " + c.Reason)}
				s.Skipped++
			}
			s.Tests++
			s.Cases = append(s.Cases, jc)
		}
		all.Tests += s.Tests
		all.Failures += s.Failures + s.Errors
		all.Skipped += s.Skipped
		all.Suites = append(all.Suites, s)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(all); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
