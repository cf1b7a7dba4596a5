package reports

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/realx-bench/realx/tasks"
)

// PaperOptions say how a paper table is laid out (NewPaper).
type PaperOptions struct {
	// By is what the columns are: "capability" (the default: each suite's capabilities, then
	// its overall when it has several) or "suite" (each suite's overall).
	By string
	// Rows selects the rows and their order, by name (a run's label, or the model of the
	// runs a row joins); every row, in the order of the inputs, when empty.
	Rows []string
	// Columns selects the columns and their order, by key: SUITE (every column of the
	// suite), SUITE/CAPABILITY, or SUITE/overall; every column when empty.
	Columns []string
	// Order sorts the rows: "" (as given), "name", "average", or a column's key (SUITE for its
	// overall), best first.
	Order string
	// CI adds ± half the width of each figure's 95% interval; Average a column of each row's
	// mean over its suites, each suite weighing the same.
	CI, Average bool
	// Rename gives names to print for runs, rows, suites (SUITE) and columns
	// (SUITE/CAPABILITY, SUITE/overall).
	Rename map[string]string
	// Caption and Label are the LaTeX table's caption (the title over the table in text and
	// Markdown) and \label.
	Caption, Label string
	// Decimals is the precision of the figures, at which the best and the second of each
	// column are told.
	Decimals int
}

// PaperOptionError is a paper table's option that names what the runs do not have: a row, a
// column, an order.
type PaperOptionError struct{ Msg string }

// Error returns the message.
func (e *PaperOptionError) Error() string { return e.Msg }

// Paper aggregates runs into a table for a paper: runs (models) as rows, capabilities or
// suites as columns, several suites side by side in one wide table, as the seed papers print
// theirs. Runs of the same model over different suites (a run directory per suite) join in one
// row. Beside a figure, where the suite declares the paper's number for the row's model
// (SuiteInfo.Paper), it prints that number and the difference. The best figure of each
// column is marked bold, the second underlined. Like every report, each figure says what it
// counts: n of expected in a note, and the figures of incomplete runs marked †.
type Paper struct {
	acc   *Accuracy
	opts  PaperOptions
	model map[string]string
	paper map[string][]tasks.PaperNumber
	table *PaperTable
	err   error
}

// NewPaper returns an empty paper table laid out as o says.
func NewPaper(o PaperOptions) (*Paper, error) {
	switch o.By {
	case "":
		o.By = "capability"
	case "capability", "suite":
	default:
		return nil, fmt.Errorf("a paper table's columns are capabilities or suites, not %q", o.By)
	}
	acc, err := NewAccuracy("capability")
	if err != nil {
		return nil, err
	}
	return &Paper{acc: acc, opts: o, model: map[string]string{}, paper: map[string][]tasks.PaperNumber{}}, nil
}

// AddRun adds run's column, if it is not there yet.
func (p *Paper) AddRun(run string) { p.acc.AddRun(run) }

// Expect says what run should have (ExpectedOf its manifest; nil when unknown).
func (p *Paper) Expect(run string, e *Expected) { p.acc.Expect(run, e) }

// Manifest takes what run's manifest says beyond what the run should have: its model's name,
// and the numbers papers report on its suites.
func (p *Paper) Manifest(run string, m *Manifest) {
	if m == nil {
		return
	}
	if m.Model.Name != "" {
		p.model[run] = m.Model.Name
	}
	for _, s := range m.Suites {
		for _, n := range s.Paper {
			if !slices.Contains(p.paper[s.Name], n) {
				p.paper[s.Name] = append(p.paper[s.Name], n)
			}
		}
	}
}

// Add counts r in run's figures.
func (p *Paper) Add(run string, r *Result) {
	if _, ok := p.model[run]; !ok && r.Model != "" {
		p.model[run] = r.Model
	}
	p.acc.Add(run, r)
}

// Note adds a note under the table.
func (p *Paper) Note(text string) { p.acc.Note(text) }

// By returns the field the figures are grouped by.
func (p *Paper) By() string { return "capability" }

// SuiteWise reports that the paper table sets runs side by side suite by suite: runs whose
// samples differ are told apart (and restricted, with --common) suite by suite.
func (p *Paper) SuiteWise() bool { return true }

