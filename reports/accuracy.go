package reports

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/realx-bench/realx/runners"
)

// OverallKey is the key of the row that sums up every sample.
const OverallKey = "overall"

// Accuracy aggregates results into accuracy per group (a capability, or any field) for each run.
// Runs are columns, in the order they were first added; groups are rows, sorted.
type Accuracy struct {
	by     string
	runs   []string
	cells  map[cellKey]*Cell
	total  map[string]*Cell
	suites map[string]bool
	groups map[groupKey]bool
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
		by:     by,
		cells:  map[cellKey]*Cell{},
		total:  map[string]*Cell{},
		suites: map[string]bool{},
		groups: map[groupKey]bool{},
	}, nil
}

// AddRun adds run's column, if it is not there yet: a run without any record still has one.
func (a *Accuracy) AddRun(run string) {
	if _, ok := a.total[run]; !ok {
		a.runs = append(a.runs, run)
		a.total[run] = &Cell{}
	}
}

// Add counts r in run's column.
func (a *Accuracy) Add(run string, r *Result) {
	a.AddRun(run)
	a.suites[r.Suite] = true
	for _, c := range cellsOf(r, a.by, run, a.cells, a.groups, func() *Cell { return &Cell{} }) {
		c.add(r)
	}
	a.total[run].add(r)
}

// Table returns the aggregated table. Row keys carry the suite name ("math500/algebra") when the
// results span more than one suite.
func (a *Accuracy) Table() *Table {
	t := &Table{By: a.by, Runs: append([]string(nil), a.runs...)}
	multi := len(a.suites) > 1
	for _, g := range sortedGroups(a.groups) {
		row := Row{Key: g.label(multi)}
		for _, run := range a.runs {
			c := a.cells[cellKey{g, run}]
			if c == nil {
				c = &Cell{}
			}
			row.Cells = append(row.Cells, c.finish())
		}
		t.Rows = append(t.Rows, row)
	}
	t.Overall = Row{Key: OverallKey}
	for _, run := range a.runs {
		t.Overall.Cells = append(t.Overall.Cells, a.total[run].finish())
	}
	return t
}

// Table is accuracy per group (rows) and run (columns), with an overall row.
type Table struct {
	By      string   `json:"by"`
	Runs    []string `json:"runs"`
	Rows    []Row    `json:"rows"`
	Overall Row      `json:"overall"`
}

// Row is one group's cells, one per run.
type Row struct {
	Key   string `json:"key"`
	Cells []Cell `json:"cells"`
}

// Cell is the accuracy of one group in one run. Accuracy and the bounds of its 95% confidence
// interval are percentages, undefined (null in JSON) when Total is 0; samples with errors are
// counted apart and never as wrong.
type Cell struct {
	// Correct is the sum of scores (the number of passes for pass/fail judges).
	Correct float64 `json:"correct"`
	// Total is the number of graded samples.
	Total int `json:"total"`
	// Errors is the number of samples that could not be graded.
	Errors   int     `json:"errors"`
	Accuracy float64 `json:"accuracy"`
	CILow    float64 `json:"ci_low"`
	CIHigh   float64 `json:"ci_high"`

	sumSq  float64
	binary bool
	seen   bool
}

// MarshalJSON encodes c with a null accuracy and interval when it has no graded sample, so
// that no script reads it as 0%.
func (c Cell) MarshalJSON() ([]byte, error) {
	out := struct {
		Correct  float64  `json:"correct"`
		Total    int      `json:"total"`
		Errors   int      `json:"errors"`
		Accuracy *float64 `json:"accuracy"`
		CILow    *float64 `json:"ci_low"`
		CIHigh   *float64 `json:"ci_high"`
	}{Correct: c.Correct, Total: c.Total, Errors: c.Errors}
	if c.Total > 0 {
		out.Accuracy, out.CILow, out.CIHigh = &c.Accuracy, &c.CILow, &c.CIHigh
	}
	return runners.MarshalPlain(out)
}

func (c *Cell) add(r *Result) {
	if !c.seen {
		c.seen, c.binary = true, true
	}
	if !r.Graded() {
		c.Errors++
		return
	}
	c.Total++
	c.Correct += r.Score
	c.sumSq += r.Score * r.Score
	if r.Score != 0 && r.Score != 1 {
		c.binary = false
	}
}

// finish fills in the accuracy and its interval: Wilson's for pass/fail scores, the normal
// approximation for graded scores.
func (c Cell) finish() Cell {
	if c.Total == 0 {
		return c
	}
	n := float64(c.Total)
	p := c.Correct / n
	c.Accuracy = 100 * p
	const z = 1.959963984540054
	var lo, hi float64
	if c.binary {
		den := 1 + z*z/n
		centre := (p + z*z/(2*n)) / den
		half := z * math.Sqrt(p*(1-p)/n+z*z/(4*n*n)) / den
		lo, hi = centre-half, centre+half
	} else {
		variance := 0.0
		if c.Total > 1 {
			variance = (c.sumSq - n*p*p) / (n - 1)
		}
		half := z * math.Sqrt(math.Max(variance, 0)/n)
		lo, hi = p-half, p+half
	}
	c.CILow = 100 * math.Max(0, lo)
	c.CIHigh = 100 * math.Min(1, hi)
	return c
}

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
