package reports

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"

	"github.com/realx-bench/realx/runners"
)

// The sections of the tool-usage report, each one table; ToolUsage.Section picks one.
const (
	// ToolsUsage: how often samples called a tool, calls, errors, turns and tokens per
	// sample, budget stops, accuracy with and without tools (DeepEyesV2's Figure 7 by suite).
	ToolsUsage = "usage"
	// ToolsCategories: the share of calls in each category (DeepEyesV2's Figure 6).
	ToolsCategories = "categories"
	// ToolsPerTool: each function called: calls, share, errors, time per call.
	ToolsPerTool = "per-tool"
	// ToolsCalls: samples by their number of calls, and their accuracy (Figure 8's calls per
	// trajectory, and accuracy by number of calls).
	ToolsCalls = "calls"
	// ToolsSequences: the most frequent sequences of calls, and their accuracy.
	ToolsSequences = "sequences"
	// ToolsTime: wall time per sample, split between the model, the tools and the rest.
	ToolsTime = "time"
)

// ToolSections lists the sections of the tool-usage report in the order it prints them.
var ToolSections = []string{ToolsUsage, ToolsCategories, ToolsPerTool, ToolsCalls, ToolsSequences, ToolsTime}

// TopSequences is how many of the most frequent tool sequences the report lists per run.
const TopSequences = 10

// MaxCallsBucket is the last bucket of the calls-per-sample histogram: it holds the samples
// with this many calls or more.
const MaxCallsBucket = 10

// ToolUsage aggregates how samples used tools, per group and run: how often a sample called a
// tool at all, how many calls, which tools and categories, how many failed, how many turns
// and tokens, how many samples a budget stopped, accuracy with and without tools, where the
// time went; and per run, samples and accuracy by number of calls, the most frequent tool
// sequences and each tool's calls. Only samples that reached the model count.
type ToolUsage struct {
	// Section is the part of the report its Layout shows: one of ToolSections, or "" for
	// all of them (in CSV, which holds one table, the usage).
	Section string

	by     string
	runs   []string
	seen   map[string]bool
	stats  map[cellKey]*ToolStats
	total  map[string]*ToolStats
	perRun map[string]*runUse
	suite  map[string]bool
	group  map[groupKey]bool
	tools  map[string]bool
	coverage
}

// runUse is what ToolUsage keeps of a run as a whole.
type runUse struct {
	buckets   [MaxCallsBucket + 1]outcome
	sequences map[string]*outcome
	tools     map[string]*ToolCalls
}

// outcome counts samples and how many of them passed.
type outcome struct {
	samples, graded int
	pass            float64
}

func (o *outcome) add(r *Result) {
	o.samples++
	if r.Graded() {
		o.graded++
		o.pass += r.Score
	}
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
		perRun: map[string]*runUse{}, suite: map[string]bool{}, group: map[groupKey]bool{}, tools: map[string]bool{},
		coverage: newCoverage(),
	}, nil
}

