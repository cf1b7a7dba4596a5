package reports

import (
	"sort"
	"strconv"

	"github.com/realx-bench/realx/runners"
)

// CodeKinds are the classes of code calls, as DeepEyesV2's Figure 6 splits them.
var CodeKinds = []string{"crop", "mark", "numeric", "other"}

// ToolUsage aggregates how samples used tools, per group and run: how often a sample called a
// tool at all, how many calls, which tools, how many failed, how many turns, how many samples a
// budget stopped, what code calls did, and accuracy with and without tools. Only samples that
// reached the model count.
type ToolUsage struct {
	by    string
	runs  []string
	seen  map[string]bool
	stats map[cellKey]*ToolStats
	total map[string]*ToolStats
	suite map[string]bool
	group map[groupKey]bool
	tools map[string]bool
	coverage
}

// NewToolUsage returns an empty aggregation grouped by field (see NewAccuracy).
func NewToolUsage(by string) (*ToolUsage, error) {
	if by == "" {
		by = "capability"
	}
	if _, err := groupValues(&Result{}, by); err != nil {
		return nil, err
	}
	return &ToolUsage{
		by: by, seen: map[string]bool{}, stats: map[cellKey]*ToolStats{}, total: map[string]*ToolStats{},
		suite: map[string]bool{}, group: map[groupKey]bool{}, tools: map[string]bool{}, coverage: newCoverage(),
	}, nil
}

// AddRun adds run's column, if it is not there yet: a run without any record still has one.
func (u *ToolUsage) AddRun(run string) {
	if !u.seen[run] {
		u.seen[run] = true
		u.runs = append(u.runs, run)
		u.total[run] = newToolStats()
		u.coverage.addRun(run)
	}
}

// By returns the field the rows are grouped by.
func (u *ToolUsage) By() string { return u.by }

// Add counts r in run's column.
func (u *ToolUsage) Add(run string, r *Result) {
	u.AddRun(run)
	u.coverage.add(run, r)
	if r.Trajectory == nil {
		return
	}
	u.suite[r.Suite] = true
	for _, st := range cellsOf(r, u.by, run, u.stats, u.group, newToolStats) {
		st.add(r, u.tools)
	}
	u.total[run].add(r, u.tools)
}

// ToolStats sums up the tool use of a set of samples.
type ToolStats struct {
	// Samples is the number of samples that reached the model.
	Samples int `json:"samples"`
	// WithTools is the number of those that made at least one tool call.
	WithTools int `json:"with_tools"`
	Calls     int `json:"calls"`
	// CallErrors is the number of calls that failed (bad arguments, unknown tool, crash,
	// timeout).
	CallErrors int `json:"call_errors"`
	Turns      int `json:"turns"`
	// BudgetStops is the number of samples a budget ended.
	BudgetStops int `json:"budget_stops"`
	// PerTool counts calls by tool name; CodeKinds counts code calls by what the code did.
	PerTool   map[string]int `json:"per_tool"`
	CodeKinds map[string]int `json:"code_kinds"`
	// PassWithTools and GradedWithTools give accuracy over the samples that called a tool;
	// PassWithout and GradedWithout over those that did not.
	PassWithTools   float64 `json:"pass_with_tools"`
	GradedWithTools int     `json:"graded_with_tools"`
	PassWithout     float64 `json:"pass_without"`
	GradedWithout   int     `json:"graded_without"`
}

func newToolStats() *ToolStats {
	return &ToolStats{PerTool: map[string]int{}, CodeKinds: map[string]int{}}
}

func (st *ToolStats) add(r *Result, tools map[string]bool) {
	st.Samples++
	calls := 0
	for _, turn := range r.Trajectory.Turns {
		if turn.Role == runners.RoleAssistant {
			st.Turns++
		}
		for _, c := range turn.Calls {
			calls++
			st.PerTool[c.Name]++
			tools[c.Name] = true
			if c.Error != "" {
				st.CallErrors++
			}
			if c.Kind != "" {
				st.CodeKinds[c.Kind]++
			}
		}
	}
	st.Calls += calls
	if calls > 0 {
		st.WithTools++
	}
	if r.Stop.Budget() {
		st.BudgetStops++
	}
	if r.Graded() {
		if calls > 0 {
			st.GradedWithTools++
			st.PassWithTools += r.Score
		} else {
			st.GradedWithout++
			st.PassWithout += r.Score
		}
	}
}

// ToolTable is tool usage per group and run, with an overall row per run.
type ToolTable struct {
	By string `json:"by"`
	// Tools are every tool name called, sorted.
	Tools []string  `json:"tools"`
	Runs  []string  `json:"runs"`
	Rows  []ToolRow `json:"rows"`
	// Coverage says, for each run, how much of its expected sample set it has; Notes what a
	// reader must know (an incomplete run).
	Coverage []Coverage `json:"coverage"`
	Notes    []string   `json:"notes"`
}

