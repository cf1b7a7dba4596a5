package reports

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/judges"
	"github.com/realx-bench/realx/tasks"
)

// paperSuite is a suite of the wide table: its capabilities with their sizes, and the numbers
// its paper reports (by model).
type paperSuite struct {
	name  string
	caps  []string
	sizes []int
	paper map[string]float64
}

// wideSuites are the suites the seed papers print side by side (sizes cut down), with
// DeepEyesV2's numbers (arXiv 2511.05271, Tables 2–4) for two of the models.
var wideSuites = []paperSuite{
	{"vstar", []string{"direct_attributes", "relative_position"}, []int{23, 16}, map[string]float64{"deepeyesv2-7b": 81.8, "qwen2.5-vl-7b": 78.5}},
	{"hrbench-4k", []string{"FSP", "FCP"}, []int{20, 20}, map[string]float64{"deepeyesv2-7b": 77.9}},
	{"hrbench-8k", []string{"FSP", "FCP"}, []int{20, 20}, nil},
	{"mme-realworld", []string{"perception", "reasoning"}, []int{30, 10}, nil},
	{"mathvista", []string{""}, []int{40}, map[string]float64{"deepeyesv2-7b": 71.9}},
	{"mmsearch", []string{"news", "knowledge"}, []int{12, 12}, map[string]float64{"deepeyesv2-7b": 63.7}},
}

// passes says whether model passes sample i of capability c of suite s: a fixed pattern whose
// rate differs by model, suite and capability.
func passes(model string, s, c, i int) bool {
	rate := map[string]int{"deepeyesv2-7b": 72, "qwen2.5-vl-7b": 64, "r1v4_lite & co": 68}[model]
	rate += 3*s - 6*c + len(model)%5*s
	return (i*37+s*11+c*5)%100 < rate
}

// writePaperRun writes a run directory of model over suites (indexes into wideSuites), every
// sample graded but the last skip of each capability (missing).
func writePaperRun(t *testing.T, dir, model string, suites []int, skip int) {
	t.Helper()
	m := &Manifest{V: 1, Run: filepath.Base(dir), Model: ModelInfo{Name: model}}
	for _, si := range suites {
		s := wideSuites[si]
		info := SuiteInfo{Name: s.name, Capabilities: map[string]int{}}
		for ci, c := range s.caps {
			info.Capabilities[c] = s.sizes[ci]
			info.Samples += s.sizes[ci]
		}
		for _, name := range slices.Sorted(mapsKeys(s.paper)) {
			info.Paper = append(info.Paper, tasks.PaperNumber{Model: name, Value: s.paper[name], Source: "DeepEyesV2 (arXiv 2511.05271)"})
		}
		m.Suites = append(m.Suites, info)
	}
	require.NoError(t, WriteManifest(dir, m))
	w, err := CreateLog(filepath.Join(dir, ResultsFile))
	require.NoError(t, err)
	for _, si := range suites {
		s := wideSuites[si]
		for ci, c := range s.caps {
			for i := range s.sizes[ci] - skip {
				pass := passes(model, si, ci, i)
				r := &Result{V: 1, Run: m.Run, Suite: s.name, ID: fmt.Sprintf("%s-%d", c, i), Capability: c, Model: model,
					Verdict: judges.Verdict{Pass: pass, Score: map[bool]float64{true: 1}[pass]}}
				require.NoError(t, w.Write(r))
			}
		}
	}
	require.NoError(t, w.Close())
}

