package plots

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/judges"
	"github.com/realx-bench/realx/reports"
	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/runnertest"
)

// record is a graded record of sample id in capability, which made calls.
func record(id, capability string, pass bool, calls ...runners.Call) *reports.Result {
	r := &reports.Result{V: reports.SchemaVersion, Suite: "s", ID: id, Capability: capability, Model: "m",
		Verdict: judges.Verdict{Pass: pass}, Trajectory: &runners.Trajectory{Turns: []runners.Turn{{Role: runners.RoleAssistant, Calls: calls}}}}
	if pass {
		r.Score = 1
	}
	return r
}

// tables returns the accuracy and tool-usage tables of two runs of twelve samples.
func tables(t *testing.T) (*reports.Table, *reports.ToolTable) {
	t.Helper()
	acc, err := reports.NewAccuracy("capability")
	require.NoError(t, err)
	tools, err := reports.NewToolUsage("capability")
	require.NoError(t, err)
	crop := runners.Call{Name: "code", Kind: "crop"}
	search := runners.Call{Name: "search"}
	lens := runners.Call{Name: "image_search"}
	for i, cap := range []string{"perception", "search", "<script>alert(1)</script>"} {
		for j := range 4 {
			id := string(rune('a'+i)) + string(rune('0'+j))
			var a, b []runners.Call
			for range j {
				a = append(a, crop)
			}
			if i == 1 {
				b = []runners.Call{lens, search, search}
			}
			for _, add := range []struct {
				run   string
				r     *reports.Result
				table reports.Report
			}{{"agent", record(id, cap, j%2 == 0, a...), acc}, {"agent", record(id, cap, j%2 == 0, a...), tools},
				{"searcher & co", record(id, cap, j < 3, b...), acc}, {"searcher & co", record(id, cap, j < 3, b...), tools}} {
				add.table.Add(add.run, add.r)
			}
		}
	}
	return acc.Table(), tools.Table()
}

// TestFiguresAreDeterministic draws every figure twice from tables made afresh: the same SVG
// and PNG bytes, the SVG pinned by a golden file; text from the data (a capability named like
// a script, a run named with &) is escaped in the SVG.
func TestFiguresAreDeterministic(t *testing.T) {
	t.Parallel()
	draw := func() ([]*Figure, map[string][]byte) {
		figs, err := Figures(tables(t))
		require.NoError(t, err)
		out := map[string][]byte{}
		for _, f := range figs {
			svg, err := f.SVG()
			require.NoError(t, err)
			pngData, err := f.PNG()
			require.NoError(t, err)
			out[f.Name+".svg"], out[f.Name+".png"] = svg, pngData
		}
		return figs, out
	}
	figs, first := draw()
	_, second := draw()
	var names []string
	for _, f := range figs {
		names = append(names, f.Name)
	}
	assert.Equal(t, []string{AccuracyFigure, CategoriesFigure, CallsFigure, AccuracyByCallsFigure}, names)
	assert.Equal(t, first, second, "the same bytes for the same tables")
	for name, data := range first {
		if strings.HasSuffix(name, ".svg") {
			runnertest.Golden(t, filepath.Join("testdata", name), data)
			svg := string(data)
			assert.NotContains(t, svg, "<script")
			assert.NotContains(t, svg, "searcher & co")
			assert.Contains(t, svg, "searcher &amp; co")
			if name == AccuracyFigure+".svg" {
				assert.Contains(t, svg, "&lt;script&gt;alert(1)&lt;/script&gt;")
			}
			continue
		}
		img, err := png.Decode(bytes.NewReader(data))
		require.NoError(t, err, name)
		assert.Equal(t, 336, img.Bounds().Dy(), "3.5 inches at 96 dpi")
	}
}

// TestFiguresOfRunsWithoutTools draws only the accuracy of runs that called no tool, and
// nothing of no run.
func TestFiguresOfRunsWithoutTools(t *testing.T) {
	t.Parallel()
	acc, err := reports.NewAccuracy("")
	require.NoError(t, err)
	tools, err := reports.NewToolUsage("")
	require.NoError(t, err)
	acc.Add("m", record("1", "c", true))
	tools.Add("m", record("1", "c", true))
	figs, err := Figures(acc.Table(), tools.Table())
	require.NoError(t, err)
	require.Len(t, figs, 1)
	assert.Equal(t, AccuracyFigure, figs[0].Name)
	figs, err = Figures(nil, nil)
	require.NoError(t, err)
	assert.Empty(t, figs)
}

// TestWriteDir writes each figure as SVG and PNG.
func TestWriteDir(t *testing.T) {
	t.Parallel()
	figs, err := Figures(tables(t))
	require.NoError(t, err)
	dir := filepath.Join(t.TempDir(), "plots")
	paths, err := WriteDir(dir, figs)
	require.NoError(t, err)
	assert.Len(t, paths, 8)
	for _, p := range paths {
		data, err := os.ReadFile(p)
		require.NoError(t, err)
		assert.NotEmpty(t, data)
	}
	assert.FileExists(t, filepath.Join(dir, "tool-categories.svg"))
	assert.FileExists(t, filepath.Join(dir, "accuracy-by-calls.png"))
}