// ToolRow is one group's tool usage in one run.
type ToolRow struct {
	Key string `json:"key"`
	Run string `json:"run"`
	// Expected is how many records (samples × repeats) the group should have; nil when
	// unknown. Samples falls short of it by those missing and those that never reached the
	// model.
	Expected *int `json:"expected"`
	ToolStats

	incomplete bool // the row's run is incomplete (an overall row), or it has fewer than expected
}

// Table returns the aggregated table: for each group (sorted) every run, then the overall
// rows.
func (u *ToolUsage) Table() *ToolTable {
	t := &ToolTable{By: u.by, Runs: append([]string(nil), u.runs...)}
	for name := range u.tools {
		t.Tools = append(t.Tools, name)
	}
	sort.Strings(t.Tools)
	multi := len(u.suite) > 1
	for _, g := range sortedGroups(u.group) {
		for _, run := range u.runs {
			st := u.stats[cellKey{g, run}]
			if st == nil {
				continue
			}
			row := ToolRow{Key: g.label(multi), Run: run, ToolStats: *st}
			if samples, repeats, ok := u.coverage.expected[run].group(g, u.by); ok {
				n := samples * repeats
				row.Expected, row.incomplete = &n, st.Samples < n
			}
			t.Rows = append(t.Rows, row)
		}
	}
	for _, run := range u.runs {
		cv := u.coverage.of(run)
		row := ToolRow{Key: OverallKey, Run: run, ToolStats: *u.total[run], incomplete: !cv.Complete()}
		if cv.Known() {
			row.Expected = &cv.Expected
		}
		t.Rows = append(t.Rows, row)
	}
	t.Coverage, t.Notes = u.coverage.all(), u.coverage.lines()
	return t
}

// Grid lays t out for printing: n of expected (marked † when it falls short), rates as
// percentages with decimals digits, means per sample with two; "–" where there is nothing to
// divide by.
func (t *ToolTable) Grid(decimals int) *Grid { return t.grid(decimals, false) }

// grid is Grid, or for CSV (csv) empty cells where there is nothing to divide by and the
// expected count in a column of its own.
func (t *ToolTable) grid(decimals int, csv bool) *Grid {
	none := "–"
	if csv {
		none = ""
	}
	g := &Grid{Header: []string{t.By, "run", "n", "tool use %", "calls/sample", "tool errors %", "turns/sample", "budget stops %"}, Notes: t.Notes}
	for _, name := range t.Tools {
		g.Header = append(g.Header, name+"/sample")
	}
	for _, k := range CodeKinds {
		g.Header = append(g.Header, "code "+k+" %")
	}
	g.Header = append(g.Header, "acc with tools", "acc without")
	if csv {
		g.Header = append(g.Header, "expected")
	}
	g.Left = 2
	pct := func(num float64, den int) string {
		if den == 0 {
			return none
		}
		return formatPct(100*num/float64(den), decimals)
	}
	mean := func(num, den int) string {
		if den == 0 {
			return none
		}
		return strconv.FormatFloat(float64(num)/float64(den), 'f', 2, 64)
	}
	for _, r := range t.Rows {
		exp := -1
		if r.Expected != nil {
			exp = *r.Expected
		}
		n := nOf(r.Samples, exp, !r.incomplete)
		if csv {
			n = strconv.Itoa(r.Samples)
		}
		row := []string{r.Key, r.Run, n, pct(float64(r.WithTools), r.Samples),
			mean(r.Calls, r.Samples), pct(float64(r.CallErrors), r.Calls), mean(r.Turns, r.Samples),
			pct(float64(r.BudgetStops), r.Samples)}
		for _, name := range t.Tools {
			row = append(row, mean(r.PerTool[name], r.Samples))
		}
		codeCalls := 0
		for _, k := range CodeKinds {
			codeCalls += r.CodeKinds[k]
		}
		for _, k := range CodeKinds {
			row = append(row, pct(float64(r.CodeKinds[k]), codeCalls))
		}
		row = append(row, pct(r.PassWithTools, r.GradedWithTools), pct(r.PassWithout, r.GradedWithout))
		if csv {
			exp := ""
			if r.Expected != nil {
				exp = strconv.Itoa(*r.Expected)
			}
			row = append(row, exp)
		}
		g.Rows = append(g.Rows, row)
	}
	return g
}

// Grids returns t's grid (Grid).
func (t *ToolTable) Grids(decimals int) []*Grid { return []*Grid{t.Grid(decimals)} }

// CSV lays t out for machines: the cells with nothing to divide by are empty, and the expected
// count has a column of its own.
func (t *ToolTable) CSV(decimals int) *Grid {
	g := t.grid(decimals, true)
	g.Notes = nil
	return g
}

// Layout returns the tool-usage table aggregated so far.
func (u *ToolUsage) Layout() Layout { return u.Table() }
