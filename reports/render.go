package reports

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
)

// Layout is a finished report as a Renderer lays it out: the tables people read, the one
// table machines read, and, in JSON, the value itself (or its JSONValue, when it has one).
type Layout interface {
	// Grids returns the tables of text and Markdown, in order, percentages with decimals
	// digits.
	Grids(decimals int) []*Grid
	// CSV returns the one table of CSV, in long form where the grids are wide.
	CSV(decimals int) *Grid
}

// Renderer writes a finished report in one format.
type Renderer interface {
	Render(w io.Writer, l Layout, decimals int) error
}

// RenderFunc adapts a function to a Renderer.
type RenderFunc func(w io.Writer, l Layout, decimals int) error

// Render calls f.
func (f RenderFunc) Render(w io.Writer, l Layout, decimals int) error { return f(w, l, decimals) }

// renderers are the output formats of reports and what writes each: the one list that flags,
// their help and their validation read (Formats, RendererFor). A new format is one renderer
// here.
var renderers = []struct {
	format string
	r      Renderer
}{
	{"text", gridsRenderer((*Grid).WriteText)},
	{"md", gridsRenderer((*Grid).WriteMarkdown)},
	{"csv", RenderFunc(func(w io.Writer, l Layout, decimals int) error { return l.CSV(decimals).WriteCSV(w) })},
	{"json", RenderFunc(func(w io.Writer, l Layout, _ int) error {
		if v, ok := l.(interface{ JSONValue() any }); ok {
			return WriteJSON(w, v.JSONValue())
		}
		return WriteJSON(w, l)
	})},
	{"latex", gridsRenderer((*Grid).WriteLaTeX)},
}

// formatAliases are other names of formats.
var formatAliases = map[string]string{"markdown": "md", "": "text"}

// Formats lists the output formats of reports, in the order help lists them.
var Formats = func() []string {
	names := make([]string, len(renderers))
	for i, r := range renderers {
		names[i] = r.format
	}
	return names
}()

// RendererFor returns the renderer of format, one of Formats (or "markdown", or "" for text).
func RendererFor(format string) (Renderer, error) {
	if alias, ok := formatAliases[format]; ok {
		format = alias
	}
	for _, r := range renderers {
		if r.format == format {
			return r.r, nil
		}
	}
	return nil, fmt.Errorf("unknown format %q (want one of %s)", format, strings.Join(Formats, ", "))
}

// Write writes l to w in format, percentages with decimals digits.
func Write(w io.Writer, l Layout, format string, decimals int) error {
	r, err := RendererFor(format)
	if err != nil {
		return err
	}
	return r.Render(w, l, decimals)
}

// gridsRenderer renders each of a layout's grids with write, an empty line between two.
func gridsRenderer(write func(*Grid, io.Writer) error) Renderer {
	return RenderFunc(func(w io.Writer, l Layout, decimals int) error {
		for i, g := range l.Grids(decimals) {
			if i > 0 {
				if _, err := fmt.Fprintln(w); err != nil {
					return err
				}
			}
			if err := write(g, w); err != nil {
				return err
			}
		}
		return nil
	})
}

// Listing is a Layout of one grid, whose JSON form is Value: a plain list such as the shipped
// suites.
type Listing struct {
	Grid  *Grid
	Value any
}

// Grids returns the listing's grid.
func (l Listing) Grids(int) []*Grid { return []*Grid{l.Grid} }

// CSV returns the listing's grid.
func (l Listing) CSV(int) *Grid { return l.Grid }

// JSONValue returns what the listing is in JSON.
func (l Listing) JSONValue() any { return l.Value }

