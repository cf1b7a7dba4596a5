package reports

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// junitSuites is the root of a JUnit XML report, in the form CI systems read (Jenkins'
// junit-10.xsd, GitLab, GitHub's test reporters).
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
	SystemOut  string          `xml:"system-out,omitempty"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes c as JUnit XML: one test suite, a test case per row (the groups, then
// overall) that fails when the row regressed, with the row's figures; the options as
// properties; the comparison's text (its tables and notes) as the suite's output.
func WriteJUnit(w io.Writer, c *Comparison, decimals int) error {
	s := junitSuite{Name: "realx compare " + c.Base + " → " + c.New, Time: "0", Properties: []junitProperty{
		{"base", c.Base}, {"new", c.New}, {"by", c.By},
		{"max_drop", strconv.FormatFloat(c.Options.MaxDrop, 'f', -1, 64)},
		{"alpha", strconv.FormatFloat(c.Options.Alpha, 'f', -1, 64)},
		{"aligned", strconv.Itoa(c.Aligned)},
	}}
	for _, r := range c.Rows {
		tc := junitCase{Name: r.Key, Classname: "realx.compare." + c.By, Time: "0",
			SystemOut: fmt.Sprintf("n %d; base %s; new %s; Δ %s points [%s, %s]; worse %d, better %d; p %s, p (Holm) %s",
				r.N, formatPct(r.Base, decimals), formatPct(r.New, decimals), formatDelta(r.Delta, decimals),
				formatDelta(r.CILow, decimals), formatDelta(r.CIHigh, decimals), r.Worse, r.Better, formatP(r.P), formatP(r.PHolm))}
		if r.Regression {
			tc.Failure = &junitFailure{Type: "regression", Text: tc.SystemOut,
				Message: fmt.Sprintf("%s dropped %s points (p = %s, beyond the allowed %s)", r.Key, formatDelta(r.Delta, decimals),
					formatP(r.PHolm), strconv.FormatFloat(c.Options.MaxDrop, 'f', -1, 64))}
			s.Failures++
		}
		s.Cases = append(s.Cases, tc)
	}
	s.Tests = len(s.Cases)
	var text bytes.Buffer
	if err := Write(&text, c, "text", decimals); err != nil {
		return err
	}
	s.SystemOut = text.String()
	root := junitSuites{Name: "realx compare", Tests: s.Tests, Failures: s.Failures, Suites: []junitSuite{s}}
	var b strings.Builder
	b.WriteString(xml.Header)
	enc := xml.NewEncoder(&b)
	enc.Indent("", "  ")
	if err := enc.Encode(root); err != nil {
		return err
	}
	b.WriteString("\n")
	_, err := io.WriteString(w, b.String())
	return err
}
