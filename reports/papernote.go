package reports

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/realx-bench/realx/tasks"
)

// runPaper is what a run's manifest says of the numbers papers report on its suites: each
// suite's paper: block, and the name of the model the run ran, which picks the numbers that
// are its own.
type runPaper struct {
	model string
	// suites holds each suite's numbers, by the suite's name.
	suites map[string][]tasks.PaperNumber
}

// paperOf returns the paper numbers of the run of manifest m, nil when its suites declare none.
func paperOf(m *Manifest) *runPaper {
	p := &runPaper{model: m.Model.Name, suites: map[string][]tasks.PaperNumber{}}
	for _, s := range m.Suites {
		if len(s.Paper) > 0 {
			p.suites[s.Name] = s.Paper
		}
	}
	if len(p.suites) == 0 {
		return nil
	}
	return p
}

// paperNotes returns a note for each accuracy a paper reports on a suite of a run for the
// run's model (the number's model is the run's model name, as a preset names it): the paper's
// figure and where it is printed, the run's, and the difference. A figure over a capability
// is compared with that capability's row when the table's rows are the capabilities. multi
// says the table spans several suites.
func (a *Accuracy) paperNotes(multi bool) []string {
	var out []string
	for _, run := range a.runs {
		e := a.coverage.expected[run]
		if e == nil || e.paper == nil {
			continue
		}
		for _, suite := range slices.Sorted(maps.Keys(e.paper.suites)) {
			for _, n := range e.paper.suites[suite] {
				if n.MetricName() != "accuracy" || !strings.EqualFold(n.Model, e.paper.model) {
					continue
				}
				out = append(out, a.paperNote(run, suite, n, multi))
			}
		}
	}
	return out
}

// paperNote says how run's accuracy on suite compares with paper number n.
func (a *Accuracy) paperNote(run, suite string, n tasks.PaperNumber, multi bool) string {
	what := suite
	if n.Capability != "" {
		what += "/" + n.Capability
	}
	note := fmt.Sprintf("paper: %s %s %.1f (%s); measured by %s:", what, n.Model, n.Value, n.Source, run)
	var t *tally
	var expected func(*Expected) (int, int, bool)
	switch {
	case n.Capability == "" && multi:
		t, expected = a.bySuite[cellKey{groupKey{suite, ""}, run}], suiteExpected(suite)
	case n.Capability == "":
		t, expected = a.total[run], totalExpected
	case a.by == "capability":
		g := groupKey{suite, n.Capability}
		t, expected = a.cells[cellKey{g, run}], func(e *Expected) (int, int, bool) { return e.group(g, a.by) }
	default:
		return note + " not compared: the rows are grouped by " + a.by + ", not by capability"
	}
	c := a.finish(t, run, expected)
	if !c.Defined() {
		return note + " no graded sample"
	}
	note += fmt.Sprintf(" %.1f, Δ %s", c.Accuracy, formatDelta(c.Accuracy-n.Value, 1))
	if c.Samples < c.ExpectedSamples {
		note += fmt.Sprintf(" (%d of %d samples)", c.Samples, c.ExpectedSamples)
	}
	return note
}