// AddRun adds run's column, if it is not there yet: a run without any record still has one.
func (u *ToolUsage) AddRun(run string) {
	if !u.seen[run] {
		u.seen[run] = true
		u.runs = append(u.runs, run)
		u.total[run] = newToolStats()
		u.perRun[run] = &runUse{sequences: map[string]*outcome{}, tools: map[string]*ToolCalls{}}
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
	use := UseOf(r)
	for _, st := range cellsOf(r, u.by, run, u.stats, u.group, newToolStats) {
		st.add(r, &use)
	}
	u.total[run].add(r, &use)
	ru := u.perRun[run]
	ru.buckets[min(use.Calls, MaxCallsBucket)].add(r)
	if use.Sequence != "" {
		o := ru.sequences[use.Sequence]
		if o == nil {
			o = &outcome{}
			ru.sequences[use.Sequence] = o
		}
		o.add(r)
	}
	used := map[string]bool{}
	for _, turn := range r.Trajectory.Turns {
		for i := range turn.Calls {
			c := &turn.Calls[i]
			name := ToolName(c)
			u.tools[name] = true
			tc := ru.tools[name]
			if tc == nil {
				tc = &ToolCalls{Run: run, Tool: name}
				ru.tools[name] = tc
			}
			tc.Calls++
			tc.DurationMS += c.DurationMS
			if c.Error != "" {
				tc.Errors++
			}
			if !used[name] {
				used[name] = true
				tc.Samples++
			}
		}
	}
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
	// Turns counts the model's turns; Tokens the tokens of all of them.
	Turns  int           `json:"turns"`
	Tokens runners.Usage `json:"tokens"`
	// BudgetStops is the number of samples a budget ended.
	BudgetStops int `json:"budget_stops"`
	// PerTool counts calls by tool name (ToolName); CodeKinds counts calls by the kind their
	// tool gave them (for code, what the code did); Categories counts every call by its
	// category (CategoryOf).
	PerTool    map[string]int `json:"per_tool"`
	CodeKinds  map[string]int `json:"code_kinds"`
	Categories map[string]int `json:"categories"`
	// PassWithTools and GradedWithTools give accuracy over the samples that called a tool;
	// PassWithout and GradedWithout over those that did not.
	PassWithTools   float64 `json:"pass_with_tools"`
	GradedWithTools int     `json:"graded_with_tools"`
	PassWithout     float64 `json:"pass_without"`
	GradedWithout   int     `json:"graded_without"`
	// Time is where the samples' time went.
	Time TimeSplit `json:"time"`
}

// TimeSplit is where the time of a set of samples went: waiting for the model, in tool calls,
// opening the tools; and, for the Timed samples whose records give it, the wall time.
type TimeSplit struct {
	ModelMS int64 `json:"model_ms"`
	ToolMS  int64 `json:"tool_ms"`
	OpenMS  int64 `json:"tool_open_ms"`
	// Timed counts the samples whose record gives their wall time; the wall time and the
	// parts below are theirs.
	Timed       int   `json:"timed"`
	WallMS      int64 `json:"wall_ms"`
	TimedModel  int64 `json:"timed_model_ms"`
	TimedTools  int64 `json:"timed_tool_ms"`
	TimedOpenMS int64 `json:"timed_tool_open_ms"`
}

func newToolStats() *ToolStats {
	return &ToolStats{PerTool: map[string]int{}, CodeKinds: map[string]int{}, Categories: map[string]int{}}
}

func (st *ToolStats) add(r *Result, use *SampleUse) {
	st.Samples++
	st.Turns += use.Turns
	st.Tokens = st.Tokens.Add(r.Tokens)
	st.Calls += use.Calls
	st.CallErrors += use.CallErrors
	for _, turn := range r.Trajectory.Turns {
		for i := range turn.Calls {
			c := &turn.Calls[i]
			st.PerTool[ToolName(c)]++
			st.Categories[CategoryOf(c)]++
			if c.Kind != "" {
				st.CodeKinds[c.Kind]++
			}
		}
	}
	if use.Calls > 0 {
		st.WithTools++
	}
	if r.Stop.Budget() {
		st.BudgetStops++
	}
	if r.Graded() {
		if use.Calls > 0 {
			st.GradedWithTools++
			st.PassWithTools += r.Score
		} else {
			st.GradedWithout++
			st.PassWithout += r.Score
		}
	}
	t := &st.Time
	t.ModelMS += use.ModelMS
	t.ToolMS += use.ToolMS
	t.OpenMS += use.OpenMS
	if use.WallMS > 0 {
		t.Timed++
		t.WallMS += use.WallMS
		t.TimedModel += use.ModelMS
		t.TimedTools += use.ToolMS
		t.TimedOpenMS += use.OpenMS
	}
}

// ToolTable is tool usage per group and run, with an overall row per run; and per run, samples
// by number of calls, the most frequent sequences of calls, and each tool's calls.
type ToolTable struct {
	By string `json:"by"`
	// Section is the section the table's grids show ("" for all).
	Section string `json:"-"`
	// Tools are every tool name called, sorted.
	Tools []string  `json:"tools"`
	Runs  []string  `json:"runs"`
	Rows  []ToolRow `json:"rows"`
	// CallCounts gives, for each run, the samples with each number of calls (the last
	// bucket, MaxCallsBucket, those with as many or more), from 0 to the largest.
	CallCounts []CallCount `json:"call_counts"`
	// Sequences are, for each run, its TopSequences most frequent sequences of calls.
	Sequences []Sequence `json:"sequences"`
	// PerTool gives, for each run, each tool's calls, sorted by name.
	PerTool []ToolCalls `json:"per_tool_calls"`
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

// CallCount is how many samples of a run made Calls tool calls (AtLeast: Calls or more), and
// how many of them passed.
type CallCount struct {
	Run     string  `json:"run"`
	Calls   int     `json:"calls"`
	AtLeast bool    `json:"at_least,omitempty"`
	Samples int     `json:"samples"`
	Graded  int     `json:"graded"`
	Pass    float64 `json:"pass"`
}

// Label names the bucket: "3", or "10+".
func (c CallCount) Label() string {
	if c.AtLeast {
		return strconv.Itoa(c.Calls) + "+"
	}
	return strconv.Itoa(c.Calls)
}

// Sequence is a sequence of tool calls (SampleUse.Sequence) that Samples samples of a run
// made, and how many of them passed.
type Sequence struct {
	Run      string  `json:"run"`
	Sequence string  `json:"sequence"`
	Samples  int     `json:"samples"`
	Graded   int     `json:"graded"`
	Pass     float64 `json:"pass"`
}

// ToolCalls is what one tool's calls came to in a run: how many, in how many samples, how many
// failed, and how long they took.
type ToolCalls struct {
	Run        string `json:"run"`
	Tool       string `json:"tool"`
	Calls      int    `json:"calls"`
	Samples    int    `json:"samples"`
	Errors     int    `json:"errors"`
	DurationMS int64  `json:"duration_ms"`
}

// Table returns the aggregated table: for each group (sorted) every run, then the overall
// rows; and the distributions of each run.
func (u *ToolUsage) Table() *ToolTable {
	t := &ToolTable{By: u.by, Section: u.Section, Runs: append([]string(nil), u.runs...)}
	for name := range u.tools {
		t.Tools = append(t.Tools, name)
	}
	sort.Strings(t.Tools)
	multi := len(u.suite) > 1 && u.by != "suite" // a row per suite needs no suite before its name
	eachCell(&u.coverage, u.by, u.group, multi, u.runs, u.stats, u.total, func(st *ToolStats) int { return st.Samples },
		func(key, run string, st *ToolStats, expected *int, incomplete bool) {
			t.Rows = append(t.Rows, ToolRow{Key: key, Run: run, ToolStats: *st, Expected: expected, incomplete: incomplete})
		})
	for _, run := range u.runs {
		ru := u.perRun[run]
		last := -1
		for i, b := range ru.buckets {
			if b.samples > 0 {
				last = i
			}
		}
		for i := 0; i <= last; i++ {
			b := ru.buckets[i]
			t.CallCounts = append(t.CallCounts, CallCount{Run: run, Calls: i, AtLeast: i == MaxCallsBucket,
				Samples: b.samples, Graded: b.graded, Pass: b.pass})
		}
		var seqs []Sequence
		for s, o := range ru.sequences {
			seqs = append(seqs, Sequence{Run: run, Sequence: s, Samples: o.samples, Graded: o.graded, Pass: o.pass})
		}
		slices.SortFunc(seqs, func(a, b Sequence) int {
			return cmp.Or(b.Samples-a.Samples, cmp.Compare(a.Sequence, b.Sequence))
		})
		t.Sequences = append(t.Sequences, seqs[:min(len(seqs), TopSequences)]...)
		for _, name := range slices.Sorted(maps.Keys(ru.tools)) {
			t.PerTool = append(t.PerTool, *ru.tools[name])
		}
	}
	t.Coverage, t.Notes = u.coverage.all(), u.coverage.lines()
	return t
}

// Row returns the row of group key (OverallKey for all samples) in run, and whether t has
// one.
func (t *ToolTable) Row(run, key string) (ToolRow, bool) {
	for _, r := range t.Rows {
		if r.Run == run && r.Key == key {
			return r, true
		}
	}
	return ToolRow{}, false
}

// cells formats the figures of a grid: none where there is nothing to divide by.
type cells struct {
	decimals int
	none     string
}

// pct is 100·num/den with the grid's decimals.
func (c cells) pct(num float64, den int) string {
	if den == 0 {
		return c.none
	}
	return formatPct(100*num/float64(den), c.decimals)
}

// mean is num/den with two decimals.
func (c cells) mean(num float64, den int) string {
	if den == 0 {
		return c.none
	}
	return strconv.FormatFloat(num/float64(den), 'f', 2, 64)
}

// whole is num/den rounded to a whole number.
func (c cells) whole(num float64, den int) string {
	if den == 0 {
		return c.none
	}
	return strconv.FormatFloat(num/float64(den), 'f', 0, 64)
}

// seconds is num milliseconds over den, in seconds with two decimals.
func (c cells) seconds(ms int64, den int) string {
	return c.mean(float64(ms)/1000, den)
}

// Grid lays out t's usage section for printing: n of expected (marked † when it falls short),
// rates as percentages with decimals digits, means per sample with two; "–" where there is
// nothing to divide by.
func (t *ToolTable) Grid(decimals int) *Grid { return t.usageGrid(cells{decimals, "–"}, false) }

// usageGrid is Grid, or for CSV (csv) empty cells where there is nothing to divide by and the
// expected count in a column of its own.
func (t *ToolTable) usageGrid(c cells, csv bool) *Grid {
	g := &Grid{Header: []string{t.By, "run", "n", "tool use %", "calls/sample", "tool errors %", "turns/sample",
		"tokens/sample", "budget stops %", "acc with tools", "acc without"}, Notes: t.Notes, Left: 2}
	if csv {
		g.Header = append(g.Header, "expected")
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
		row := []string{r.Key, r.Run, n, c.pct(float64(r.WithTools), r.Samples),
			c.mean(float64(r.Calls), r.Samples), c.pct(float64(r.CallErrors), r.Calls), c.mean(float64(r.Turns), r.Samples),
			c.whole(float64(r.Tokens.Total), r.Samples),
			c.pct(float64(r.BudgetStops), r.Samples), c.pct(r.PassWithTools, r.GradedWithTools), c.pct(r.PassWithout, r.GradedWithout)}
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

// categoriesGrid lays out the share of calls in each category (DeepEyesV2's Figure 6).
func (t *ToolTable) categoriesGrid(c cells) *Grid {
	g := &Grid{Header: []string{t.By, "run", "calls"}, Left: 2}
	for _, k := range Categories {
		g.Header = append(g.Header, CategoryTitle(k)+" %")
	}
	for _, r := range t.Rows {
		row := []string{r.Key, r.Run, strconv.Itoa(r.Calls)}
		for _, k := range Categories {
			row = append(row, c.pct(float64(r.Categories[k]), r.Calls))
		}
		g.Rows = append(g.Rows, row)
	}
	return g
}

// CategoryTitle names category k (one of Categories) as people read it: "image search".
func CategoryTitle(k string) string {
	switch k {
	case CategoryImageSearch:
		return "image search"
	case CategoryTextSearch:
		return "text search"
	case CategoryWebVisit:
		return "web visit"
	}
	return k
}

// perToolGrid lays out each tool's calls in each run.
func (t *ToolTable) perToolGrid(c cells) *Grid {
	g := &Grid{Header: []string{"run", "tool", "calls", "calls/sample", "share %", "samples %", "errors %", "s/call"}, Left: 2}
	for _, tc := range t.PerTool {
		all, _ := t.Row(tc.Run, OverallKey)
		g.Rows = append(g.Rows, []string{tc.Run, tc.Tool, strconv.Itoa(tc.Calls), c.mean(float64(tc.Calls), all.Samples),
			c.pct(float64(tc.Calls), all.Calls), c.pct(float64(tc.Samples), all.Samples), c.pct(float64(tc.Errors), tc.Calls),
			c.seconds(tc.DurationMS, tc.Calls)})
	}
	return g
}

// callsGrid lays out the samples of each run by number of calls, and their accuracy.
func (t *ToolTable) callsGrid(c cells) *Grid {
	g := &Grid{Header: []string{"run", "calls", "samples", "share %", "accuracy"}, Left: 1}
	for _, cc := range t.CallCounts {
		all, _ := t.Row(cc.Run, OverallKey)
		g.Rows = append(g.Rows, []string{cc.Run, cc.Label(), strconv.Itoa(cc.Samples), c.pct(float64(cc.Samples), all.Samples),
			c.pct(cc.Pass, cc.Graded)})
	}
	for _, run := range t.Runs {
		all, _ := t.Row(run, OverallKey)
		g.Notes = append(g.Notes, fmt.Sprintf("%s: %s tool calls per sample", run, c.mean(float64(all.Calls), all.Samples)))
	}
	return g
}

// sequencesGrid lays out the most frequent sequences of calls of each run.
func (t *ToolTable) sequencesGrid(c cells) *Grid {
	g := &Grid{Header: []string{"run", "sequence", "samples", "share %", "accuracy"}, Left: 2}
	for _, s := range t.Sequences {
		all, _ := t.Row(s.Run, OverallKey)
		g.Rows = append(g.Rows, []string{s.Run, s.Sequence, strconv.Itoa(s.Samples), c.pct(float64(s.Samples), all.WithTools),
			c.pct(s.Pass, s.Graded)})
	}
	if len(t.Sequences) > 0 {
		g.Notes = []string{fmt.Sprintf("the %d most frequent per run; share of the samples that called a tool; a run of the same call is one step (×n)", TopSequences)}
	}
	return g
}

// timeGrid lays out where the samples' time went.
func (t *ToolTable) timeGrid(c cells) *Grid {
	g := &Grid{Header: []string{t.By, "run", "n", "wall s/sample", "model s/sample", "tools s/sample", "model %", "tools %", "other %"}, Left: 2}
	old := false
	for _, r := range t.Rows {
		tm := r.Time
		tools := tm.ToolMS + tm.OpenMS
		row := []string{r.Key, r.Run, strconv.Itoa(r.Samples), c.seconds(tm.WallMS, tm.Timed), c.seconds(tm.ModelMS, r.Samples),
			c.seconds(tools, r.Samples)}
		if tm.Timed == 0 || tm.WallMS == 0 {
			row = append(row, c.none, c.none, c.none)
		} else {
			timedTools := tm.TimedTools + tm.TimedOpenMS
			other := max(0, tm.WallMS-tm.TimedModel-timedTools)
			row = append(row, c.pct(float64(tm.TimedModel), int(tm.WallMS)), c.pct(float64(timedTools), int(tm.WallMS)),
				c.pct(float64(other), int(tm.WallMS)))
		}
		old = old || tm.Timed < r.Samples
		g.Rows = append(g.Rows, row)
	}
	g.Notes = append(g.Notes, "tools: the calls and opening the tools (a sandbox's start); other: waiting for the endpoint's slots and retries, preparing requests")
	if old {
		g.Notes = append(g.Notes, "some records do not give their wall time (written before realx recorded it, or under a millisecond): wall time and the shares count only those that do")
	}
	return g
}

// Grids returns the grids of t's section, or of every section.
func (t *ToolTable) Grids(decimals int) []*Grid {
	c := cells{decimals, "–"}
	var out []*Grid
	for _, s := range ToolSections {
		if t.Section == "" || t.Section == s {
			out = append(out, t.sectionGrid(s, c, false))
		}
	}
	return out
}

// sectionGrid returns the grid of section s.
func (t *ToolTable) sectionGrid(s string, c cells, csv bool) *Grid {
	switch s {
	case ToolsCategories:
		return t.categoriesGrid(c)
	case ToolsPerTool:
		return t.perToolGrid(c)
	case ToolsCalls:
		return t.callsGrid(c)
	case ToolsSequences:
		return t.sequencesGrid(c)
	case ToolsTime:
		return t.timeGrid(c)
	}
	return t.usageGrid(c, csv)
}

// CSV lays t's section (the usage when it shows all) out for machines: the cells with
// nothing to divide by are empty, and the usage's expected count has a column of its own.
func (t *ToolTable) CSV(decimals int) *Grid {
	s := t.Section
	if s == "" {
		s = ToolsUsage
	}
	g := t.sectionGrid(s, cells{decimals, ""}, true)
	g.Notes = nil
	return g
}

// Layout returns the tool-usage table aggregated so far.
func (u *ToolUsage) Layout() Layout { return u.Table() }
