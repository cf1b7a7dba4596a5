package reports

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/realx-bench/realx/runners"
)

// Expected is the sample set a run should have graded, as its manifest says: for each suite,
// how many samples (by capability, when the manifest counted them) and how many repeats of
// each. Reports count against it, so that a run missing samples says so rather than looking
// complete.
type Expected struct {
	suites map[string]expectedSuite
	// paper holds the paper numbers of the run's suites and its model's name (papernote.go);
	// nil when the manifest has none.
	paper *runPaper
}

// expectedSuite is what a run should hold of one suite.
type expectedSuite struct {
	samples, repeats int
	// byCapability counts the samples by capability (NoGroup for none); nil when unknown.
	byCapability map[string]int
}

// ExpectedOf returns what the run of manifest m should hold: the samples of its suites (of
// its shard, for a shard) times their repeats. It returns nil when m does not say: no
// manifest, or a shard whose manifest predates realx counting the shard's samples.
func ExpectedOf(m *Manifest) *Expected {
	if m == nil || len(m.Suites) == 0 {
		return nil
	}
	e := &Expected{suites: map[string]expectedSuite{}}
	for _, s := range m.Suites {
		es := expectedSuite{samples: s.Samples, repeats: max(s.Repeats, m.Repeats, 1)}
		counts := s.Capabilities
		if m.Shard != nil {
			if s.ShardSamples == nil {
				return nil
			}
			counts = s.ShardSamples
		}
		if counts != nil {
			es.samples, es.byCapability = 0, map[string]int{}
			for c, n := range counts {
				if c == "" {
					c = NoGroup
				}
				es.byCapability[c] += n
				es.samples += n
			}
		}
		e.suites[s.Name] = es
	}
	e.paper = paperOf(m)
	return e
}

// commonExpected is the Expected of a run restricted to common: the samples of each suite
// that every run graded, with the run's repeats; of the suites in has alone, when it is not
// nil.
func commonExpected(full *Expected, common map[sampleKey]bool, has map[string]bool) *Expected {
	e := &Expected{suites: map[string]expectedSuite{}}
	for k := range common {
		if has != nil && !has[k.suite] {
			continue
		}
		es := e.suites[k.suite]
		es.samples++
		es.repeats = 1
		if full != nil {
			if fs, ok := full.suites[k.suite]; ok {
				es.repeats = fs.repeats
			}
		}
		e.suites[k.suite] = es
	}
	return e
}

// group returns how many samples of group g (grouped by field by) the run should have, and
// how many repeats of each; false when that is unknown (a grouping other than capability or
// suite, or a manifest that did not count capabilities).
func (e *Expected) group(g groupKey, by string) (samples, repeats int, ok bool) {
	if e == nil {
		return 0, 0, false
	}
	s, known := e.suites[g.suite]
	if !known {
		return 0, 0, false // records of a suite the manifest does not name
	}
	switch by {
	case "suite":
		return s.samples, s.repeats, true
	case "capability":
		if s.byCapability == nil {
			return 0, 0, false
		}
		return s.byCapability[g.group], s.repeats, true
	}
	return 0, 0, false
}

// groups returns the groups (by capability or suite) the run should have samples in, so that
// a group with no record at all still has its row.
func (e *Expected) groups(by string) []groupKey {
	if e == nil {
		return nil
	}
	var out []groupKey
	for name, s := range e.suites {
		switch by {
		case "suite":
			out = append(out, groupKey{name, name})
		case "capability":
			for c, n := range s.byCapability {
				if n > 0 {
					out = append(out, groupKey{name, c})
				}
			}
		}
	}
	return out
}

// total returns the samples of every suite, and the records they make (times their repeats).
func (e *Expected) total() (samples, records int) {
	for _, s := range e.suites {
		samples += s.samples
		records += s.samples * s.repeats
	}
	return samples, records
}

// suite returns the samples and repeats of one suite; false when the run has no such suite.
func (e *Expected) suite(name string) (samples, repeats int, ok bool) {
	if e == nil {
		return 0, 0, false
	}
	s, ok := e.suites[name]
	return s.samples, s.repeats, ok
}