func mapsKeys(m map[string]float64) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// wideRuns writes the runs of the wide table into a temporary directory: DeepEyesV2 in one
// run directory per suite (its rows join), Qwen in one run of every suite, and a third model
// whose name LaTeX must escape, missing two samples of each capability of MMSearch.
func wideRuns(t *testing.T) []string {
	dir := t.TempDir()
	var paths []string
	for si, s := range wideSuites {
		p := filepath.Join(dir, "deepeyesv2", s.name)
		writePaperRun(t, p, "deepeyesv2-7b", []int{si}, 0)
		paths = append(paths, p)
	}
	all := []int{0, 1, 2, 3, 4, 5}
	paths = append(paths, filepath.Join(dir, "qwen"))
	writePaperRun(t, paths[len(paths)-1], "qwen2.5-vl-7b", all, 0)
	p := filepath.Join(dir, "r1v4")
	writePaperRun(t, p, "r1v4_lite & co", all[:5], 0)
	paths = append(paths, p)
	p = filepath.Join(dir, "r1v4-mmsearch")
	writePaperRun(t, p, "r1v4_lite & co", []int{5}, 2)
	return append(paths, p)
}

// widePaper returns the wide table of the runs of wideRuns, laid out as o says.
func widePaper(t *testing.T, o PaperOptions, format string) string {
	t.Helper()
	p, err := NewPaper(o)
	require.NoError(t, err)
	var out, warn bytes.Buffer
	_, err = PrintWith(&out, wideRuns(t), nil, &warn, p, PrintOptions{Format: format, Decimals: o.Decimals})
	require.NoError(t, err)
	require.Empty(t, warn.String())
	return out.String()
}

var wideOptions = PaperOptions{Average: true, CI: true, Decimals: 1, Caption: "Accuracy (%) on perception, reasoning and search benchmarks",
	Label: "tab:main", Rename: map[string]string{"vstar": "V*", "hrbench-4k": "HR-Bench 4K", "hrbench-8k": "HR-Bench 8K",
		"mme-realworld": "MME-RealWorld", "mathvista": "MathVista", "mmsearch": "MMSearch", "vstar/direct_attributes": "Attr",
		"vstar/relative_position": "Spatial", "mme-realworld/perception": "Perc.", "mme-realworld/reasoning": "Reas.",
		"deepeyesv2-7b": "DeepEyesV2-7B", "qwen2.5-vl-7b": "Qwen2.5-VL-7B"}}

// TestPaperTableRenderings pins the wide table of six suites side by side in every format:
// rows joined across run directories, the paper's numbers and the differences beside the
// figures they declare, ± intervals, the average, the incomplete figures marked, and the
// notes that say what each figure counts.
func TestPaperTableRenderings(t *testing.T) {
	t.Parallel()
	for _, format := range Formats {
		golden(t, "paper."+format, []byte(widePaper(t, wideOptions, format)))
	}
}

// TestPaperTableRows checks the rows: DeepEyesV2's six run directories join in one row, named
// by its model; the third model's two runs too; the figures are those of the records, and the
// paper's numbers those its suites declare.
func TestPaperTableRows(t *testing.T) {
	t.Parallel()
	p, err := NewPaper(PaperOptions{By: "suite", Average: true, Decimals: 1})
	require.NoError(t, err)
	_, err = PrintWith(&bytes.Buffer{}, wideRuns(t), nil, &bytes.Buffer{}, p, PrintOptions{Format: "json"})
	require.NoError(t, err)
	tab, err := p.Table()
	require.NoError(t, err)
	assert.Equal(t, []string{"deepeyesv2-7b", "qwen2.5-vl-7b", "r1v4_lite & co"}, rowNames(tab.Rows))
	require.Len(t, tab.Rows, 3)
	assert.Equal(t, "deepeyesv2-7b", tab.Rows[0].Name)
	assert.Len(t, tab.Rows[0].Runs, 6)
	assert.Equal(t, "r1v4_lite & co", tab.Rows[2].Name)
	assert.Len(t, tab.Rows[2].Runs, 2)
	for j, c := range tab.Columns {
		si := slices.IndexFunc(wideSuites, func(s paperSuite) bool { return s.name == c.Suite })
		passed, n := 0, 0
		for ci := range wideSuites[si].caps {
			for i := range wideSuites[si].sizes[ci] {
				n++
				if passes("deepeyesv2-7b", si, ci, i) {
					passed++
				}
			}
		}
		assert.InDelta(t, 100*float64(passed)/float64(n), tab.Rows[0].Cells[j].Cell.Accuracy, 1e-9, c.Key)
		if want, ok := wideSuites[si].paper["deepeyesv2-7b"]; ok {
			require.NotNil(t, tab.Rows[0].Cells[j].Paper, c.Key)
			assert.Equal(t, want, *tab.Rows[0].Cells[j].Paper)
		}
	}
	mm := slices.IndexFunc(tab.Columns, func(c PaperColumn) bool { return c.Key == "mmsearch" })
	assert.False(t, tab.Rows[2].Cells[mm].Cell.Complete(), "r1v4's MMSearch misses samples")
	assert.True(t, tab.Rows[1].Cells[mm].Cell.Complete())
}

