package reports

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/realx-bench/realx/runners"
)

// The keys of the rows that sum up a table: every sample, and, for a table of several suites,
// the macro average (each suite weighing the same) and the micro one (each sample).
const (
	OverallKey      = "overall"
	OverallMacroKey = "overall (macro)"
	OverallMicroKey = "overall (micro)"
)

// Accuracy aggregates results into accuracy per group (a capability, or any field) for each run.
// Runs are columns, in the order they were first added; groups are rows, sorted. A sample run
// several times counts once in n: its accuracy is the mean over its repeats, and the interval
// is clustered by sample (see Cell). Every figure is counted against what the run should have
// (Expect): n of expected, and incomplete runs and groups marked.
type Accuracy struct {
	by      string
	runs    []string
	cells   map[cellKey]*tally
	total   map[string]*tally
	bySuite map[cellKey]*tally
	suites  map[string]bool
	groups  map[groupKey]bool
	coverage
	seenBy bool
}

type groupKey struct{ suite, group string }

// label names g in a table: with its suite when the table spans several.
func (g groupKey) label(multi bool) string {
	if multi {
		return g.suite + "/" + g.group
	}
	return g.group
}

// sortedGroups returns the groups of set ordered by suite, then group in natural order (q2
// before q10).
func sortedGroups(set map[groupKey]bool) []groupKey {
	groups := make([]groupKey, 0, len(set))
	for g := range set {
		groups = append(groups, g)
	}
	slices.SortFunc(groups, func(a, b groupKey) int {
		if c := strings.Compare(a.suite, b.suite); c != 0 {
			return c
		}
		return NaturalCompare(a.group, b.group)
	})
	return groups
}

// cellsOf returns the cells of run's column that r counts in under the grouping by, making
// the missing ones with fresh and marking their groups in groups.
func cellsOf[T any](r *Result, by, run string, cells map[cellKey]T, groups map[groupKey]bool, fresh func() T) []T {
	values, _ := groupValues(r, by)
	out := make([]T, 0, len(values))
	for _, g := range values {
		k := cellKey{groupKey{r.Suite, g}, run}
		c, ok := cells[k]
		if !ok {
			c = fresh()
			cells[k] = c
			groups[k.groupKey] = true
		}
		out = append(out, c)
	}
	return out
}

type cellKey struct {
	groupKey
	run string
}

// NewAccuracy returns an empty aggregation grouped by field: "capability" (the default when
// empty), a record field ("suite", "model", "stop", "judge_step" …), or "metadata.NAME" for a
// metadata field (dotted for nested objects). A list-valued field counts the sample in each of
// its groups.
func NewAccuracy(by string) (*Accuracy, error) {
	if by == "" {
		by = "capability"
	}
	if _, err := groupValues(&Result{}, by); err != nil {
		return nil, err
	}
	return &Accuracy{
		by:       by,
		cells:    map[cellKey]*tally{},
		total:    map[string]*tally{},
		bySuite:  map[cellKey]*tally{},
		suites:   map[string]bool{},
		groups:   map[groupKey]bool{},
		coverage: newCoverage(),
	}, nil
}

// AddRun adds run's column, if it is not there yet: a run without any record still has one.
func (a *Accuracy) AddRun(run string) {
	if _, ok := a.total[run]; !ok {
		a.runs = append(a.runs, run)
		a.total[run] = newTally()
		a.coverage.addRun(run)
	}
}

// Expect says what run should have (ExpectedOf its manifest; nil for unknown): its groups with
// no record get their rows, and every figure of it says n of expected.
func (a *Accuracy) Expect(run string, e *Expected) {
	a.AddRun(run)
	a.coverage.Expect(run, e)
	for _, g := range e.groups(a.by) {
		a.groups[g] = true
		a.suites[g.suite] = true
	}
	if e != nil {
		for name := range e.suites {
			a.suites[name] = true
		}
	}
}

// By returns the field the rows are grouped by.
func (a *Accuracy) By() string { return a.by }

