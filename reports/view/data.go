package view

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"

	"github.com/realx-bench/realx/judges"
	"github.com/realx-bench/realx/reports"
	"github.com/realx-bench/realx/reports/plots"
	"github.com/realx-bench/realx/runners"
)

// page is what the viewer's script reads: the runs, the summary, and every sample.
type page struct {
	Title      string     `json:"title"`
	Runs       []runInfo  `json:"runs"`
	Tables     []table    `json:"tables"`
	Figures    []figure   `json:"figures"`
	Caps       []string   `json:"capabilities"`
	Tools      []string   `json:"tools"`
	Categories []category `json:"categories"`
	Samples    []*sample  `json:"samples"`
	// Missing counts the images the page does not hold (over the budget, not in blobs/, not
	// an image type a page shows).
	Missing int `json:"missing_images"`
}

// runInfo names a run of the page.
type runInfo struct {
	Label  string   `json:"label"`
	Path   string   `json:"path"`
	Run    string   `json:"run,omitempty"`
	Model  string   `json:"model,omitempty"`
	Suites []string `json:"suites,omitempty"`
}

// table is a grid of the summary.
type table struct {
	Title  string     `json:"title"`
	Header []string   `json:"header"`
	Rows   [][]string `json:"rows"`
	Left   int        `json:"left"`
	Notes  []string   `json:"notes,omitempty"`
}

