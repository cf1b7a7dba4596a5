// Package plots draws the figures of reports with gonum/plot: accuracy per group and run, the
// distribution of tool calls over categories (DeepEyesV2's Figure 6), the histogram of calls
// per sample (its Figure 8) and accuracy by number of calls; as SVG and PNG, the same bytes for
// the same tables. It reads tables that package reports made, and draws nothing else.
package plots

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/realx-bench/realx/reports"
)

// Figure is one plot, ready to be written as SVG or PNG.
type Figure struct {
	// Name is the figure's file name without extension ("accuracy"); Title what it shows.
	Name, Title string
	// Width and Height are the figure's size.
	Width, Height vg.Length

	plot *plot.Plot
}

// The names of the figures, as Figures makes them and files are named.
const (
	AccuracyFigure        = "accuracy"
	CategoriesFigure      = "tool-categories"
	CallsFigure           = "calls-per-sample"
	AccuracyByCallsFigure = "accuracy-by-calls"
)

// palette colours the runs, in order (Okabe and Ito's colours, which colour-blind readers
// tell apart); a run past them takes them again.
var palette = []color.RGBA{
	{0x00, 0x72, 0xb2, 0xff}, {0xe6, 0x9f, 0x00, 0xff}, {0x00, 0x9e, 0x73, 0xff}, {0xcc, 0x79, 0xa7, 0xff},
	{0x56, 0xb4, 0xe9, 0xff}, {0xd5, 0x5e, 0x00, 0xff}, {0xf0, 0xe4, 0x42, 0xff}, {0x00, 0x00, 0x00, 0xff},
}

// Figures returns the figures of an accuracy table and a tool-usage table of the same runs (either
// may be nil): those that have something to show.
func Figures(acc *reports.Table, tools *reports.ToolTable) ([]*Figure, error) {
	var out []*Figure
	for _, make := range []func() (*Figure, error){
		func() (*Figure, error) { return Accuracy(acc) },
		func() (*Figure, error) { return Categories(tools) },
		func() (*Figure, error) { return CallsPerSample(tools) },
		func() (*Figure, error) { return AccuracyByCalls(tools) },
	} {
		f, err := make()
		if err != nil {
			return nil, err
		}
		if f != nil {
			out = append(out, f)
		}
	}
	return out, nil
}

// Accuracy draws the accuracy of each group and run of t, with its 95% interval, the overall
// row last; nil when t has no run.
func Accuracy(t *reports.Table) (*Figure, error) {
	if t == nil || len(t.Runs) == 0 {
		return nil, nil
	}
	rows := append(append([]reports.Row(nil), t.Rows...), t.Overall)
	groups := make([]string, len(rows))
	values := make([][]float64, len(t.Runs))
	low, high := make([][]float64, len(t.Runs)), make([][]float64, len(t.Runs))
	for i, r := range rows {
		groups[i] = r.Key
		for j, c := range r.Cells {
			v, lo, hi := math.NaN(), math.NaN(), math.NaN()
			if c.Defined() {
				v, lo, hi = c.Accuracy, c.CILow, c.CIHigh
			}
			values[j] = append(values[j], v)
			low[j], high[j] = append(low[j], lo), append(high[j], hi)
		}
	}
	p := newPlot("Accuracy by "+t.By, t.By, "accuracy %")
	p.Y.Min, p.Y.Max = 0, 100
	if err := groupedBars(p, groups, t.Runs, values, low, high); err != nil {
		return nil, err
	}
	return sized(AccuracyFigure, p, len(groups), len(t.Runs)), nil
}

// Categories draws the share of each run's tool calls in each category (DeepEyesV2's Figure
// 6); nil when no run made a call.
func Categories(t *reports.ToolTable) (*Figure, error) {
	runs, all := callingRuns(t)
	if len(runs) == 0 {
		return nil, nil
	}
	groups := make([]string, len(reports.Categories))
	for i, k := range reports.Categories {
		groups[i] = reports.CategoryTitle(k)
	}
	values := make([][]float64, len(runs))
	for j := range runs {
		for _, k := range reports.Categories {
			values[j] = append(values[j], 100*float64(all[j].Categories[k])/float64(all[j].Calls))
		}
	}
	p := newPlot("Tool calls by category", "category", "share of calls %")
	if err := groupedBars(p, groups, runs, values, nil, nil); err != nil {
		return nil, err
	}
	return sized(CategoriesFigure, p, len(groups), len(runs)), nil
}

// callingRuns returns the runs of t whose samples made a tool call, and their overall rows.
func callingRuns(t *reports.ToolTable) ([]string, []reports.ToolRow) {
	if t == nil {
		return nil, nil
	}
	var runs []string
	var rows []reports.ToolRow
	for _, run := range t.Runs {
		if all, ok := t.Row(run, reports.OverallKey); ok && all.Calls > 0 {
			runs, rows = append(runs, run), append(rows, all)
		}
	}
	return runs, rows
}