// Coverage is how much of its expected sample set a run (or a group of it) has: what every
// report's n of expected says, and what `realx report --require-complete` checks. Counts of
// records count each repeat of a sample; Samples counts samples.
type Coverage struct {
	Run string `json:"run"`
	// Samples counts the samples with a verdict (in at least one repeat); ExpectedSamples
	// those the run should have, -1 when unknown.
	Samples         int `json:"samples"`
	ExpectedSamples int `json:"expected_samples"`
	// Expected counts the records the run should have (samples × repeats), -1 when unknown;
	// Graded those with a verdict, Errored those without (an error kept them from one: never
	// counted as wrong), Missing the expected ones with no record at all (-1 when unknown).
	Expected int `json:"expected"`
	Graded   int `json:"graded"`
	Errored  int `json:"errored"`
	Missing  int `json:"missing"`
	// Stopped counts the graded records that a budget or the model's context ended.
	Stopped int `json:"stopped"`
}

// Known reports whether the expected count is known.
func (c Coverage) Known() bool { return c.Expected >= 0 }

// Complete reports whether every expected record has a verdict; a run whose expected count is
// unknown is complete when none of its records has an error, which is all that can be told.
func (c Coverage) Complete() bool {
	return c.Errored == 0 && (!c.Known() || c.Missing == 0)
}

// Problem says how the run falls short of its expected set, "" when it does not.
func (c Coverage) Problem() string {
	if c.Complete() {
		return ""
	}
	var parts []string
	if c.Missing > 0 {
		parts = append(parts, fmt.Sprintf("%d missing", c.Missing))
	}
	switch {
	case c.Errored == 1:
		parts = append(parts, "1 error")
	case c.Errored > 1:
		parts = append(parts, fmt.Sprintf("%d errors", c.Errored))
	}
	if c.Known() {
		return fmt.Sprintf("%d of %d expected records have a verdict (%s)", c.Graded, c.Expected, strings.Join(parts, ", "))
	}
	return fmt.Sprintf("%d of %d records have a verdict (%s; how many the run should have is unknown)", c.Graded, c.Graded+c.Errored, strings.Join(parts, ", "))
}

// withExpected sets what c should have: samples and records (-1 for unknown), and counts the
// missing records.
func (c Coverage) withExpected(samples, records int) Coverage {
	c.ExpectedSamples, c.Expected, c.Missing = samples, records, -1
	if records >= 0 {
		c.Missing = max(records-c.Graded-c.Errored, 0)
	}
	return c
}

// coverageWire is a Coverage on the wire, its unknown counts null, with whether it is
// complete; a Cell's carries the same counts.
type coverageWire struct {
	Run             string `json:"run,omitempty"`
	Samples         int    `json:"samples"`
	ExpectedSamples *int   `json:"expected_samples"`
	Expected        *int   `json:"expected"`
	Graded          int    `json:"graded"`
	Errored         int    `json:"errored"`
	Missing         *int   `json:"missing"`
	Complete        bool   `json:"complete"`
	Stopped         int    `json:"stopped"`
}

// wire returns c on the wire.
func (c Coverage) wire() coverageWire {
	return coverageWire{c.Run, c.Samples, optCount(c.ExpectedSamples), optCount(c.Expected), c.Graded, c.Errored,
		optCount(c.Missing), c.Complete(), c.Stopped}
}

// coverage returns what w says.
func (w coverageWire) coverage() Coverage {
	return Coverage{Run: w.Run, Samples: w.Samples, ExpectedSamples: countOf(w.ExpectedSamples), Expected: countOf(w.Expected),
		Graded: w.Graded, Errored: w.Errored, Missing: countOf(w.Missing), Stopped: w.Stopped}
}

// MarshalJSON writes the unknown counts (-1) as null, and whether the run is complete.
func (c Coverage) MarshalJSON() ([]byte, error) { return runners.MarshalPlain(c.wire()) }

// UnmarshalJSON reads a coverage as MarshalJSON writes it, null counts as unknown (-1).
func (c *Coverage) UnmarshalJSON(data []byte) error {
	var w coverageWire
	err := json.Unmarshal(data, &w)
	*c = w.coverage()
	return err
}

// optCount returns a count for JSON: nil (null) when it is unknown (negative).
func optCount(n int) *int {
	if n < 0 {
		return nil
	}
	return &n
}

// countOf reads a count optCount wrote: -1 for null.
func countOf(p *int) int {
	if p == nil {
		return -1
	}
	return *p
}