// Lean reports that the accuracy table reads only the fields of a lean read of records.
func (a *Accuracy) Lean() bool { return true }

// Add counts r in run's column.
func (a *Accuracy) Add(run string, r *Result) {
	a.AddRun(run)
	a.suites[r.Suite] = true
	a.seenBy = a.seenBy || hasField(r, a.by)
	for _, c := range cellsOf(r, a.by, run, a.cells, a.groups, newTally) {
		c.add(r)
	}
	sk := cellKey{groupKey{r.Suite, ""}, run}
	if a.bySuite[sk] == nil {
		a.bySuite[sk] = newTally()
	}
	a.bySuite[sk].add(r)
	a.total[run].add(r)
	a.coverage.add(run, r)
}

// Table returns the aggregated table. Row keys carry the suite name ("math500/algebra") when the
// results span more than one suite; then a row per suite follows the groups (unless the rows
// are the suites), and the overall row is the macro average over the suites, each weighing the
// same, with the micro average, each sample weighing the same, after it.
func (a *Accuracy) Table() *Table {
	t := &Table{By: a.by, Runs: append([]string(nil), a.runs...), Average: "samples"}
	suites := slices.Sorted(maps.Keys(a.suites))
	multi := len(suites) > 1
	for _, g := range sortedGroups(a.groups) {
		row := Row{Key: g.label(multi)}
		for _, run := range a.runs {
			row.Cells = append(row.Cells, a.finish(a.cells[cellKey{g, run}], run, func(e *Expected) (int, int, bool) { return e.group(g, a.by) }))
		}
		t.Rows = append(t.Rows, row)
	}
	t.Overall = Row{Key: OverallKey}
	if multi {
		t.Average = "macro"
		if a.by != "suite" {
			for _, name := range suites {
				row := Row{Key: name}
				for _, run := range a.runs {
					row.Cells = append(row.Cells, a.finish(a.bySuite[cellKey{groupKey{name, ""}, run}], run, suiteExpected(name)))
				}
				t.Suites = append(t.Suites, row)
			}
		}
		t.Overall.Key = OverallMacroKey
		micro := Row{Key: OverallMicroKey}
		for _, run := range a.runs {
			micro.Cells = append(micro.Cells, a.finish(a.total[run], run, totalExpected))
			var parts []Cell
			for _, name := range suites {
				parts = append(parts, a.finish(a.bySuite[cellKey{groupKey{name, ""}, run}], run, suiteExpected(name)))
			}
			t.Overall.Cells = append(t.Overall.Cells, macro(parts))
		}
		t.Micro = &micro
	} else {
		for _, run := range a.runs {
			t.Overall.Cells = append(t.Overall.Cells, a.finish(a.total[run], run, totalExpected))
		}
	}
	for _, c := range append(append([]Cell(nil), t.Overall.Cells...), cellsOfRows(t.Rows)...) {
		t.Repeats = max(t.Repeats, c.Repeats)
	}
	t.Coverage = a.coverage.all()
	t.Notes = a.notes(t, len(suites))
	return t
}

// cellsOfRows returns the cells of rows.
func cellsOfRows(rows []Row) []Cell {
	var out []Cell
	for _, r := range rows {
		out = append(out, r.Cells...)
	}
	return out
}

// suiteExpected returns what a run should have of suite name.
func suiteExpected(name string) func(e *Expected) (int, int, bool) {
	return func(e *Expected) (int, int, bool) { return e.suite(name) }
}

// totalExpected returns what a run should have in all: its samples, and one repeat each
// (finish takes the records from the suites' own repeats).
func totalExpected(e *Expected) (int, int, bool) {
	if e == nil {
		return 0, 0, false
	}
	samples, _ := e.total()
	return samples, 0, true
}