// buckets returns the labels of the calls-per-sample buckets of t, from 0 to the largest any
// run has, and for each run its counts by bucket.
func buckets(t *reports.ToolTable, runs []string) ([]string, [][]reports.CallCount) {
	var labels []string
	counts := make([][]reports.CallCount, len(runs))
	index := map[string]int{}
	for j, run := range runs {
		index[run] = j
	}
	for _, c := range t.CallCounts {
		j, ok := index[c.Run]
		if !ok {
			continue
		}
		counts[j] = append(counts[j], c)
		if c.Calls >= len(labels) {
			labels = append(labels, c.Label())
		}
	}
	for j := range counts {
		for len(counts[j]) < len(labels) {
			counts[j] = append(counts[j], reports.CallCount{Run: runs[j]})
		}
	}
	return labels, counts
}

// CallsPerSample draws, for each run, the share of its samples by number of tool calls;
// nil when no run made a call.
func CallsPerSample(t *reports.ToolTable) (*Figure, error) {
	runs, all := callingRuns(t)
	if len(runs) == 0 {
		return nil, nil
	}
	labels, counts := buckets(t, runs)
	values := make([][]float64, len(runs))
	for j := range runs {
		for _, c := range counts[j] {
			values[j] = append(values[j], 100*float64(c.Samples)/float64(all[j].Samples))
		}
	}
	p := newPlot("Tool calls per sample", "tool calls", "share of samples %")
	if err := groupedBars(p, labels, runs, values, nil, nil); err != nil {
		return nil, err
	}
	return sized(CallsFigure, p, len(labels), len(runs)), nil
}

// AccuracyByCalls draws, for each run, the accuracy of its samples by number of tool calls,
// at the numbers some graded sample made; nil when no run made a call.
func AccuracyByCalls(t *reports.ToolTable) (*Figure, error) {
	runs, _ := callingRuns(t)
	if len(runs) == 0 {
		return nil, nil
	}
	labels, counts := buckets(t, runs)
	p := newPlot("Accuracy by number of tool calls", "tool calls", "accuracy %")
	p.Y.Min, p.Y.Max = 0, 100
	p.X.Min, p.X.Max = -0.5, float64(len(labels))-0.5
	p.NominalX(labels...)
	for j, run := range runs {
		var xys plotter.XYs
		for i, c := range counts[j] {
			if c.Graded > 0 {
				xys = append(xys, plotter.XY{X: float64(i), Y: 100 * c.Pass / float64(c.Graded)})
			}
		}
		if len(xys) == 0 {
			continue
		}
		line, points, err := plotter.NewLinePoints(xys)
		if err != nil {
			return nil, err
		}
		col := palette[j%len(palette)]
		line.Color, line.Width = col, vg.Points(1.5)
		points.Color, points.Shape, points.Radius = col, draw.CircleGlyph{}, vg.Points(3)
		p.Add(line, points)
		p.Legend.Add(run, line, points)
	}
	return sized(AccuracyByCallsFigure, p, len(labels), 1), nil
}

// newPlot returns an empty plot with a title, axis labels and a grid, its y axis from 0.
func newPlot(title, x, y string) *plot.Plot {
	p := plot.New()
	p.Y.Min = 0
	p.Title.Text, p.X.Label.Text, p.Y.Label.Text = title, x, y
	p.Add(plotter.NewGrid())
	return p
}

// groupedBars adds to p one bar per group and run (values[run][group]; NaN for none),
// side by side in each group, and, when low and high are given, each bar's interval. A plot
// without intervals shows shares: its y axis goes to the next ten above the highest bar.
func groupedBars(p *plot.Plot, groups, runs []string, values, low, high [][]float64) error {
	width := vg.Points(math.Max(4, math.Min(24, 60/float64(len(runs)))))
	rotate := len(groups) > 6
	for _, g := range groups {
		rotate = rotate || len([]rune(g)) > 14
	}
	p.NominalX(groups...)
	p.X.Min, p.X.Max = -0.5, float64(len(groups))-0.5
	if rotate {
		p.X.Tick.Label.Rotation = math.Pi / 4
		p.X.Tick.Label.XAlign, p.X.Tick.Label.YAlign = draw.XRight, draw.YCenter
	}
	for j, run := range runs {
		vs := make(plotter.Values, len(groups))
		for i := range groups {
			if v := values[j][i]; !math.IsNaN(v) {
				vs[i] = v
			}
		}
		bars, err := plotter.NewBarChart(vs, width)
		if err != nil {
			return err
		}
		col := palette[j%len(palette)]
		bars.Color, bars.LineStyle.Width = col, 0
		bars.Offset = vg.Length(float64(j)-float64(len(runs)-1)/2) * width
		p.Add(bars)
		p.Legend.Add(run, bars)
		if low == nil {
			continue
		}
		errs := &intervals{offset: bars.Offset}
		for i := range groups {
			if v := values[j][i]; !math.IsNaN(v) && !math.IsNaN(low[j][i]) {
				errs.bars = append(errs.bars, interval{x: float64(i), low: low[j][i], high: high[j][i]})
			}
		}
		p.Add(errs)
	}
	if low == nil { // a share: up to the next ten above the highest bar
		top := 0.0
		for _, vs := range values {
			for _, v := range vs {
				if !math.IsNaN(v) {
					top = math.Max(top, v)
				}
			}
		}
		p.Y.Max = math.Min(100, math.Max(10, 10*math.Ceil(top*1.05/10)))
	}
	return nil
}