// Lean reports that the paper table reads only the fields of a lean read of records.
func (p *Paper) Lean() bool { return true }

// Layout returns the table of what was added so far.
func (p *Paper) Layout() Layout {
	p.table, p.err = p.Table()
	if p.table == nil {
		return &PaperTable{}
	}
	return p.table
}

// Problem returns the error of the last Layout: an option that names what the runs do not
// have (*PaperOptionError).
func (p *Paper) Problem() error { return p.err }

// PaperTable is a paper table: rows of runs, columns of capabilities or suites.
type PaperTable struct {
	Columns []PaperColumn `json:"columns"`
	Rows    []PaperRow    `json:"rows"`
	// Average says whether the rows have an average over their suites.
	Average  bool       `json:"average"`
	Coverage []Coverage `json:"coverage"`
	Notes    []string   `json:"notes"`

	opts  PaperOptions
	multi bool
}

// PaperColumn is one column of figures of a paper table.
type PaperColumn struct {
	// Key is SUITE/CAPABILITY, or SUITE for the suite's overall.
	Key        string `json:"key"`
	Suite      string `json:"suite"`
	Capability string `json:"capability,omitempty"`
	// Name is the column's header, Group the suite's name over it.
	Name  string `json:"name"`
	Group string `json:"group"`
	// Paper says whether a row has the paper's number for the column.
	Paper bool `json:"paper"`
}

// PaperRow is one row of a paper table: a run, or runs of one model over different suites.
type PaperRow struct {
	Name    string      `json:"name"`
	Runs    []string    `json:"runs"`
	Cells   []PaperCell `json:"cells"`
	Average *PaperCell  `json:"average,omitempty"`

	models []string
}

// PaperCell is one figure of a paper table, with the paper's number when the suite declares
// it for the row's model, and the figure's rank in its column (1 best, 2 second, at the
// table's precision; 0 otherwise).
type PaperCell struct {
	Cell   Cell     `json:"cell"`
	Paper  *float64 `json:"paper,omitempty"`
	Delta  *float64 `json:"delta,omitempty"`
	Source string   `json:"source,omitempty"`
	Rank   int      `json:"rank,omitempty"`
}

// paperColumn is a column being laid out.
type paperColumn struct {
	suite, capability string // capability "" for the suite's overall
}

func (c paperColumn) key() string {
	if c.capability == "" {
		return c.suite
	}
	return c.suite + "/" + c.capability
}

// Table lays the table out, or returns a *PaperOptionError for an option that names what the
// runs do not have.
func (p *Paper) Table() (*PaperTable, error) {
	a, o := p.acc, p.opts
	t := &PaperTable{opts: o, Average: o.Average, Coverage: a.coverage.all()}
	rows := p.rows()
	if len(o.Rows) > 0 {
		var picked []PaperRow
		for _, name := range o.Rows {
			i := slices.IndexFunc(rows, func(r PaperRow) bool { return r.Name == name || slices.Contains(r.Runs, name) })
			if i < 0 {
				return nil, &PaperOptionError{fmt.Sprintf("--rows: no run or model %q (the rows are %s)", name, strings.Join(rowNames(rows), ", "))}
			}
			picked = append(picked, rows[i])
		}
		rows = picked
	}
	cols, err := p.columns()
	if err != nil {
		return nil, err
	}
	suites := map[string]bool{}
	for _, c := range cols {
		suites[c.suite] = true
	}
	t.multi = len(suites) > 1
	rename := func(key, name string) string {
		if v, ok := o.Rename[key]; ok {
			return v
		}
		return name
	}
	count := map[string]int{}
	for _, c := range cols {
		count[c.suite]++
	}
	for _, c := range cols {
		pc := PaperColumn{Key: c.key(), Suite: c.suite, Capability: c.capability, Group: rename(c.suite, c.suite)}
		switch {
		case c.capability != "":
			pc.Name = rename(c.key(), c.capability)
		case count[c.suite] > 1:
			pc.Key = c.suite
			pc.Name = rename(c.suite+"/overall", "Overall")
		default:
			pc.Name = pc.Group
		}
		t.Columns = append(t.Columns, pc)
	}
	for _, r := range rows {
		r.Name = rename(r.Name, r.Name)
		for j, c := range cols {
			run := p.runOf(r, c.suite)
			cell := PaperCell{Cell: Cell{ExpectedSamples: -1, Expected: -1, Missing: -1}}
			if run != "" {
				cell.Cell = p.cell(c, run)
			}
			if n, ok := p.paperNumber(r, c); ok {
				v, d := n.Value, cell.Cell.Accuracy-n.Value
				cell.Paper, cell.Source, t.Columns[j].Paper = &v, n.Source, true
				if cell.Cell.Defined() {
					cell.Delta = &d
				}
			}
			r.Cells = append(r.Cells, cell)
		}
		if o.Average {
			var parts []Cell
			for _, s := range slices.Sorted(maps.Keys(suites)) {
				part := Cell{}
				if run := p.runOf(r, s); run != "" {
					part = p.cell(paperColumn{suite: s}, run)
				}
				parts = append(parts, part)
			}
			avg := PaperCell{Cell: macro(parts)}
			r.Average = &avg
		}
		t.Rows = append(t.Rows, r)
	}
	if err := t.order(o.Order); err != nil {
		return nil, err
	}
	t.rank(o.Decimals)
	t.Notes = p.notes(t, len(suites))
	return t, nil
}