// finish returns the cell of tally t (nil for none) of run, its expected counts from the run's
// Expected by expected (samples and repeats; repeats 0 for a total over suites).
func (a *Accuracy) finish(t *tally, run string, expected func(*Expected) (int, int, bool)) Cell {
	if t == nil {
		t = newTally()
	}
	c := t.cell()
	c.ExpectedSamples, c.Expected, c.Missing = -1, -1, -1
	e := a.coverage.expected[run]
	if samples, repeats, ok := expected(e); ok && e != nil {
		records := samples * repeats
		if repeats == 0 {
			_, records = e.total()
		}
		cv := Coverage{Graded: c.Graded, Errored: c.Errored}.withExpected(samples, records)
		c.ExpectedSamples, c.Expected, c.Missing = cv.ExpectedSamples, cv.Expected, cv.Missing
	}
	return c
}

// notes returns the notes under table t of suites suites: the runs' coverage, how repeats are
// counted, which average the overall row is, and what the stopped column counts.
func (a *Accuracy) notes(t *Table, suites int) []string {
	out := a.coverage.lines()
	if t.Repeats > 1 {
		out = append(out, fmt.Sprintf("accuracy is the mean over the repeats of each sample (up to %d); n counts samples, and the 95%% interval is clustered by sample (the standard error of the per-sample means), not %d × n draws", t.Repeats, t.Repeats))
	}
	if suites > 1 {
		out = append(out, fmt.Sprintf("%s is the mean of the %d suites' accuracies, each suite weighing the same; %s weighs every sample the same", OverallMacroKey, suites, OverallMicroKey))
	}
	if t.stopped() {
		out = append(out, "stopped %: the share of graded samples that a budget or the model's context ended (stop context_length, request_too_large, max_turns, max_tool_calls, max_tokens, timeout, reply_limit); they count in n, graded on what they had")
	}
	return append(out, a.paperNotes(suites > 1)...)
}

// Table is accuracy per group (rows) and run (columns), with an overall row.
type Table struct {
	By   string   `json:"by"`
	Runs []string `json:"runs"`
	Rows []Row    `json:"rows"`
	// Suites has a row per suite when the table spans several (and its rows are not the
	// suites themselves).
	Suites []Row `json:"suites,omitempty"`
	// Overall sums up every sample: over several suites, the macro average (Average says
	// which: "samples", or "macro"), and Micro the average over every sample.
	Overall Row    `json:"overall"`
	Micro   *Row   `json:"micro,omitempty"`
	Average string `json:"average"`
	// Repeats is the most repeats of a sample.
	Repeats int `json:"repeats"`
	// Coverage says, for each run, how much of its expected sample set it has.
	Coverage []Coverage `json:"coverage"`
	// Notes say what the figures count where a reader could mistake it: an incomplete run,
	// repeats, the average, runs over different samples.
	Notes []string `json:"notes"`
}

// stopped reports whether a cell of t counts a sample stopped by a budget or the context.
func (t *Table) stopped() bool {
	for _, c := range append(cellsOfRows(t.Rows), t.Overall.Cells...) {
		if c.Stopped > 0 {
			return true
		}
	}
	return false
}

// Row is one group's cells, one per run.
type Row struct {
	Key   string `json:"key"`
	Cells []Cell `json:"cells"`
}

// Cell is the accuracy of one group in one run. Accuracy and the bounds of its 95% confidence
// interval are percentages, undefined (null in JSON) when no sample has a verdict; samples with
// errors are counted apart and never as wrong.
//
// Accuracy is the mean over samples of each sample's mean score over its graded repeats (with
// one repeat each, the share of passes). Its interval is Wilson's for pass/fail samples run
// once, and otherwise the normal interval of the standard error of the per-sample means: the
// cluster-robust interval, which treats a sample's repeats as one draw of the sample, not as
// independent draws (n × repeats of them would give an interval far too narrow for n samples).
type Cell struct {
	// Samples is n: the samples with a verdict in at least one repeat; ExpectedSamples those
	// the group should have (-1, null in JSON, when unknown).
	Samples         int `json:"samples"`
	ExpectedSamples int `json:"expected_samples"`
	// Repeats is the most graded repeats of a sample.
	Repeats int `json:"repeats"`
	// Expected counts the records the group should have (samples × repeats; -1 when
	// unknown); Graded those with a verdict, Errored those without, Missing those with no
	// record (-1 when unknown).
	Expected int `json:"expected"`
	Graded   int `json:"graded"`
	Errored  int `json:"errored"`
	Missing  int `json:"missing"`
	// Correct is the sum of the graded records' scores (passes for pass/fail judges).
	Correct  float64 `json:"correct"`
	Accuracy float64 `json:"accuracy"`
	CILow    float64 `json:"ci_low"`
	CIHigh   float64 `json:"ci_high"`
	// Stopped counts the graded records that a budget or the model's context ended.
	Stopped int `json:"stopped"`

	se       float64 // the standard error of Accuracy, as a fraction
	noFigure bool    // the figures are undefined though samples have verdicts (macro)
}

