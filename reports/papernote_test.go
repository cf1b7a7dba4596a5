package reports

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/tasks"
)

// TestAccuracyPrintsPaperNumbers: the accuracy table notes, beside the measured figure, each
// number a paper reports on the run's suite for the run's model (the whole suite's, and a
// capability's when the rows are the capabilities), with where it is printed and the
// difference; another model's numbers are not noted, and text, Markdown and JSON carry them.
func TestAccuracyPrintsPaperNumbers(t *testing.T) {
	t.Parallel()
	m := &Manifest{Model: ModelInfo{Name: "deepeyesv2-7b"}, Suites: []SuiteInfo{{Name: "vstar", Samples: 4,
		Capabilities: map[string]int{"attribute": 2, "spatial": 2},
		Paper: []tasks.PaperNumber{
			{Model: "deepeyesv2-7b", Value: 81.8, Source: "DeepEyesV2 (arXiv 2511.05271), Table 2"},
			{Model: "skywork-r1v4", Value: 88.0, Source: "Skywork-R1V4 (arXiv 2512.02395), Table 2"},
			{Model: "skywork-r1v4", Value: 90.4, Capability: "attribute", Source: "Skywork-R1V4 (arXiv 2512.02395), Table 2"},
			{Model: "deepeyesv2-7b", Value: 40, Capability: "spatial", Source: "a table"},
			{Model: "deepeyesv2-7b", Value: 882, Metric: "score", Source: "not an accuracy"},
		}}}}
	acc, err := NewAccuracy("capability")
	require.NoError(t, err)
	acc.Expect("deepeyesv2-7b", ExpectedOf(m))
	for i, c := range []string{"attribute", "attribute", "spatial", "spatial"} {
		r := sampleResult(string(rune('1'+i)), i != 2)
		r.Suite, r.Capability, r.Model = "vstar", c, "deepeyesv2-7b"
		acc.Add("deepeyesv2-7b", r)
	}
	tab := acc.Table()
	assert.Equal(t, []string{
		"paper: vstar deepeyesv2-7b 81.8 (DeepEyesV2 (arXiv 2511.05271), Table 2); measured by deepeyesv2-7b: 75.0, Δ -6.8",
		"paper: vstar/spatial deepeyesv2-7b 40.0 (a table); measured by deepeyesv2-7b: 50.0, Δ +10.0",
	}, tab.Notes)

	var md bytes.Buffer
	require.NoError(t, Write(&md, tab, "md", 1))
	assert.Contains(t, md.String(), "- paper: vstar deepeyesv2-7b 81.8 (DeepEyesV2 (arXiv 2511.05271), Table 2); measured by deepeyesv2-7b: 75.0, Δ -6.8\n")

	// Grouped by another field, a capability's number has no row to stand beside.
	acc, err = NewAccuracy("stop")
	require.NoError(t, err)
	acc.Expect("deepeyesv2-7b", ExpectedOf(m))
	tab = acc.Table()
	assert.Equal(t, []string{
		"paper: vstar deepeyesv2-7b 81.8 (DeepEyesV2 (arXiv 2511.05271), Table 2); measured by deepeyesv2-7b: no graded sample",
		"paper: vstar/spatial deepeyesv2-7b 40.0 (a table); measured by deepeyesv2-7b: not compared: the rows are grouped by stop, not by capability",
	}, tab.Notes[len(tab.Notes)-2:])
}