// rows returns the rows of the runs, in the order they were added: runs of the same model
// whose suites do not overlap join one row, named by the model; a run alone is named by its
// label.
func (p *Paper) rows() []PaperRow {
	a := p.acc
	suitesOf := func(run string) map[string]bool {
		out := map[string]bool{}
		for k := range a.bySuite {
			if k.run == run {
				out[k.suite] = true
			}
		}
		if e := a.coverage.expected[run]; e != nil {
			for s := range e.suites {
				out[s] = true
			}
		}
		return out
	}
	var rows []PaperRow
	var taken []map[string]bool
	for _, run := range a.runs {
		model, suites := p.model[run], suitesOf(run)
		joined := false
		for i := range rows {
			r := &rows[i]
			if model == "" || !slices.Contains(r.models, model) || overlaps(taken[i], suites) {
				continue
			}
			r.Runs = append(r.Runs, run)
			r.Name = model
			maps.Copy(taken[i], suites)
			joined = true
			break
		}
		if !joined {
			rows = append(rows, PaperRow{Name: run, Runs: []string{run}, models: []string{model}})
			taken = append(taken, suites)
		}
	}
	return rows
}

func overlaps(a, b map[string]bool) bool {
	for k := range a {
		if b[k] {
			return true
		}
	}
	return false
}

func rowNames(rows []PaperRow) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.Name
	}
	return out
}

// runOf returns the run of row r that holds suite, "" when none does.
func (p *Paper) runOf(r PaperRow, suite string) string {
	for _, run := range r.Runs {
		if p.acc.bySuite[cellKey{groupKey{suite, ""}, run}] != nil {
			return run
		}
		if e := p.acc.coverage.expected[run]; e != nil {
			if _, ok := e.suites[suite]; ok {
				return run
			}
		}
	}
	return ""
}

// cell returns the figure of column c in run.
func (p *Paper) cell(c paperColumn, run string) Cell {
	a := p.acc
	if c.capability == "" {
		return a.finish(a.bySuite[cellKey{groupKey{c.suite, ""}, run}], run, suiteExpected(c.suite))
	}
	g := groupKey{c.suite, c.capability}
	return a.finish(a.cells[cellKey{g, run}], run, func(e *Expected) (int, int, bool) { return e.group(g, "capability") })
}