// Defined reports whether the cell has an accuracy: some sample has a verdict, and (for a
// macro average) every suite has one.
func (c Cell) Defined() bool { return c.Samples > 0 && !c.noFigure }

// Complete reports whether the group has a verdict for every record it should have: no
// error, and (when the expected count is known) none missing.
func (c Cell) Complete() bool { return c.counts().Complete() }

// StoppedShare returns the percentage of graded records that a budget or the context ended.
func (c Cell) StoppedShare() float64 {
	if c.Graded == 0 {
		return 0
	}
	return 100 * float64(c.Stopped) / float64(c.Graded)
}

// cellWire is a Cell on the wire: its counts as a Coverage's, the counts that are unknown and
// the figures that are undefined null.
type cellWire struct {
	coverageWire
	Repeats      int      `json:"repeats"`
	Correct      float64  `json:"correct"`
	Accuracy     *float64 `json:"accuracy"`
	CILow        *float64 `json:"ci_low"`
	CIHigh       *float64 `json:"ci_high"`
	StoppedShare *float64 `json:"stopped_share"`
}

// counts returns the counts of c as a Coverage's.
func (c Cell) counts() Coverage {
	return Coverage{Samples: c.Samples, ExpectedSamples: c.ExpectedSamples, Expected: c.Expected, Graded: c.Graded,
		Errored: c.Errored, Missing: c.Missing, Stopped: c.Stopped}
}

// MarshalJSON encodes c with a null accuracy and interval when it has no graded sample, so
// that no script reads it as 0%, and null for the counts that are unknown.
func (c Cell) MarshalJSON() ([]byte, error) {
	out := cellWire{coverageWire: c.counts().wire(), Repeats: c.Repeats, Correct: c.Correct}
	if c.Defined() {
		out.Accuracy, out.CILow, out.CIHigh = &c.Accuracy, &c.CILow, &c.CIHigh
	}
	if c.Graded > 0 {
		share := c.StoppedShare()
		out.StoppedShare = &share
	}
	return runners.MarshalPlain(out)
}

// UnmarshalJSON reads a cell as MarshalJSON writes it, null counts as unknown (-1).
func (c *Cell) UnmarshalJSON(data []byte) error {
	var in cellWire
	if err := json.Unmarshal(data, &in); err != nil {
		return err
	}
	figure := func(p *float64) float64 {
		if p == nil {
			return 0
		}
		return *p
	}
	n := in.coverage()
	*c = Cell{noFigure: in.Accuracy == nil, Samples: n.Samples, ExpectedSamples: n.ExpectedSamples, Repeats: in.Repeats,
		Expected: n.Expected, Graded: n.Graded, Errored: n.Errored, Missing: n.Missing, Correct: in.Correct,
		Accuracy: figure(in.Accuracy), CILow: figure(in.CILow), CIHigh: figure(in.CIHigh), Stopped: n.Stopped}
	return nil
}

// tally counts the records of one cell, sample by sample.
type tally struct {
	samples sampleList[perSample]
	graded  int
	errored int
	stopped int
	correct float64
	binary  bool
}

// perSample sums the graded repeats of one sample.
type perSample struct {
	sum    float64
	graded int
}

func newTally() *tally { return &tally{binary: true} }