// Grid is a table ready to print: a header and rows of cells. The first column (or the first
// Left columns) is left-aligned (names), the others right-aligned (numbers). Notes are printed
// under the table in text and Markdown: what a figure counts, where a reader could mistake it.
type Grid struct {
	Header []string
	Rows   [][]string
	Left   int
	Notes  []string
	// Title, when set, is printed above the table (a LaTeX table's caption); Label is a
	// LaTeX table's \label.
	Title, Label string
	// Emphasis marks cells of Rows (same shape; nil for none) to print in bold or underlined,
	// in Markdown and LaTeX.
	Emphasis [][]Emphasis
	// Groups, when set, spans the columns under labels printed above the header in LaTeX (a
	// suite over its capabilities), where Sub, when set, is the header under them; text,
	// Markdown and CSV print Header.
	Groups []HeaderGroup
	Sub    []string
	// Fold, in Markdown, puts the table in a <details> block that its title opens: a long
	// list in a pull-request comment.
	Fold bool
}

// Emphasis is how a cell is set apart: the best of its column in bold, the second underlined.
type Emphasis int

// The emphases of cells.
const (
	Plain Emphasis = iota
	Bold
	Underline
)

// HeaderGroup is a label over Cols consecutive columns of a grid's header ("" for none).
type HeaderGroup struct {
	Label string
	Cols  int
}

// emphasis returns the emphasis of cell j of row i.
func (g *Grid) emphasis(i, j int) Emphasis {
	if i < len(g.Emphasis) && j < len(g.Emphasis[i]) {
		return g.Emphasis[i][j]
	}
	return Plain
}

// WriteText prints g as a box table for a terminal, its title over it and its notes under it.
func (g *Grid) WriteText(w io.Writer) error {
	if g.Title != "" {
		if _, err := fmt.Fprintln(w, g.Title); err != nil {
			return err
		}
	}
	if err := g.writeTable(w, renderer.NewBlueprint()); err != nil {
		return err
	}
	for _, n := range g.Notes {
		if _, err := fmt.Fprintln(w, "note: "+n); err != nil {
			return err
		}
	}
	return nil
}

// WriteMarkdown prints g as a GitHub-flavoured Markdown table, with | in cells escaped, the
// emphasized cells in bold (**) or underlined (<u>), its title over it in bold and its notes
// under it as a list.
func (g *Grid) WriteMarkdown(w io.Writer) error {
	switch {
	case g.Fold:
		if _, err := fmt.Fprintf(w, "<details><summary>%s</summary>\n\n", html.EscapeString(g.Title)); err != nil {
			return err
		}
		defer fmt.Fprintf(w, "\n</details>\n")
	case g.Title != "":
		if _, err := fmt.Fprintf(w, "**%s**\n\n", g.Title); err != nil {
			return err
		}
	}
	esc := &Grid{Header: escapePipes(g.Header), Left: g.Left}
	for i, r := range g.Rows {
		row := escapePipes(r)
		for j := range row {
			switch g.emphasis(i, j) {
			case Bold:
				row[j] = "**" + row[j] + "**"
			case Underline:
				row[j] = "<u>" + row[j] + "</u>"
			}
		}
		esc.Rows = append(esc.Rows, row)
	}
	if err := esc.writeTable(w, renderer.NewMarkdown()); err != nil {
		return err
	}
	if len(g.Notes) > 0 {
		if _, err := fmt.Fprintln(w); err != nil {
			return err
		}
	}
	for _, n := range g.Notes {
		if _, err := fmt.Fprintln(w, "- "+n); err != nil {
			return err
		}
	}
	return nil
}

func escapePipes(cells []string) []string {
	out := make([]string, len(cells))
	for i, c := range cells {
		out[i] = strings.ReplaceAll(c, "|", `\|`)
	}
	return out
}

func (g *Grid) writeTable(w io.Writer, r tw.Renderer) error {
	align := make([]tw.Align, len(g.Header))
	for i := range align {
		align[i] = tw.AlignRight
	}
	for i := 0; i < max(g.Left, 1) && i < len(align); i++ {
		align[i] = tw.AlignLeft
	}
	t := tablewriter.NewTable(w,
		tablewriter.WithRenderer(r),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithHeaderAlignmentConfig(tw.CellAlignment{PerColumn: align}),
		tablewriter.WithRowAlignmentConfig(tw.CellAlignment{PerColumn: align}),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
	)
	t.Header(toAny(g.Header)...)
	if err := t.Bulk(g.Rows); err != nil {
		return err
	}
	return t.Render()
}

