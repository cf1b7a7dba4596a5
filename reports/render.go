package reports

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
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
// Left columns) is left-aligned (names), the others right-aligned (numbers).
type Grid struct {
	Header []string
	Rows   [][]string
	Left   int
}

// WriteText prints g as a box table for a terminal.
func (g *Grid) WriteText(w io.Writer) error {
	return g.writeTable(w, renderer.NewBlueprint())
}

// WriteMarkdown prints g as a GitHub-flavoured Markdown table, with | in cells escaped.
func (g *Grid) WriteMarkdown(w io.Writer) error {
	esc := &Grid{Header: escapePipes(g.Header), Left: g.Left}
	for _, r := range g.Rows {
		esc.Rows = append(esc.Rows, escapePipes(r))
	}
	return esc.writeTable(w, renderer.NewMarkdown())
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

// Grid lays t out for printing: for each run, its accuracy (with decimals digits), n, the 95%
// confidence interval, and the number of errors when there are any.
func (t *Table) Grid(decimals int) *Grid {
	withErrors := make([]bool, len(t.Runs))
	for i := range t.Runs {
		withErrors[i] = t.Overall.Cells[i].Errors > 0
	}
	g := &Grid{Header: []string{t.By}}
	for i, run := range t.Runs {
		g.Header = append(g.Header, run, "n", "95% CI")
		if withErrors[i] {
			g.Header = append(g.Header, "errors")
		}
	}
	row := func(r Row) []string {
		out := []string{r.Key}
		for i, c := range r.Cells {
			if c.Total == 0 {
				out = append(out, "–", "0", "")
			} else {
				out = append(out, formatPct(c.Accuracy, decimals), strconv.Itoa(c.Total),
					"["+formatPct(c.CILow, decimals)+", "+formatPct(c.CIHigh, decimals)+"]")
			}
			if withErrors[i] {
				out = append(out, strconv.Itoa(c.Errors))
			}
		}
		return out
	}
	for _, r := range t.Rows {
		g.Rows = append(g.Rows, row(r))
	}
	g.Rows = append(g.Rows, row(t.Overall))
	return g
}

// Grids returns t's grid (Grid).
func (t *Table) Grids(decimals int) []*Grid { return []*Grid{t.Grid(decimals)} }

// CSV lays t out in long form for machines: one line per group and run, with four decimals. A
// group with no graded sample in a run has empty accuracy and interval cells.
func (t *Table) CSV(int) *Grid {
	g := &Grid{Header: []string{t.By, "run", "correct", "total", "errors", "accuracy", "ci_low", "ci_high"}}
	for _, r := range append(append([]Row(nil), t.Rows...), t.Overall) {
		for i, c := range r.Cells {
			acc, lo, hi := "", "", "" // no graded sample: no accuracy, rather than 0%
			if c.Total > 0 {
				acc, lo, hi = formatPct(c.Accuracy, 4), formatPct(c.CILow, 4), formatPct(c.CIHigh, 4)
			}
			g.Rows = append(g.Rows, []string{r.Key, t.Runs[i],
				strconv.FormatFloat(c.Correct, 'f', -1, 64), strconv.Itoa(c.Total), strconv.Itoa(c.Errors),
				acc, lo, hi})
		}
	}
	return g
}

func formatPct(v float64, decimals int) string {
	return strconv.FormatFloat(v, 'f', decimals, 64)
}

// Report aggregates the records of runs into a table: NewReport makes the one of each name in
// Tables. It takes each input's column (AddRun), then its records (Add), then lays itself out.
type Report interface {
	// AddRun adds run's column, if it is not there yet: a run without any record still has
	// one.
	AddRun(run string)
	// Add counts record r of run.
	Add(run string, r *Result)
	// Layout returns the table of what was added so far, for a Renderer.
	Layout() Layout
}

// Tables lists the reports NewReport makes, by the names `realx report --table` takes.
var Tables = []string{"capability", "tools", "search", "repeats", "judges"}

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

// Print reads every input (run directories, results logs, "-" for stdin) into rep, as
// ScanRuns does, warnings to warn, and writes its table in format.
func Print(w io.Writer, inputs []string, stdin io.Reader, warn io.Writer, rep Report, format string, decimals int) error {
	r, err := RendererFor(format)
	if err != nil {
		return err
	}
	begin := func(in *Input) error {
		rep.AddRun(in.Label)
		return nil
	}
	err = ScanRuns(inputs, stdin, warn, begin, func(in *Input, res *Result) error {
		rep.Add(in.Label, res)
		return nil
	})
	if err != nil {
		return err
	}
	return r.Render(w, rep.Layout(), decimals)
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
