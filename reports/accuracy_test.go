package reports

import (
	"bytes"
	"encoding/json"
	"math"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/runnertest"
)

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	runnertest.Golden(t, filepath.Join("testdata", name), got)
}

// twoRuns returns the records of two runs over the same six samples in two capabilities.
func twoRuns() (a, b []*Result) {
	mk := func(id, capability string, pass bool, tools []runners.Call, stop runners.StopReason) *Result {
		r := sampleResult(id, pass)
		r.Capability = capability
		r.Metadata = map[string]any{"level": "L" + id[:1], "skills": []any{"count", capability}}
		r.Stop = stop
		r.Trajectory = &runners.Trajectory{Stop: stop, Turns: []runners.Turn{{Role: runners.RoleAssistant, Calls: tools}}}
		if len(tools) > 0 {
			r.Trajectory.Turns = append(r.Trajectory.Turns, runners.Turn{Role: runners.RoleUser}, runners.Turn{Role: runners.RoleAssistant})
		}
		return r
	}
	crop := runners.Call{Name: "code", Kind: "crop"}
	bad := runners.Call{Name: "code", Kind: "other", Error: "SyntaxError"}
	zoom := runners.Call{Name: "image_zoom_in_tool"}
	a = []*Result{
		mk("1", "perception", true, []runners.Call{crop}, runners.StopAnswer),
		mk("2", "perception", true, nil, runners.StopAnswer),
		mk("3", "perception", false, []runners.Call{crop, bad}, runners.StopMaxTurns),
		mk("4", "reasoning", true, nil, runners.StopAnswer),
		mk("5", "reasoning", false, nil, runners.StopAnswer),
		mk("6", "reasoning", false, []runners.Call{zoom}, runners.StopAnswer),
	}
	a[4].Error = &Failure{Class: ErrModel, Message: "HTTP 500"}
	a[4].Pass, a[4].Score = false, 0
	b = []*Result{
		mk("1", "perception", true, nil, runners.StopAnswer),
		mk("2", "perception", false, nil, runners.StopAnswer),
		mk("3", "perception", false, nil, runners.StopAnswer),
		mk("4", "reasoning", true, nil, runners.StopAnswer),
		mk("5", "reasoning", true, nil, runners.StopAnswer),
		mk("6", "reasoning", true, nil, runners.StopAnswer),
	}
	return a, b
}

func accuracyOf(t *testing.T, by string) *Table {
	t.Helper()
	acc, err := NewAccuracy(by)
	require.NoError(t, err)
	a, b := twoRuns()
	for _, r := range a {
		acc.Add("agent", r)
	}
	for _, r := range b {
		acc.Add("plain", r)
	}
	return acc.Table()
}

// TestAccuracyCounts checks the counts, that errors are kept out of accuracy, and the Wilson
// interval against hand-computed values.
func TestAccuracyCounts(t *testing.T) {
	t.Parallel()
	tab := accuracyOf(t, "capability")
	require.Equal(t, []string{"agent", "plain"}, tab.Runs)
	require.Len(t, tab.Rows, 2)
	assert.Equal(t, "perception", tab.Rows[0].Key)
	assert.Equal(t, "reasoning", tab.Rows[1].Key)
	reasoning := tab.Rows[1].Cells[0]
	assert.Equal(t, 2, reasoning.Graded, "the errored sample is not graded")
	assert.Equal(t, 1, reasoning.Errored)
	assert.InDelta(t, 50.0, reasoning.Accuracy, 1e-12)
	overall := tab.Overall.Cells[0]
	assert.Equal(t, 5, overall.Graded)
	assert.Equal(t, 3.0, overall.Correct)
	// Wilson 95% for 3/5: centre (0.6+z²/10)/(1+z²/5), half z√(0.24/5+z²/100)/(1+z²/5).
	z := 1.959963984540054
	den := 1 + z*z/5
	centre := (0.6 + z*z/10) / den
	half := z * math.Sqrt(0.6*0.4/5+z*z/100) / den
	assert.InDelta(t, 100*(centre-half), overall.CILow, 1e-9)
	assert.InDelta(t, 100*(centre+half), overall.CIHigh, 1e-9)
	assert.InDelta(t, 23.07, overall.CILow, 0.01)
	assert.InDelta(t, 88.24, overall.CIHigh, 0.01)
}

// TestAccuracyByMetadataList counts a sample in each group of a list-valued field.
func TestAccuracyByMetadataList(t *testing.T) {
	t.Parallel()
	tab := accuracyOf(t, "metadata.skills")
	keys := []string{}
	for _, r := range tab.Rows {
		keys = append(keys, r.Key)
	}
	assert.Equal(t, []string{"count", "perception", "reasoning"}, keys)
	assert.Equal(t, 5, tab.Rows[0].Cells[0].Graded)
}

// TestAccuracyScoredJudges averages graded scores and uses the normal interval.
func TestAccuracyScoredJudges(t *testing.T) {
	t.Parallel()
	acc, err := NewAccuracy("")
	require.NoError(t, err)
	for i, s := range []float64{0.5, 1, 0.25, 0.75} {
		r := sampleResult(string(rune('a'+i)), s >= 0.5)
		r.Score = s
		acc.Add("f1", r)
	}
	c := acc.Table().Overall.Cells[0]
	assert.InDelta(t, 62.5, c.Accuracy, 1e-9)
	sd := math.Sqrt(((0.5-0.625)*(0.5-0.625) + (1-0.625)*(1-0.625) + (0.25-0.625)*(0.25-0.625) + (0.75-0.625)*(0.75-0.625)) / 3)
	assert.InDelta(t, 100*(0.625-1.959963984540054*sd/2), c.CILow, 1e-9)
}