func toAny(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// WriteCSV prints g as CSV with a header line.
func (g *Grid) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(g.Header); err != nil {
		return err
	}
	if err := cw.WriteAll(g.Rows); err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

// WriteJSON prints v as indented JSON.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// Grid lays t out for printing: for each run, its accuracy (with decimals digits), n of
// expected (marked † when incomplete), the 95% confidence interval, the number of errors when
// there are any, and the share stopped by a budget or the context when there is one; then the
// rows per suite and the overall rows; the notes below.
func (t *Table) Grid(decimals int) *Grid {
	withErrors := make([]bool, len(t.Runs))
	for _, r := range t.allRows() {
		for i, c := range r.Cells {
			withErrors[i] = withErrors[i] || c.Errored > 0
		}
	}
	stopped := t.stopped()
	g := &Grid{Header: []string{t.By}, Notes: t.Notes}
	for i, run := range t.Runs {
		g.Header = append(g.Header, run, "n", "95% CI")
		if withErrors[i] {
			g.Header = append(g.Header, "errors")
		}
		if stopped {
			g.Header = append(g.Header, "stopped %")
		}
	}
	row := func(r Row) []string {
		out := []string{r.Key}
		for i, c := range r.Cells {
			n := nOf(c.Samples, c.ExpectedSamples, c.Complete())
			if c.Defined() {
				out = append(out, formatPct(c.Accuracy, decimals), n,
					"["+formatPct(c.CILow, decimals)+", "+formatPct(c.CIHigh, decimals)+"]")
			} else {
				out = append(out, "–", n, "")
			}
			if withErrors[i] {
				out = append(out, strconv.Itoa(c.Errored))
			}
			if stopped {
				share := "–"
				if c.Graded > 0 {
					share = formatPct(c.StoppedShare(), decimals)
				}
				out = append(out, share)
			}
		}
		return out
	}
	for _, r := range t.allRows() {
		g.Rows = append(g.Rows, row(r))
	}
	return g
}

// allRows returns the rows of t in the order they are printed: the groups, the suites, the
// overall rows.
func (t *Table) allRows() []Row {
	rows := append(append([]Row(nil), t.Rows...), t.Suites...)
	rows = append(rows, t.Overall)
	if t.Micro != nil {
		rows = append(rows, *t.Micro)
	}
	return rows
}

// Grids returns t's grid (Grid).
func (t *Table) Grids(decimals int) []*Grid { return []*Grid{t.Grid(decimals)} }

// CSV lays t out in long form for machines: one line per row and run, with four decimals, n of
// expected and whether the cell is complete. A cell with no accuracy has empty accuracy and
// interval cells, an unknown count an empty cell; CSV holds no notes.
func (t *Table) CSV(int) *Grid {
	g := &Grid{Header: []string{t.By, "run", "samples", "expected_samples", "repeats", "graded", "errored", "missing", "expected",
		"complete", "correct", "accuracy", "ci_low", "ci_high", "stopped", "stopped_share"}}
	count := func(n int) string {
		if n < 0 {
			return ""
		}
		return strconv.Itoa(n)
	}
	for _, r := range t.allRows() {
		for i, c := range r.Cells {
			acc, lo, hi, share := "", "", "", "" // no graded sample: no accuracy, rather than 0%
			if c.Defined() {
				acc, lo, hi = formatPct(c.Accuracy, 4), formatPct(c.CILow, 4), formatPct(c.CIHigh, 4)
			}
			if c.Graded > 0 {
				share = formatPct(c.StoppedShare(), 4)
			}
			g.Rows = append(g.Rows, []string{r.Key, t.Runs[i], strconv.Itoa(c.Samples), count(c.ExpectedSamples),
				strconv.Itoa(c.Repeats), strconv.Itoa(c.Graded), strconv.Itoa(c.Errored), count(c.Missing), count(c.Expected),
				strconv.FormatBool(c.Complete()), strconv.FormatFloat(c.Correct, 'f', -1, 64), acc, lo, hi,
				strconv.Itoa(c.Stopped), share})
		}
	}
	return g
}

func formatPct(v float64, decimals int) string {
	return strconv.FormatFloat(v, 'f', decimals, 64)
}

// Report aggregates the records of runs into a table: NewReport makes the one of each name in
// Tables. It takes each input's column (AddRun) and what the run should have (Expect), then its
// records (Add), then lays itself out.
type Report interface {
	// AddRun adds run's column, if it is not there yet: a run without any record still has
	// one.
	AddRun(run string)
	// Expect says what run should have (ExpectedOf its manifest; nil when unknown), so that
	// the report counts against it: n of expected, and incomplete runs marked.
	Expect(run string, e *Expected)
	// Add counts record r of run. r is the caller's: the report keeps none of it after the
	// call (a lean read passes the same record each time, its fields set anew).
	Add(run string, r *Result)
	// Note adds a note to the report: what a reader must know to read it right.
	Note(text string)
	// Layout returns the table of what was added so far, for a Renderer.
	Layout() Layout
}

// Tables lists the reports NewReport makes, by the names `realx report --table` takes.
var Tables = []string{"capability", "paper", "tools", "search", "repeats", "judges"}

// UnknownTableError is NewReport's error for a table not in Tables.
type UnknownTableError struct{ Name string }

// Error names the table, and those there are.
func (e *UnknownTableError) Error() string {
	return fmt.Sprintf("unknown table %q (want %s or %s)", e.Name, strings.Join(Tables[:len(Tables)-1], ", "), Tables[len(Tables)-1])
}

// NewReport returns the empty report named table (one of Tables; "accuracy" is "capability"),
// its rows grouped by `by` (see NewAccuracy); ks are the k of pass@k for "repeats". An
// unknown table is an *UnknownTableError; a field that cannot group rows, another error.
func NewReport(table, by string, ks []int) (Report, error) {
	switch table {
	case "capability", "accuracy":
		return NewAccuracy(by)
	case "paper":
		return NewPaper(PaperOptions{By: by})
	case "tools":
		return NewToolUsage(by)
	case "search":
		return NewSearchUsage(by)
	case "repeats":
		return NewRepeats(by, ks)
	case "judges":
		return NewJudgeStats(), nil
	}
	return nil, &UnknownTableError{Name: table}
}

// PrintOptions say how Print reads its inputs and writes its report.
type PrintOptions struct {
	// Format is one of Formats; Decimals the digits of percentages in text and Markdown.
	Format   string
	Decimals int
	// Common restricts every run to the samples that every run graded (each of its records
	// has a verdict), so that columns side by side count the same samples.
	Common bool
}

// NoFieldError is Print's error for rows grouped by a metadata field that no record has:
// every sample would fall in one group, "(none)", which reads like an answer.
type NoFieldError struct {
	By string
	// Fields are the metadata fields the records have, sorted.
	Fields []string
}

// Error names the field, and those the records have.
func (e *NoFieldError) Error() string {
	have := "the records have no metadata"
	if len(e.Fields) > 0 {
		have = "their metadata fields are " + strings.Join(e.Fields, ", ")
	}
	return fmt.Sprintf("--by %s: no record has this field (%s)", e.By, have)
}

// Print reads every input (run directories, results logs, "-" for stdin) into rep, as
// ScanRuns does, warnings to warn, and writes its table in format. See PrintWith.
func Print(w io.Writer, inputs []string, stdin io.Reader, warn io.Writer, rep Report, format string, decimals int) error {
	_, err := PrintWith(w, inputs, stdin, warn, rep, PrintOptions{Format: format, Decimals: decimals})
	return err
}

// PrintWith reads every input (run directories, results logs, "-" for stdin) into rep, as
// ScanRuns does, warnings to warn, and writes its table as o says. Each run is counted against
// what its manifest says it should have (Expect); runs that graded different samples get a
// note saying so, or, with o.Common, are restricted to the samples all graded. It returns the
// coverage of each input against its manifest, whatever o.Common, for a caller that requires
// complete runs. Rows grouped by a metadata field that no record has are a *NoFieldError,
// and nothing is written.
func PrintWith(w io.Writer, inputs []string, stdin io.Reader, warn io.Writer, rep Report, o PrintOptions) ([]Coverage, error) {
	r, err := RendererFor(o.Format)
	if err != nil {
		return nil, err
	}
	by := ""
	if g, ok := rep.(interface{ By() string }); ok {
		by = g.By()
	}
	var covs []Coverage
	var common map[sampleKey]bool
	indexed := func(ins []*Input, ixs []*Index) error {
		for i, in := range ins {
			covs = append(covs, indexCoverage(in, ixs[i]))
		}
		if len(ins) < 2 {
			return nil
		}
		graded := make([]map[sampleKey]bool, len(ins))
		for i := range ins {
			graded[i] = gradedSamples(ixs[i])
		}
		if s, ok := rep.(interface{ SuiteWise() bool }); ok && s.SuiteWise() {
			common = compareBySuite(rep, ins, graded, o.Common)
			return nil
		}
		common = graded[0]
		same := true
		for _, g := range graded[1:] {
			same = same && maps.Equal(g, graded[0])
			next := map[sampleKey]bool{}
			for k := range common {
				if g[k] {
					next[k] = true
				}
			}
			common = next
		}
		var counts []string
		for i, in := range ins {
			counts = append(counts, fmt.Sprintf("%s %d", in.Label, len(graded[i])))
		}
		switch {
		case o.Common:
			rep.Note(fmt.Sprintf("--common: every column counts only the %d samples that every run graded (of %s)", len(common), strings.Join(counts, ", ")))
		case !same:
			rep.Note(fmt.Sprintf("the runs graded different samples (%s; %d in common): their columns are not comparable as they stand; --common restricts every column to the samples all runs graded", strings.Join(counts, ", "), len(common)))
		}
		if !o.Common {
			common = nil
		}
		return nil
	}
	begin := func(in *Input) error {
		rep.AddRun(in.Label)
		if m, ok := rep.(interface{ Manifest(run string, m *Manifest) }); ok {
			m.Manifest(in.Label, in.Manifest)
		}
		e := ExpectedOf(in.Manifest)
		if common != nil {
			e = commonExpected(e, common, in.suites)
		}
		rep.Expect(in.Label, e)
		return nil
	}
	records, seen := 0, false
	fields := map[string]bool{}
	err = scanRuns(inputs, stdin, warn, readModeOf(rep, by), indexed, begin, func(in *Input, res *Result) error {
		if common != nil && !common[sampleKey{res.Suite, res.ID}] {
			return nil
		}
		records++
		seen = seen || hasField(res, by)
		for k := range res.Metadata {
			fields[k] = true
		}
		rep.Add(in.Label, res)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if records > 0 && !seen {
		return covs, &NoFieldError{By: by, Fields: slices.Sorted(maps.Keys(fields))}
	}
	l := rep.Layout()
	if p, ok := rep.(interface{ Problem() error }); ok && p.Problem() != nil {
		return covs, p.Problem()
	}
	return covs, r.Render(w, l, o.Decimals)
}

// LeanReport is implemented by a report that reads only the fields of a lean read of records
// (their key, run, capability, model, verdict, tokens, stop, error and metadata; not their
// output, gold answer or trajectory), so that its logs are read without decoding the rest.
type LeanReport interface {
	Report
	// Lean reports whether the report reads only those fields.
	Lean() bool
}

// readModeOf returns how the records of report rep, grouped by field by, are read: a lean read
// (with the metadata when by is a metadata field) when rep is a LeanReport, else in full.
func readModeOf(rep Report, by string) leanMode {
	if l, ok := rep.(LeanReport); !ok || !l.Lean() {
		return fullRecords
	}
	if strings.HasPrefix(by, "metadata.") {
		return leanWithMetadata
	}
	return leanRecords
}

// compareBySuite notes, for a report that sets runs side by side suite by suite (the paper
// table, whose rows join runs of different suites), each suite whose runs graded different
// samples; with restrict, it notes the samples each suite keeps, and returns them: for each
// suite, the samples that every run that graded any of it graded. Otherwise it returns nil.
func compareBySuite(rep Report, ins []*Input, graded []map[sampleKey]bool, restrict bool) map[sampleKey]bool {
	bySuite := map[string][]int{}
	for i, g := range graded {
		ins[i].suites = map[string]bool{}
		for k := range g {
			ins[i].suites[k.suite] = true
		}
		for s := range ins[i].suites {
			bySuite[s] = append(bySuite[s], i)
		}
	}
	common := map[sampleKey]bool{}
	for _, s := range slices.Sorted(maps.Keys(bySuite)) {
		members := bySuite[s]
		slices.Sort(members)
		of := func(i int) map[sampleKey]bool {
			out := map[sampleKey]bool{}
			for k := range graded[i] {
				if k.suite == s {
					out[k] = true
				}
			}
			return out
		}
		kept, same := of(members[0]), true
		counts := []string{fmt.Sprintf("%s %d", ins[members[0]].Label, len(kept))}
		for _, i := range members[1:] {
			g := of(i)
			same = same && maps.Equal(g, kept)
			counts = append(counts, fmt.Sprintf("%s %d", ins[i].Label, len(g)))
			maps.DeleteFunc(kept, func(k sampleKey, _ bool) bool { return !g[k] })
		}
		maps.Copy(common, kept)
		switch {
		case len(members) < 2:
		case restrict:
			rep.Note(fmt.Sprintf("--common: %s counts only the %d samples that every run of it graded (of %s)", s, len(kept), strings.Join(counts, ", ")))
		case !same:
			rep.Note(fmt.Sprintf("the runs of %s graded different samples (%s; %d in common): its figures are not comparable as they stand; --common restricts them to the samples all its runs graded", s, strings.Join(counts, ", "), len(kept)))
		}
	}
	if !restrict {
		return nil
	}
	return common
}

// indexCoverage returns the coverage of input in, whose log ix indexes, against its manifest.
func indexCoverage(in *Input, ix *Index) Coverage {
	c := Coverage{Run: in.Label}
	var last *Entry
	for i, e := range ix.entries() {
		if e.Class != "" {
			c.Errored++
			continue
		}
		c.Graded++
		// The entries are sorted by sample, then repeat: a sample's repeats are together.
		if last == nil || last.Suite != e.Suite || last.ID != e.ID {
			c.Samples++
		}
		last = &ix.entries()[i]
	}
	e := ExpectedOf(in.Manifest)
	if e == nil {
		return c.withExpected(-1, -1)
	}
	s, r := e.total()
	return c.withExpected(s, r)
}

// gradedSamples returns the samples of the log ix indexes whose every record has a verdict.
func gradedSamples(ix *Index) map[sampleKey]bool {
	out := map[sampleKey]bool{}
	failed := map[sampleKey]bool{}
	for _, e := range ix.entries() {
		k := sampleKey{e.Suite, e.ID}
		if e.Class != "" {
			failed[k] = true
			delete(out, k)
			continue
		}
		if !failed[k] {
			out[k] = true
		}
	}
	return out
}

// PrintAccuracy prints the accuracy per capability of the runs in dirs, percentages with one
// decimal: the summary realx's run, score, rejudge and merge end with.
func PrintAccuracy(w io.Writer, dirs []string, warn io.Writer, format string) error {
	acc, err := NewAccuracy("capability")
	if err != nil {
		return err
	}
	return Print(w, dirs, nil, warn, acc, format, 1)
}