// columns returns the columns: by capability, each suite's capabilities and then its
// overall (only the overall for a suite of one capability); by suite, each suite's overall;
// those --columns names, in its order.
func (p *Paper) columns() ([]paperColumn, error) {
	a := p.acc
	var all []paperColumn
	bySuite := map[string][]paperColumn{}
	for _, s := range slices.Sorted(maps.Keys(a.suites)) {
		var caps []paperColumn
		if p.opts.By == "capability" {
			for _, g := range sortedGroups(a.groups) {
				if g.suite == s {
					caps = append(caps, paperColumn{s, g.group})
				}
			}
		}
		if len(caps) < 2 {
			caps = nil
		}
		caps = append(caps, paperColumn{suite: s})
		bySuite[s] = caps
		all = append(all, caps...)
	}
	if len(p.opts.Columns) == 0 {
		return all, nil
	}
	var out []paperColumn
	for _, key := range p.opts.Columns {
		suite, capability, _ := strings.Cut(key, "/")
		switch cols, ok := bySuite[suite]; {
		case !ok:
			return nil, &PaperOptionError{fmt.Sprintf("--columns: no suite %q (the suites are %s)", suite, strings.Join(slices.Sorted(maps.Keys(bySuite)), ", "))}
		case capability == "":
			out = append(out, cols...)
		case capability == "overall":
			out = append(out, paperColumn{suite: suite})
		default:
			c := paperColumn{suite, capability}
			if !slices.Contains(cols, c) && !a.groups[groupKey{suite, capability}] {
				var keys []string
				for _, g := range sortedGroups(a.groups) {
					if g.suite == suite {
						keys = append(keys, suite+"/"+g.group)
					}
				}
				return nil, &PaperOptionError{fmt.Sprintf("--columns: suite %s has no capability %q (its columns are %s, %s/overall)", suite, capability, strings.Join(keys, ", "), suite)}
			}
			out = append(out, c)
		}
	}
	return out, nil
}

// paperNumber returns the number the suite of column c declares for the model of row r.
func (p *Paper) paperNumber(r PaperRow, c paperColumn) (tasks.PaperNumber, bool) {
	names := append([]string{r.Name}, r.Runs...)
	for _, run := range r.Runs {
		names = append(names, p.model[run])
	}
	for _, n := range p.paper[c.suite] {
		if n.MetricName() != "accuracy" || n.Capability != c.capability {
			continue
		}
		for _, name := range names {
			if name != "" && strings.EqualFold(strings.TrimSpace(n.Model), name) {
				return n, true
			}
		}
	}
	return tasks.PaperNumber{}, false
}

// order sorts the rows as --order says; ties keep their order.
func (t *PaperTable) order(by string) error {
	var value func(r PaperRow) (float64, bool)
	switch by {
	case "", "input":
		return nil
	case "name":
		slices.SortStableFunc(t.Rows, func(a, b PaperRow) int { return NaturalCompare(a.Name, b.Name) })
		return nil
	case "average":
		if !t.Average {
			return &PaperOptionError{"--order average goes with --average"}
		}
		value = func(r PaperRow) (float64, bool) { return r.Average.Cell.Accuracy, r.Average.Cell.Defined() }
	default:
		key := strings.TrimSuffix(by, "/overall")
		j := slices.IndexFunc(t.Columns, func(c PaperColumn) bool { return c.Key == key })
		if j < 0 {
			keys := []string{"name", "average"}
			for _, c := range t.Columns {
				keys = append(keys, c.Key)
			}
			return &PaperOptionError{fmt.Sprintf("--order: no column %q (want %s)", by, strings.Join(slices.Compact(keys), ", "))}
		}
		value = func(r PaperRow) (float64, bool) { return r.Cells[j].Cell.Accuracy, r.Cells[j].Cell.Defined() }
	}
	slices.SortStableFunc(t.Rows, func(a, b PaperRow) int {
		va, oka := value(a)
		vb, okb := value(b)
		if oka != okb {
			if oka {
				return -1
			}
			return 1
		}
		return cmp.Compare(vb, va)
	})
	return nil
}