// TestPaperTableOptions checks rows, columns and order chosen by name, and that a name the
// runs do not have is an error that lists those they have.
func TestPaperTableOptions(t *testing.T) {
	t.Parallel()
	o := PaperOptions{Rows: []string{"qwen2.5-vl-7b", "deepeyesv2-7b"}, Columns: []string{"mathvista", "vstar/relative_position", "vstar/overall"},
		Order: "mathvista", Decimals: 1}
	text := widePaper(t, o, "csv")
	var rows []string
	for _, line := range strings.Split(strings.TrimSpace(text), "\n")[1:] {
		f := strings.Split(line, ",")
		rows = append(rows, f[0]+" "+f[1])
	}
	assert.Equal(t, []string{"deepeyesv2-7b mathvista", "deepeyesv2-7b vstar/relative_position", "deepeyesv2-7b vstar",
		"qwen2.5-vl-7b mathvista", "qwen2.5-vl-7b vstar/relative_position", "qwen2.5-vl-7b vstar"}, rows)
	for _, tc := range []struct {
		o    PaperOptions
		want string
	}{
		{PaperOptions{Rows: []string{"gpt"}}, `--rows: no run or model "gpt" (the rows are deepeyesv2-7b, qwen2.5-vl-7b, r1v4_lite & co)`},
		{PaperOptions{Columns: []string{"vstar/colour"}}, `--columns: suite vstar has no capability "colour" (its columns are vstar/direct_attributes, vstar/relative_position, vstar/overall)`},
		{PaperOptions{Columns: []string{"pope"}}, `--columns: no suite "pope"`},
		{PaperOptions{Order: "speed"}, `--order: no column "speed" (want name, average, hrbench-4k/FCP, hrbench-4k/FSP, hrbench-4k,`},
		{PaperOptions{Order: "average"}, "--order average goes with --average"},
	} {
		p, err := NewPaper(tc.o)
		require.NoError(t, err)
		_, err = PrintWith(&bytes.Buffer{}, wideRuns(t), nil, &bytes.Buffer{}, p, PrintOptions{Format: "text"})
		var po *PaperOptionError
		require.ErrorAs(t, err, &po)
		assert.Contains(t, err.Error(), tc.want)
	}
	_, err := NewPaper(PaperOptions{By: "model"})
	assert.Error(t, err)
}

// cellMacro matches a cell of a LaTeX row set apart.
var cellMacro = regexp.MustCompile(`^\\(textbf|underline)\{(.*)\}$`)