func (t *tally) add(r *Result) {
	if !r.Graded() {
		t.errored++
		return
	}
	t.graded++
	t.correct += r.Score
	if r.Stop.Budget() {
		t.stopped++
	}
	if r.Score != 0 && r.Score != 1 {
		t.binary = false
	}
	s := t.samples.at(sampleKey{r.Suite, r.ID})
	s.sum += r.Score
	s.graded++
}

// z is the standard normal quantile of a two-sided 95% interval.
const z = 1.959963984540054

// cell returns the figures of t: accuracy, the mean of the per-sample means, with its interval
// (see Cell). The samples are visited in canonical order, so that sums do not depend on the
// order records came in.
func (t *tally) cell() Cell {
	c := Cell{Graded: t.graded, Errored: t.errored, Stopped: t.stopped, Correct: t.correct, Samples: t.samples.len()}
	if c.Samples == 0 {
		return c
	}
	means := make([]float64, 0, c.Samples)
	for _, s := range t.samples.sorted() {
		means = append(means, s.sum/float64(s.graded))
		c.Repeats = max(c.Repeats, s.graded)
	}
	n := float64(c.Samples)
	p, _ := meanStd(means)
	c.Accuracy = 100 * p
	var lo, hi float64
	if t.binary && c.Repeats == 1 {
		den := 1 + z*z/n
		centre := (p + z*z/(2*n)) / den
		half := z * math.Sqrt(p*(1-p)/n+z*z/(4*n*n)) / den
		lo, hi = centre-half, centre+half
		c.se = math.Sqrt(p * (1 - p) / n)
	} else {
		_, sd := meanStd(means)
		c.se = sd / math.Sqrt(n)
		lo, hi = p-z*c.se, p+z*c.se
	}
	c.CILow = 100 * math.Max(0, lo)
	c.CIHigh = 100 * math.Min(1, hi)
	return c
}

// macro returns the macro average of the cells of a run's suites: their accuracies' mean,
// each suite weighing the same, with the normal interval of the mean's standard error (the
// suites' errors combined); the counts are summed. It is undefined (no sample) when a suite
// has no graded sample: a mean over the other suites would stand for them all.
func macro(parts []Cell) Cell {
	c := Cell{}
	var p, variance float64
	defined := true
	for _, s := range parts {
		c.Samples += s.Samples
		c.Graded += s.Graded
		c.Errored += s.Errored
		c.Stopped += s.Stopped
		c.Correct += s.Correct
		c.Repeats = max(c.Repeats, s.Repeats)
		c.ExpectedSamples, c.Expected, c.Missing = sumKnown(c.ExpectedSamples, s.ExpectedSamples), sumKnown(c.Expected, s.Expected), sumKnown(c.Missing, s.Missing)
		if s.Samples == 0 {
			defined = false
		}
		p += s.Accuracy / 100
		variance += s.se * s.se
	}
	if !defined || len(parts) == 0 {
		c.noFigure = true // no figure stands for the whole
		return c
	}
	k := float64(len(parts))
	p /= k
	c.se = math.Sqrt(variance) / k
	c.Accuracy = 100 * p
	c.CILow = 100 * math.Max(0, p-z*c.se)
	c.CIHigh = 100 * math.Min(1, p+z*c.se)
	return c
}

// sumKnown adds b to a, counts of which -1 is unknown; the first count is taken as it is.
func sumKnown(a, b int) int {
	switch {
	case a < 0 || b < 0:
		return -1
	}
	return a + b
}

// hasField reports whether r has a value for field by: always for the record's own fields, and
// for a metadata field when r's metadata has it (null or not).
func hasField(r *Result, by string) bool {
	path, ok := strings.CutPrefix(by, "metadata.")
	if !ok {
		return true
	}
	var v any = r.Metadata
	for _, seg := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return false
		}
		if v, ok = m[seg]; !ok {
			return false
		}
	}
	return true
}

// SeenField reports whether a record added so far has the field the rows are grouped by.
func (a *Accuracy) SeenField() bool { return a.seenBy }

// NoGroup names the group of samples whose field is empty or missing.
const NoGroup = "(none)"