// rank marks each column's best figure 1 and its second 2, as printed with decimals digits
// (equal figures share their rank): the best when two rows or more have a figure, the second
// when three or more do.
func (t *PaperTable) rank(decimals int) {
	column := func(cell func(r *PaperRow) *PaperCell) {
		var values []float64
		for i := range t.Rows {
			if c := cell(&t.Rows[i]); c != nil {
				c.Rank = 0
				if c.Cell.Defined() {
					v, _ := strconv.ParseFloat(formatPct(c.Cell.Accuracy, decimals), 64)
					values = append(values, v)
				}
			}
		}
		if len(values) < 2 {
			return
		}
		distinct := slices.Compact(slices.Sorted(slices.Values(values)))
		slices.Reverse(distinct)
		for i := range t.Rows {
			c := cell(&t.Rows[i])
			if c == nil || !c.Cell.Defined() {
				continue
			}
			v, _ := strconv.ParseFloat(formatPct(c.Cell.Accuracy, decimals), 64)
			switch {
			case v == distinct[0]:
				c.Rank = 1
			case len(values) >= 3 && len(distinct) > 1 && v == distinct[1]:
				c.Rank = 2
			}
		}
	}
	for j := range t.Columns {
		column(func(r *PaperRow) *PaperCell { return &r.Cells[j] })
	}
	if t.Average {
		column(func(r *PaperRow) *PaperCell { return r.Average })
	}
}

// notes returns the notes under table t of suites suites: what the figures are, how many
// samples each counts, the runs' coverage, repeats, the average, the marks, the papers.
func (p *Paper) notes(t *PaperTable, suites int) []string {
	what := "Figures: accuracy (%) over the samples with a verdict"
	if t.opts.CI {
		what += "; ± half the width of its 95% interval (Wilson's for pass/fail samples run once, else clustered by sample)"
	}
	out := []string{what + "."}
	var ns []string
	for j, c := range t.Columns {
		var each []string
		same := true
		for i, r := range t.Rows {
			cl := r.Cells[j].Cell
			n := nOf(cl.Samples, cl.ExpectedSamples, cl.Complete())
			if i > 0 && n != strings.Fields(each[0])[0] {
				same = false
			}
			each = append(each, n+" ("+r.Name+")")
		}
		name := c.Key
		if len(each) > 0 && same {
			ns = append(ns, name+" "+strings.Fields(each[0])[0])
		} else if len(each) > 0 {
			ns = append(ns, name+" "+strings.Join(each, ", "))
		}
	}
	if len(ns) > 0 {
		out = append(out, "n (samples with a verdict, of those expected): "+strings.Join(ns, "; ")+".")
	}
	out = append(out, p.acc.coverage.lines()...)
	repeats := 0
	for _, r := range t.Rows {
		for _, c := range r.Cells {
			repeats = max(repeats, c.Cell.Repeats)
		}
	}
	if repeats > 1 {
		out = append(out, fmt.Sprintf("A sample's figure is the mean over its repeats (up to %d); n counts samples.", repeats))
	}
	if t.Average {
		out = append(out, fmt.Sprintf("Avg.: the mean of the row's %d suites' accuracies, each suite weighing the same; none when a suite has no figure.", suites))
	}
	out = append(out, "Bold: the best figure of its column; underlined: the second (as printed). –: no sample with a verdict.")
	var sources []string
	for _, c := range t.Columns {
		for _, r := range t.Rows {
			for j := range r.Cells {
				if t.Columns[j].Key == c.Key && r.Cells[j].Source != "" && !slices.Contains(sources, r.Cells[j].Source) {
					sources = append(sources, r.Cells[j].Source)
				}
			}
		}
	}
	if len(sources) > 0 {
		out = append(out, "paper: the figure reported in "+strings.Join(sources, "; ")+"; Δ: ours minus the paper's, in points.")
	}
	return out
}