// TestAccuracyGroupingErrors rejects an unknown field.
func TestAccuracyGroupingErrors(t *testing.T) {
	t.Parallel()
	_, err := NewAccuracy("colour")
	require.ErrorContains(t, err, "metadata.FIELD")
}

// TestAccuracyRenderings pins each output format.
func TestAccuracyRenderings(t *testing.T) {
	t.Parallel()
	tab := accuracyOf(t, "capability")
	for _, format := range Formats {
		var buf bytes.Buffer
		require.NoError(t, Write(&buf, tab, format, 1))
		golden(t, "accuracy."+format, buf.Bytes())
	}
}

// TestToolUsage checks the tool-usage counts and pins their rendering.
func TestToolUsage(t *testing.T) {
	t.Parallel()
	u, err := NewToolUsage("capability")
	require.NoError(t, err)
	a, b := twoRuns()
	for _, r := range a {
		u.Add("agent", r)
	}
	for _, r := range b {
		u.Add("plain", r)
	}
	tab := u.Table()
	assert.Equal(t, []string{"code", "image_zoom_in_tool"}, tab.Tools)
	var overall ToolRow
	for _, r := range tab.Rows {
		if r.Key == OverallKey && r.Run == "agent" {
			overall = r
		}
	}
	assert.Equal(t, 6, overall.Samples)
	assert.Equal(t, 3, overall.WithTools)
	assert.Equal(t, 4, overall.Calls)
	assert.Equal(t, 1, overall.CallErrors)
	assert.Equal(t, 1, overall.BudgetStops)
	assert.Equal(t, 9, overall.Turns)
	assert.Equal(t, 3, overall.PerTool["code"])
	assert.Equal(t, map[string]int{"crop": 2, "other": 1}, overall.CodeKinds)
	assert.Equal(t, 1.0, overall.PassWithTools)
	assert.Equal(t, 3, overall.GradedWithTools)
	assert.Equal(t, 2.0, overall.PassWithout)
	assert.Equal(t, 2, overall.GradedWithout)
	for _, format := range Formats {
		var buf bytes.Buffer
		require.NoError(t, Write(&buf, tab, format, 1))
		golden(t, "tools."+format, buf.Bytes())
	}
}

// rendered returns what l prints in format.
func rendered(t *testing.T, l Layout, format string) string {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, Write(&b, l, format, 1))
	return b.String()
}

// TestAccuracyWithoutGradedSamples leaves the accuracy of a group with no graded sample empty
// in CSV and null in JSON, as text shows "–": never a real-looking 0%.
func TestAccuracyWithoutGradedSamples(t *testing.T) {
	t.Parallel()
	acc, err := NewAccuracy("")
	require.NoError(t, err)
	ok := sampleResult("1", true)
	failed := sampleResult("2", false)
	failed.Capability = "down"
	failed.Error = &Failure{Class: ErrModel}
	acc.Add("m", ok)
	acc.Add("m", failed)
	tab := acc.Table()

	assert.Equal(t, "capability,run,samples,expected_samples,repeats,graded,errored,missing,expected,complete,correct,accuracy,ci_low,ci_high,stopped,stopped_share\n"+
		"c,m,1,,1,1,0,,,true,1,100.0000,20.6549,100.0000,0,0.0000\n"+
		"down,m,0,,0,0,1,,,false,0,,,,0,\n"+
		"overall,m,1,,1,1,1,,,false,1,100.0000,20.6549,100.0000,0,0.0000\n", rendered(t, tab, "csv"))

	data := rendered(t, tab, "json")
	var got struct {
		Rows []struct {
			Key   string           `json:"key"`
			Cells []map[string]any `json:"cells"`
		} `json:"rows"`
	}
	require.NoError(t, json.Unmarshal([]byte(data), &got))
	require.Len(t, got.Rows, 2)
	down := got.Rows[1].Cells[0]
	assert.Equal(t, map[string]any{"samples": 0.0, "expected_samples": nil, "repeats": 0.0, "expected": nil, "graded": 0.0,
		"errored": 1.0, "missing": nil, "complete": false, "correct": 0.0, "accuracy": nil, "ci_low": nil, "ci_high": nil,
		"stopped": 0.0, "stopped_share": nil}, down)
	assert.Equal(t, 100.0, got.Rows[0].Cells[0]["accuracy"])
	var back Table
	require.NoError(t, json.Unmarshal([]byte(data), &back), "the JSON reads back")
	assert.Equal(t, 0, back.Rows[1].Cells[0].Graded)

	assert.Regexp(t, `down\s+│\s+–\s+│\s+0†\s+│`, rendered(t, tab, "text"), "an errored group is marked incomplete")
}

// TestAccuracyGroupNames names the group of an empty field "(none)" and sorts groups in
// natural order (q2 before q10).
func TestAccuracyGroupNames(t *testing.T) {
	t.Parallel()
	keys := func(by string, rs ...*Result) []string {
		acc, err := NewAccuracy(by)
		require.NoError(t, err)
		for _, r := range rs {
			acc.Add("m", r)
		}
		var out []string
		for _, row := range acc.Table().Rows {
			out = append(out, row.Key)
		}
		return out
	}
	var rs []*Result
	for _, id := range []string{"q10", "q2", "q1", "q0"} {
		r := sampleResult(id, true)
		r.Capability = ""
		rs = append(rs, r)
	}
	rs[1].Error = &Failure{Class: ErrModel}
	assert.Equal(t, []string{"q0", "q1", "q2", "q10"}, keys("id", rs...))
	assert.Equal(t, []string{"(none)"}, keys("capability", rs...))
	assert.Equal(t, []string{"(none)", "model"}, keys("error", rs...))
	assert.Equal(t, []string{"(none)"}, keys("judge_step", rs...))
}