// interval is one bar's interval, from low to high, at x.
type interval struct{ x, low, high float64 }

// intervals draws the intervals of a bar chart's bars as whiskers: a vertical line with a cap
// at each end, shifted as the bars are by offset.
type intervals struct {
	bars   []interval
	offset vg.Length
}

// Plot draws the whiskers.
func (iv *intervals) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	style := draw.LineStyle{Color: color.Black, Width: vg.Points(0.8)}
	cap := vg.Points(3)
	for _, b := range iv.bars {
		x := trX(b.x) + iv.offset
		lo, hi := trY(b.low), trY(b.high)
		c.StrokeLine2(style, x, lo, x, hi)
		c.StrokeLine2(style, x-cap, lo, x+cap, lo)
		c.StrokeLine2(style, x-cap, hi, x+cap, hi)
	}
}

// DataRange returns the range the whiskers span.
func (iv *intervals) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, ymin = math.Inf(1), math.Inf(1)
	xmax, ymax = math.Inf(-1), math.Inf(-1)
	for _, b := range iv.bars {
		xmin, xmax = math.Min(xmin, b.x), math.Max(xmax, b.x)
		ymin, ymax = math.Min(ymin, b.low), math.Max(ymax, b.high)
	}
	return xmin, xmax, ymin, ymax
}

// legendGap is the space between a figure's plot and its legend, and the legend's margin.
const legendGap = 8

// sized returns the figure of p, as wide as its groups and runs need, and its legend.
func sized(name string, p *plot.Plot, groups, runs int) *Figure {
	w := 3*vg.Inch + vg.Length(groups*max(runs, 1))*0.3*vg.Inch
	w = min(max(w, 5*vg.Inch), 16*vg.Inch) + legendWidth(p)
	return &Figure{Name: name, Title: p.Title.Text, Width: w, Height: 3.5 * vg.Inch, plot: p}
}

// legendWidth returns the width p's legend takes at the right of its figure.
func legendWidth(p *plot.Plot) vg.Length {
	return p.Legend.Rectangle(draw.Canvas{}).Size().X + 2*legendGap
}

// draw draws the figure on c: the plot, and at its right, under the title, the legend (the
// legend of gonum's plots goes over the data).
func (f *Figure) draw(c draw.Canvas) {
	legend := f.plot.Legend
	w := legendWidth(f.plot)
	f.plot.Legend = plot.NewLegend()
	f.plot.Draw(draw.Crop(c, 0, -w, 0, 0))
	f.plot.Legend = legend
	legend.Top, legend.Left = true, true
	title := f.plot.Title.TextStyle.Rectangle(f.plot.Title.Text).Size().Y + f.plot.Title.Padding
	legend.Draw(draw.Crop(c, c.Size().X-w+legendGap, 0, 0, -title-legendGap))
}

// SVG returns the figure as SVG, its text escaped, its fonts named and not embedded.
func (f *Figure) SVG() ([]byte, error) {
	c := vgsvg.New(f.Width, f.Height)
	f.draw(draw.New(c))
	var b bytes.Buffer
	if _, err := c.WriteTo(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// PNG returns the figure as a PNG image at 96 dots per inch.
func (f *Figure) PNG() ([]byte, error) { return f.PNGAt(96) }

// PNGAt returns the figure as a PNG image at dpi dots per inch.
func (f *Figure) PNGAt(dpi int) ([]byte, error) {
	c := vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(f.Width, f.Height), vgimg.UseDPI(dpi))}
	f.draw(draw.New(c))
	var b bytes.Buffer
	if _, err := c.WriteTo(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// WriteDir writes each figure to dir (made if needed) as NAME.svg and NAME.png, and returns
// the paths written, in order.
func WriteDir(dir string, figs []*Figure) ([]string, error) {
	if err := os.MkdirAll(dir, reports.DirPerm); err != nil {
		return nil, err
	}
	var paths []string
	for _, f := range figs {
		for _, format := range []struct {
			ext    string
			render func() ([]byte, error)
		}{{".svg", f.SVG}, {".png", f.PNG}} {
			data, err := format.render()
			if err != nil {
				return paths, fmt.Errorf("figure %s: %w", f.Name, err)
			}
			path := filepath.Join(dir, f.Name+format.ext)
			out, err := reports.CreateOutput(path)
			if err != nil {
				return paths, err
			}
			if _, err := out.Write(data); err != nil {
				out.Abort()
				return paths, err
			}
			if err := out.Commit(); err != nil {
				return paths, err
			}
			paths = append(paths, path)
		}
	}
	return paths, nil
}