// figure is a plot of the summary, as a PNG data URI drawn at twice the resolution it is
// shown at (Width and Height, in CSS pixels): the text of an SVG would be measured with fonts
// the reader's browser may not have.
type figure struct {
	Title  string `json:"title"`
	Src    string `json:"src"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
}

// category is a category of tool calls: its key and its title.
type category struct {
	Key   string `json:"key"`
	Title string `json:"title"`
}

// sample is one sample (and repeat) with the record of each run, nil where a run has none.
type sample struct {
	Suite      string    `json:"suite"`
	ID         string    `json:"id"`
	Repeat     int       `json:"repeat"`
	Capability string    `json:"capability"`
	Gold       string    `json:"gold"`
	Records    []*record `json:"records"`
}

// record is what the page shows of one run's record of a sample.
type record struct {
	Output     string              `json:"output"`
	Verdict    judges.Verdict      `json:"verdict"`
	Graded     bool                `json:"graded"`
	Error      *reports.Failure    `json:"error,omitempty"`
	Stop       runners.StopReason  `json:"stop,omitempty"`
	Tokens     runners.Usage       `json:"tokens"`
	LatencyMS  int64               `json:"latency_ms"`
	Metadata   map[string]any      `json:"metadata,omitempty"`
	Use        *reports.SampleUse  `json:"use,omitempty"`
	Trajectory *runners.Trajectory `json:"trajectory,omitempty"`
}

// blob is an image the page holds, as base64 of its bytes.
type blob struct {
	Hash, Type, Base64 string
}

// hashRe is the name of a blob: the hex SHA-256 of its bytes.
var hashRe = regexp.MustCompile(`^[0-9a-f]{64}$`)

// imageTypes are the image types the page embeds: raster images a browser shows in an img.
var imageTypes = []string{"image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp"}

// collector reads runs into a page.
type collector struct {
	opts    Options
	page    *page
	acc     *reports.Accuracy
	tools   *reports.ToolUsage
	bySuite *reports.ToolUsage // tool use per benchmark, DeepEyesV2's Figure 7
	suites  map[string]bool
	index   map[reports.Key]*sample
	runs    int
	caps    map[string]bool
	blobDir []string // by run: its blobs/ directory, "" for none
	blobs   []blob
	held    map[string]bool
	refused map[string]bool // dir/hash of the blobs embed could not hold
	budget  int64
}

// collect reads the runs at inputs (run directories, results logs, "-" for stdin) into a page.
func collect(inputs []string, stdin io.Reader, warn io.Writer, opts Options) (*page, []blob, error) {
	acc, err := reports.NewAccuracy("capability")
	if err != nil {
		return nil, nil, err
	}
	tools, err := reports.NewToolUsage("capability")
	if err != nil {
		return nil, nil, err
	}
	bySuite, err := reports.NewToolUsage("suite")
	if err != nil {
		return nil, nil, err
	}
	c := &collector{opts: opts, page: &page{Title: opts.Title}, acc: acc, tools: tools, bySuite: bySuite, suites: map[string]bool{},
		index: map[reports.Key]*sample{}, caps: map[string]bool{}, held: map[string]bool{}, refused: map[string]bool{}, budget: opts.ImageBudget}
	both := reports.Tee(acc, tools, bySuite)
	begin := func(in *reports.Input) error {
		both.AddRun(in.Label)
		both.Expect(in.Label, reports.ExpectedOf(in.Manifest))
		info := runInfo{Label: in.Label, Path: in.Path}
		if m := in.Manifest; m != nil {
			info.Run, info.Model = m.Run, m.Model.Name
			for _, s := range m.Suites {
				info.Suites = append(info.Suites, s.Name)
			}
		}
		c.page.Runs = append(c.page.Runs, info)
		c.blobDir = append(c.blobDir, blobsOf(in.Path))
		c.runs++
		return nil
	}
	add := func(in *reports.Input, r *reports.Result) error {
		both.Add(in.Label, r)
		c.add(r)
		return nil
	}
	if err := reports.ScanRuns(inputs, stdin, warn, begin, add); err != nil {
		return nil, nil, err
	}
	if err := c.finish(); err != nil {
		return nil, nil, err
	}
	if c.page.Missing > 0 && warn != nil {
		fmt.Fprintf(warn, "realx: view: %d images left out of the page (over --image-budget, not in the run's blobs/, or not an image type a page shows)\n", c.page.Missing)
	}
	return c.page, c.blobs, nil
}

// blobsOf returns the blobs/ directory of the run at path, "" for standard input.
func blobsOf(path string) string {
	switch {
	case path == "-":
		return ""
	case filepath.Base(path) == reports.ResultsFile:
		return filepath.Join(filepath.Dir(path), reports.BlobsDir)
	}
	return filepath.Join(path, reports.BlobsDir)
}

// add adds record r of the run begun last.
func (c *collector) add(r *reports.Result) {
	k := r.Key()
	s := c.index[k]
	if s == nil {
		s = &sample{Suite: r.Suite, ID: r.ID, Repeat: r.Repeat, Capability: r.Capability, Gold: r.Answer}
		c.index[k] = s
		c.page.Samples = append(c.page.Samples, s)
	}
	for len(s.Records) < c.runs {
		s.Records = append(s.Records, nil)
	}
	rec := &record{Output: r.Output, Verdict: r.Verdict, Graded: r.Graded(), Error: r.Error, Stop: r.Stop, Tokens: r.Tokens,
		LatencyMS: r.LatencyMS, Metadata: r.Metadata, Trajectory: r.Trajectory}
	if r.Trajectory != nil {
		use := reports.UseOf(r)
		rec.Use = &use
		c.hold(r.Trajectory)
	}
	s.Records[c.runs-1] = rec
	c.caps[r.Capability] = true
	c.suites[r.Suite] = true
}

// hold puts the images of tr in the page, within the budget, and takes out of tr those it
// cannot hold.
func (c *collector) hold(tr *runners.Trajectory) {
	keep := func(hashes []string) []string {
		out := hashes[:0:0]
		for _, h := range hashes {
			if c.held[h] || c.embed(h) {
				out = append(out, h)
				continue
			}
			c.page.Missing++
			out = append(out, "")
		}
		return out
	}
	for i := range tr.Turns {
		t := &tr.Turns[i]
		t.Images = keep(t.Images)
		for j := range t.Calls {
			t.Calls[j].Images = keep(t.Calls[j].Images)
		}
	}
}

// embed reads blob h of the run begun last into the page, and reports whether it did: it is
// named as a blob is, there, an image a page shows, and within the budget.
func (c *collector) embed(h string) bool {
	dir := c.blobDir[c.runs-1]
	if dir == "" || !hashRe.MatchString(h) || c.refused[dir+"/"+h] {
		return false
	}
	path := filepath.Join(dir, h)
	ok := false
	if st, err := os.Stat(path); err == nil && int64(base64.StdEncoding.EncodedLen(int(st.Size()))) <= c.budget {
		if data, err := os.ReadFile(path); err == nil {
			if typ := http.DetectContentType(data); slices.Contains(imageTypes, typ) {
				c.budget -= int64(base64.StdEncoding.EncodedLen(len(data)))
				c.held[h], ok = true, true
				c.blobs = append(c.blobs, blob{Hash: h, Type: typ, Base64: base64.StdEncoding.EncodeToString(data)})
			}
		}
	}
	c.refused[dir+"/"+h] = !ok
	return ok
}

// finish sorts the samples, pads their records to every run, and adds the summary.
func (c *collector) finish() error {
	slices.SortFunc(c.page.Samples, func(a, b *sample) int {
		return reports.CompareKeys(reports.Key{Suite: a.Suite, ID: a.ID, Repeat: a.Repeat}, reports.Key{Suite: b.Suite, ID: b.ID, Repeat: b.Repeat})
	})
	for _, s := range c.page.Samples {
		for len(s.Records) < c.runs {
			s.Records = append(s.Records, nil)
		}
	}
	for cap := range c.caps {
		c.page.Caps = append(c.page.Caps, cap)
	}
	slices.SortFunc(c.page.Caps, reports.NaturalCompare)
	for _, k := range reports.Categories {
		c.page.Categories = append(c.page.Categories, category{Key: k, Title: reports.CategoryTitle(k)})
	}
	acc, tools := c.acc.Table(), c.tools.Table()
	c.page.Tools = tools.Tools
	if c.page.Tools == nil {
		c.page.Tools = []string{}
	}
	c.page.Tables = append(c.page.Tables, tableOf("Accuracy by capability", acc.Grid(1)))
	if hasTrajectories(tools) {
		if len(c.suites) > 1 {
			c.bySuite.Section = reports.ToolsUsage
			c.page.Tables = append(c.page.Tables, tableOf("Tool use by benchmark", c.bySuite.Table().Grid(1)))
		}
		for i, g := range tools.Grids(1) {
			c.page.Tables = append(c.page.Tables, tableOf(toolTitles[reports.ToolSections[i]], g))
		}
	}
	figs, err := plots.Figures(acc, tools)
	if err != nil {
		return err
	}
	for _, f := range figs {
		data, err := f.PNGAt(2 * 96)
		if err != nil {
			return err
		}
		c.page.Figures = append(c.page.Figures, figure{Title: f.Title, Src: "data:image/png;base64," + base64.StdEncoding.EncodeToString(data),
			Width: int(f.Width.Points() * 96 / 72), Height: int(f.Height.Points() * 96 / 72)})
	}
	return nil
}

// hasTrajectories reports whether some run of t has a sample that reached the model.
func hasTrajectories(t *reports.ToolTable) bool {
	for _, r := range t.Rows {
		if r.Key == reports.OverallKey && r.Samples > 0 {
			return true
		}
	}
	return false
}

// toolTitles are the titles of the tool report's sections.
var toolTitles = map[string]string{
	reports.ToolsUsage:      "Tool use",
	reports.ToolsCategories: "Tool calls by category",
	reports.ToolsPerTool:    "Each tool's calls",
	reports.ToolsCalls:      "Samples by number of tool calls",
	reports.ToolsSequences:  "Most frequent tool sequences",
	reports.ToolsTime:       "Where the time went",
}

// tableOf returns grid g as a table of the summary.
func tableOf(title string, g *reports.Grid) table {
	rows := g.Rows
	if rows == nil {
		rows = [][]string{}
	}
	return table{Title: title, Header: g.Header, Rows: rows, Left: max(g.Left, 1), Notes: g.Notes}
}

// writeJSON writes v as JSON that is safe inside a script element: <, > and & escaped (no
// "</script" nor "<!--" can appear), and U+2028 and U+2029 too.
func writeJSON(w io.Writer, v any) error {
	var b bytes.Buffer
	if err := json.NewEncoder(&b).Encode(v); err != nil {
		return err
	}
	_, err := w.Write(bytes.TrimRight(b.Bytes(), "\n"))
	return err
}
