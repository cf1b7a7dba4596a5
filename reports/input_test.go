package reports

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestScanRunsLabels labels every input that shares its model's name with another by its
// base name, the first one too, and gives a run without records its column.
func TestScanRunsLabels(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	dirs := map[string]string{}
	for _, name := range []string{"base", "rejudged", "empty", "other"} {
		dirs[name] = filepath.Join(root, name)
		require.NoError(t, os.MkdirAll(dirs[name], 0o755))
	}
	writeLog(t, dirs["base"], sampleResult("1", true))
	writeLog(t, dirs["rejudged"], sampleResult("1", false))
	writeLog(t, dirs["empty"])
	require.NoError(t, WriteManifest(dirs["empty"], &Manifest{V: 1, Run: "e", Model: ModelInfo{Name: "m"}}))
	other := sampleResult("1", true)
	other.Model = "n"
	writeLog(t, dirs["other"], other)

	acc, err := NewAccuracy("")
	require.NoError(t, err)
	var begun []string
	paths := []string{dirs["base"], filepath.Join(dirs["rejudged"], ResultsFile), dirs["empty"], dirs["other"]}
	err = ScanRuns(paths, nil, &bytes.Buffer{}, func(in *Input) error {
		begun = append(begun, in.Label)
		acc.AddRun(in.Label)
		return nil
	}, func(in *Input, r *Result) error {
		acc.Add(in.Label, r)
		return nil
	})
	require.NoError(t, err)
	want := []string{"m [base]", "m [rejudged]", "m [empty]", "n"}
	assert.Equal(t, want, begun)
	tab := acc.Table()
	assert.Equal(t, want, tab.Runs, "the run without records keeps its column")
	assert.Equal(t, Cell{ExpectedSamples: -1, Expected: -1, Missing: -1}, tab.Overall.Cells[2])

	var b bytes.Buffer
	require.NoError(t, Write(&b, tab, "csv", 1))
	assert.Contains(t, b.String(), "overall,m [empty],0,,0,0,0,,,true,0,,,,0,\n")
}

// TestLabelInputs numbers inputs whose base names are the same too.
func TestLabelInputs(t *testing.T) {
	t.Parallel()
	ins := []*Input{{Path: "a/run", Label: "m"}, {Path: "b/run/results.jsonl", Label: "m"}, {Path: "c/x", Label: ""}, {Path: "-", Label: "k"}}
	labelInputs(ins)
	var got []string
	for _, in := range ins {
		got = append(got, in.Label)
	}
	assert.Equal(t, []string{"m [run]", "m [run] #2", "x", "k"}, got)
}