// coverage counts, for the runs of a report, the records it was given against what each run
// should have (Expect): the coverage every report shows. Each report embeds one, and with it
// the Expect and Note of its Report methods.
type coverage struct {
	runs     []string
	expected map[string]*Expected
	told     map[string]bool
	counts   map[string]*Coverage
	samples  map[string]*sampleList[struct{}]
	notes    []string
}

func newCoverage() coverage {
	return coverage{expected: map[string]*Expected{}, told: map[string]bool{}, counts: map[string]*Coverage{},
		samples: map[string]*sampleList[struct{}]{}}
}

// addRun adds run, if it is not there yet.
func (c *coverage) addRun(run string) {
	if _, ok := c.counts[run]; !ok {
		c.runs = append(c.runs, run)
		c.counts[run] = &Coverage{Run: run}
		c.samples[run] = &sampleList[struct{}]{}
	}
}

// Expect says what run, whose column the report has (AddRun), should have: ExpectedOf its
// manifest, nil when unknown. Figures count against it.
func (c *coverage) Expect(run string, e *Expected) {
	c.addRun(run)
	c.expected[run], c.told[run] = e, true
}

// add counts r in run's coverage.
func (c *coverage) add(run string, r *Result) {
	c.addRun(run)
	n := c.counts[run]
	if !r.Graded() {
		n.Errored++
		return
	}
	n.Graded++
	if r.Stop.Budget() {
		n.Stopped++
	}
	c.samples[run].at(sampleKey{r.Suite, r.ID})
}

// of returns run's coverage.
func (c *coverage) of(run string) Coverage {
	n := *c.counts[run]
	n.Samples = c.samples[run].len()
	e := c.expected[run]
	if e == nil {
		return n.withExpected(-1, -1)
	}
	samples, records := e.total()
	return n.withExpected(samples, records)
}

// all returns the coverage of every run, in order.
func (c *coverage) all() []Coverage {
	out := make([]Coverage, 0, len(c.runs))
	for _, run := range c.runs {
		out = append(out, c.of(run))
	}
	return out
}

// incompleteMark marks a figure of an incomplete run or group.
const incompleteMark = "†"

// nOf writes n of expected ("20/50"), marked when incomplete.
func nOf(n, expected int, complete bool) string {
	s := fmt.Sprint(n)
	if expected >= 0 {
		s += "/" + fmt.Sprint(expected)
	}
	if !complete {
		s += incompleteMark
	}
	return s
}

// lines returns the notes of the runs' coverage: one for each incomplete run, one for each
// run whose expected count is unknown, then those added (Note).
func (c *coverage) lines() []string {
	var out []string
	for _, cv := range c.all() {
		switch {
		case !cv.Complete():
			out = append(out, fmt.Sprintf("%s incomplete: %s: %s; the figures cover only those", incompleteMark, cv.Run, cv.Problem()))
		case !cv.Known() && c.told[cv.Run]:
			out = append(out, fmt.Sprintf("%s: how many samples the run should have is unknown (a results log without its run directory's manifest): it may be incomplete", cv.Run))
		}
	}
	return append(out, c.notes...)
}

// Note adds a note under the report (the runs graded different samples, say), once.
func (c *coverage) Note(text string) {
	if !slices.Contains(c.notes, text) {
		c.notes = append(c.notes, text)
	}
}

// eachCell calls row for every group of groups (sorted) and run of runs that has stats, then
// for every run's overall stats (Key OverallKey), with the samples expected of the row when
// known and whether it has fewer (for an overall row: whether the run is incomplete). The
// tables of tool and search usage are laid out by it; samples reads a cell's sample count.
func eachCell[S any](c *coverage, by string, groups map[groupKey]bool, multi bool, runs []string,
	stats map[cellKey]*S, total map[string]*S, samples func(*S) int,
	row func(key, run string, st *S, expected *int, incomplete bool)) {
	for _, g := range sortedGroups(groups) {
		for _, run := range runs {
			st := stats[cellKey{g, run}]
			if st == nil {
				continue
			}
			var expected *int
			incomplete := false
			if n, repeats, ok := c.expected[run].group(g, by); ok {
				n *= repeats
				expected, incomplete = &n, samples(st) < n
			}
			row(g.label(multi), run, st, expected, incomplete)
		}
	}
	for _, run := range runs {
		cv := c.of(run)
		var expected *int
		if cv.Known() {
			expected = &cv.Expected
		}
		row(OverallKey, run, total[run], expected, !cv.Complete())
	}
}