// TestPaperTableLaTeXCompiles compiles the wide table's LaTeX with a TeX engine from Debian
// (texlive-latex-base and texlive-latex-recommended, which .ci/run installs): a document that
// \inputs it (and the accuracy table's LaTeX) and uses booktabs, nothing else. It skips only where no engine is installed. In
// the source, the best figure of each column is bold and the second underlined, and no other
// cell is set apart.
func TestPaperTableLaTeXCompiles(t *testing.T) {
	t.Parallel()
	tex := widePaper(t, wideOptions, "latex")
	checkEmphasis(t, tex)
	var other bytes.Buffer // a table of another report: groups as rows, runs as columns
	require.NoError(t, Write(&other, accuracyOf(t, "capability"), "latex", 1))

	var engine string
	for _, e := range []string{"pdflatex", "lualatex", "xelatex"} {
		if p, err := exec.LookPath(e); err == nil {
			engine = p
			break
		}
	}
	if engine == "" {
		t.Skip("no TeX engine (pdflatex, lualatex, xelatex): apt-get install texlive-latex-base texlive-latex-recommended")
	}
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "table.tex"), []byte(tex), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "other.tex"), other.Bytes(), 0o600))
	doc := "\\documentclass{article}\n\\usepackage{booktabs}\n\\usepackage[margin=1cm,landscape]{geometry}\n\\begin{document}\n\\input{table}\n\\input{other}\n\\end{document}\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "doc.tex"), []byte(doc), 0o600))
	cmd := exec.Command(engine, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", "doc.tex")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "TEXMFOUTPUT="+dir, "HOME="+dir)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s\n%s", out, tex)
	log, err := os.ReadFile(filepath.Join(dir, "doc.log"))
	require.NoError(t, err)
	assert.NotContains(t, string(log), "Missing character", "a character the font does not have")
	assert.NotContains(t, string(log), "Undefined control sequence")
	_, err = os.Stat(filepath.Join(dir, "doc.pdf"))
	assert.NoError(t, err)
}

// checkEmphasis reads the rows of the tabular in tex and checks, column by column, that the
// highest figure is in \textbf, the next in \underline (from three figures up), and no other.
func checkEmphasis(t *testing.T, tex string) {
	t.Helper()
	_, body, ok := strings.Cut(tex, "\\midrule\n")
	require.True(t, ok)
	body, _, _ = strings.Cut(body, "\\bottomrule")
	var rows [][]string
	for _, line := range strings.Split(strings.TrimSpace(body), "\n") {
		rows = append(rows, strings.Split(strings.TrimSuffix(line, " \\\\"), " & "))
	}
	require.Len(t, rows, 3)
	header := strings.Split(strings.TrimSuffix(strings.Split(strings.Split(tex, "\\cmidrule")[len(strings.Split(tex, "\\cmidrule"))-1], "\n")[1], " \\\\"), " & ")
	number := regexp.MustCompile(`^-?[0-9]+\.[0-9]`)
	checked := 0
	for j := 1; j < len(rows[0]); j++ {
		if header[j] == "paper" || header[j] == `$\Delta$` {
			for _, r := range rows {
				assert.NotRegexp(t, `\\textbf|\\underline`, r[j], "paper and Δ columns are not ranked")
			}
			continue
		}
		var values []string
		emph := map[string]string{}
		for i, r := range rows {
			cell := r[j]
			kind := ""
			if m := cellMacro.FindStringSubmatch(cell); m != nil {
				kind, cell = m[1], m[2]
			}
			v := number.FindString(cell)
			values = append(values, v)
			emph[fmt.Sprint(i)] = kind
		}
		sorted := slices.Compact(slices.SortedFunc(slices.Values(values), func(a, b string) int { return -compareNumbers(a, b) }))
		for i, v := range values {
			want := ""
			switch {
			case v == "":
			case v == sorted[0]:
				want = "textbf"
			case len(sorted) > 1 && v == sorted[1]:
				want = "underline"
			}
			assert.Equal(t, want, emph[fmt.Sprint(i)], "column %s (%d), row %d: %v", header[j], j, i, values)
		}
		checked++
	}
	assert.Greater(t, checked, 10)
}

func compareNumbers(a, b string) int {
	var x, y float64
	fmt.Sscan(a, &x)
	fmt.Sscan(b, &y)
	switch {
	case a == "" && b == "":
		return 0
	case a == "":
		return -1
	case b == "":
		return 1
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}
