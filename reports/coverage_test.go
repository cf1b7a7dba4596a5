package reports

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestExpectedOf reads what a run should have from its manifest: its suites' samples (by
// capability) times their repeats, a shard's own samples, and nothing it cannot tell.
func TestExpectedOf(t *testing.T) {
	t.Parallel()
	assert.Nil(t, ExpectedOf(nil))
	m := &Manifest{Repeats: 2, Suites: []SuiteInfo{
		{Name: "a", Samples: 5, Capabilities: map[string]int{"x": 3, "": 2}},
		{Name: "b", Samples: 4, Repeats: 3},
	}}
	e := ExpectedOf(m)
	samples, records := e.total()
	assert.Equal(t, 9, samples)
	assert.Equal(t, 5*2+4*3, records)
	n, k, ok := e.group(groupKey{"a", NoGroup}, "capability")
	assert.True(t, ok)
	assert.Equal(t, []int{2, 2}, []int{n, k}, "a sample without a capability is in (none)")
	_, _, ok = e.group(groupKey{"b", "x"}, "capability")
	assert.False(t, ok, "b's capabilities were not counted")
	n, _, ok = e.group(groupKey{"b", "b"}, "suite")
	assert.True(t, ok)
	assert.Equal(t, 4, n)
	_, _, ok = e.group(groupKey{"a", "L1"}, "metadata.level")
	assert.False(t, ok)

	m.Shard = &Shard{Index: 1, Count: 2}
	assert.Nil(t, ExpectedOf(m), "a shard whose manifest did not count its samples")
	m.Suites[0].ShardSamples = map[string]int{"x": 1}
	m.Suites[1].ShardSamples = map[string]int{"": 2}
	samples, records = ExpectedOf(m).total()
	assert.Equal(t, 3, samples)
	assert.Equal(t, 1*2+2*3, records)
}

// TestMacroAverage is the mean of the suites' accuracies with their errors combined, and no
// figure at all when a suite has none.
func TestMacroAverage(t *testing.T) {
	t.Parallel()
	acc, err := NewAccuracy("")
	require.NoError(t, err)
	add := func(suite, id string, pass bool) {
		r := sampleResult(id, pass)
		r.Suite = suite
		acc.Add("m", r)
	}
	for i, pass := range []bool{true, true, true, false} {
		add("a", string(rune('0'+i)), pass)
	}
	add("b", "0", false)
	add("b", "1", true)
	tab := acc.Table()
	require.NotNil(t, tab.Micro)
	assert.Equal(t, OverallMacroKey, tab.Overall.Key)
	macro := tab.Overall.Cells[0]
	assert.InDelta(t, (75.0+50.0)/2, macro.Accuracy, 1e-9)
	assert.InDelta(t, 100*4.0/6, tab.Micro.Cells[0].Accuracy, 1e-9)
	se := math.Sqrt(0.75*0.25/4+0.5*0.5/2) / 2
	assert.InDelta(t, 100*(0.625-z*se), macro.CILow, 1e-9)
	assert.InDelta(t, 100*math.Min(1, 0.625+z*se), macro.CIHigh, 1e-9)
	assert.Len(t, tab.Suites, 2)

	failed := sampleResult("9", false)
	failed.Suite, failed.Error = "c", &Failure{Class: ErrModel}
	acc.Add("m", failed)
	macro = acc.Table().Overall.Cells[0]
	assert.False(t, macro.Defined(), "suite c has no graded sample: no mean stands for all three")
	assert.Equal(t, 6, macro.Samples)
	assert.Regexp(t, `overall \(macro\) │ +– │ +6† │`, rendered(t, acc.Table(), "text"))
}