// groupValues returns the groups r belongs to under field by; an empty value is NoGroup.
func groupValues(r *Result, by string) ([]string, error) {
	values, err := rawGroupValues(r, by)
	for i, v := range values {
		if v == "" {
			values[i] = NoGroup
		}
	}
	return values, err
}

// rawGroupValues returns the values of field by in r.
func rawGroupValues(r *Result, by string) ([]string, error) {
	switch by {
	case "capability":
		return []string{r.Capability}, nil
	case "suite":
		return []string{r.Suite}, nil
	case "model":
		return []string{r.Model}, nil
	case "id":
		return []string{r.ID}, nil
	case "run":
		return []string{r.Run}, nil
	case "stop":
		return []string{string(r.Stop)}, nil
	case "judge_step":
		return []string{r.Step}, nil
	case "judge_id":
		return []string{r.JudgeID}, nil
	case "repeat":
		return []string{fmt.Sprint(r.Repeat)}, nil
	case "error":
		if r.Error == nil {
			return []string{NoGroup}, nil
		}
		return []string{string(r.Error.Class)}, nil
	}
	path, ok := strings.CutPrefix(by, "metadata.")
	if !ok || path == "" {
		return nil, fmt.Errorf("cannot group by %q: use capability, suite, model, id, run, stop, judge_step, judge_id, repeat, error, or metadata.FIELD", by)
	}
	var v any = r.Metadata
	for _, seg := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			v = nil
			break
		}
		v = m[seg]
	}
	return groupNames(v), nil
}

func groupNames(v any) []string {
	switch v := v.(type) {
	case nil:
		return []string{NoGroup}
	case string:
		return []string{v}
	case []any:
		if len(v) == 0 {
			return []string{NoGroup}
		}
		out := make([]string, 0, len(v))
		for _, e := range v {
			out = append(out, groupNames(e)...)
		}
		return out
	case json.Number:
		return []string{v.String()}
	}
	data, err := json.Marshal(v)
	if err != nil {
		return []string{fmt.Sprint(v)}
	}
	return []string{string(data)}
}

// Layout returns the accuracy table aggregated so far.
func (a *Accuracy) Layout() Layout { return a.Table() }

// sampleList keeps a value for each sample, in the order the samples were first added. Reports
// read records in canonical order (CompareKeys), a sample's repeats together: then a sample is
// found again as the last one added, and a new one comes after it, with no map at all; a
// sample out of that order builds the map the list uses from then on.
type sampleList[T any] struct {
	keys  []sampleKey
	vals  []T
	index map[sampleKey]int // nil while the samples came in canonical order
}

// compareSamples orders samples canonically.
func compareSamples(a, b sampleKey) int {
	return CompareKeys(Key{Suite: a.suite, ID: a.id}, Key{Suite: b.suite, ID: b.id})
}

// at returns the value of sample k, added (zero) when k is new.
func (l *sampleList[T]) at(k sampleKey) *T {
	n := len(l.keys)
	if n > 0 && l.keys[n-1] == k {
		return &l.vals[n-1]
	}
	if l.index == nil && n > 0 && compareSamples(l.keys[n-1], k) >= 0 {
		l.index = make(map[sampleKey]int, n)
		for i, key := range l.keys {
			l.index[key] = i
		}
	}
	if l.index != nil {
		if i, ok := l.index[k]; ok {
			return &l.vals[i]
		}
		l.index[k] = n
	}
	l.keys = append(l.keys, k)
	var zero T
	l.vals = append(l.vals, zero)
	return &l.vals[n]
}

// len returns the number of samples.
func (l *sampleList[T]) len() int { return len(l.keys) }

// sorted returns the values in canonical order of their samples.
func (l *sampleList[T]) sorted() []T {
	if l.index == nil {
		return l.vals
	}
	order := make([]int, len(l.keys))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return compareSamples(l.keys[a], l.keys[b]) })
	out := make([]T, len(order))
	for i, j := range order {
		out[i] = l.vals[j]
	}
	return out
}