// Grids returns the table as printed, figures with decimals digits.
func (t *PaperTable) Grids(decimals int) []*Grid {
	t.rank(decimals)
	g := &Grid{Header: []string{"model"}, Sub: []string{"Model"}, Groups: []HeaderGroup{{Cols: 1}}, Notes: t.Notes,
		Title: t.opts.Caption, Label: t.opts.Label}
	for j, c := range t.Columns {
		head := c.Name
		if t.multi && c.Name != c.Group {
			head = c.Group + "/" + c.Name
		}
		width := 1
		if c.Paper {
			width = 3
		}
		label, sub := c.Group, c.Name
		if !t.multi || (c.Name == c.Group && width == 1) {
			label = ""
		} else if c.Name == c.Group {
			sub = "Overall" // under its suite's name
		}
		g.Header, g.Sub = append(g.Header, head), append(g.Sub, sub)
		if c.Paper {
			g.Header, g.Sub = append(g.Header, "paper", "Δ"), append(g.Sub, "paper", "Δ")
		}
		last := &g.Groups[len(g.Groups)-1]
		if label != "" && j > 0 && t.Columns[j-1].Group == c.Group && last.Label == label {
			last.Cols += width
		} else {
			g.Groups = append(g.Groups, HeaderGroup{Label: label, Cols: width})
		}
	}
	if t.Average {
		g.Header = append(g.Header, "Avg.")
		g.Sub = append(g.Sub, "Avg.")
		g.Groups = append(g.Groups, HeaderGroup{Cols: 1})
	}
	if !slices.ContainsFunc(g.Groups, func(h HeaderGroup) bool { return h.Label != "" }) {
		g.Groups, g.Sub = nil, nil
	}
	figure := func(c *PaperCell) (string, Emphasis) {
		if !c.Cell.Defined() {
			return "–", Plain
		}
		s := formatPct(c.Cell.Accuracy, decimals)
		if t.opts.CI {
			s += " ± " + formatPct((c.Cell.CIHigh-c.Cell.CILow)/2, decimals)
		}
		if !c.Cell.Complete() {
			s += incompleteMark
		}
		return s, [...]Emphasis{Plain, Bold, Underline}[min(c.Rank, 2)]
	}
	for _, r := range t.Rows {
		row, emph := []string{r.Name}, []Emphasis{Plain}
		for j, c := range r.Cells {
			s, e := figure(&r.Cells[j])
			row, emph = append(row, s), append(emph, e)
			if t.Columns[j].Paper {
				paper, delta := "", ""
				if c.Paper != nil {
					paper = formatPct(*c.Paper, decimals)
				}
				if c.Delta != nil {
					delta = formatDelta(*c.Delta, decimals)
				}
				row, emph = append(row, paper, delta), append(emph, Plain, Plain)
			}
		}
		if r.Average != nil {
			s, e := figure(r.Average)
			row, emph = append(row, s), append(emph, e)
		}
		g.Rows = append(g.Rows, row)
		g.Emphasis = append(g.Emphasis, emph)
	}
	return []*Grid{g}
}

// formatDelta writes a difference in points with its sign.
func formatDelta(v float64, decimals int) string {
	s := formatPct(v, decimals)
	if strings.Trim(s, "-0.") == "" {
		return formatPct(0, decimals)
	}
	if !strings.HasPrefix(s, "-") {
		s = "+" + s
	}
	return s
}

// CSV lays the table out in long form: one line per row and column (and average), with four
// decimals, n of expected, whether the figure is complete, the paper's figure and the
// difference, and the rank at decimals digits.
func (t *PaperTable) CSV(decimals int) *Grid {
	t.rank(decimals)
	g := &Grid{Header: []string{"row", "column", "suite", "capability", "accuracy", "ci_low", "ci_high", "samples",
		"expected_samples", "complete", "paper", "delta", "rank"}}
	line := func(r PaperRow, key, suite, capability string, c *PaperCell) {
		acc, lo, hi, paper, delta, expected := "", "", "", "", "", ""
		if c.Cell.Defined() {
			acc, lo, hi = formatPct(c.Cell.Accuracy, 4), formatPct(c.Cell.CILow, 4), formatPct(c.Cell.CIHigh, 4)
		}
		if c.Paper != nil {
			paper = strconv.FormatFloat(*c.Paper, 'f', -1, 64)
		}
		if c.Delta != nil {
			delta = formatPct(*c.Delta, 4)
		}
		if c.Cell.ExpectedSamples >= 0 {
			expected = strconv.Itoa(c.Cell.ExpectedSamples)
		}
		g.Rows = append(g.Rows, []string{r.Name, key, suite, capability, acc, lo, hi, strconv.Itoa(c.Cell.Samples), expected,
			strconv.FormatBool(c.Cell.Complete()), paper, delta, strconv.Itoa(c.Rank)})
	}
	for _, r := range t.Rows {
		for j, c := range t.Columns {
			line(r, c.Key, c.Suite, c.Capability, &r.Cells[j])
		}
		if r.Average != nil {
			line(r, "average", "", "", r.Average)
		}
	}
	return g
}
