package reports

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/judges"
)

// compareCaps are the capabilities of the runs compared, with their samples.
var compareCaps = []struct {
	name string
	n    int
}{{"perception", 150}, {"reasoning", 150}, {"search", 120}}

// writeCompareRun writes a run directory of model into dir: each sample of compareCaps run
// repeats times, passing with probability p(capability, sample), drawn from seed.
func writeCompareRun(t *testing.T, dir, model string, repeats int, seed uint64, p func(c, i int) float64) string {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 99))
	info := SuiteInfo{Name: "bench", Capabilities: map[string]int{}, Repeats: repeats}
	for _, c := range compareCaps {
		info.Capabilities[c.name] = c.n
		info.Samples += c.n
	}
	require.NoError(t, WriteManifest(dir, &Manifest{V: 1, Run: model, Model: ModelInfo{Name: model}, Suites: []SuiteInfo{info}}))
	w, err := CreateLog(filepath.Join(dir, ResultsFile))
	require.NoError(t, err)
	for k := range repeats {
		for ci, c := range compareCaps {
			for i := range c.n {
				pass := rng.Float64() < p(ci, i)
				r := &Result{V: 1, Run: model, Suite: "bench", ID: fmt.Sprintf("%s-%d", c.name[:1], i), Repeat: k, Capability: c.name,
					Model: model, Verdict: judges.Verdict{Pass: pass, Score: map[bool]float64{true: 1}[pass]}}
				require.NoError(t, w.Write(r))
			}
		}
	}
	require.NoError(t, w.Close())
	return dir
}

// difficulty is a sample's chance to pass, fixed by the sample: from 0 to 1, so that a third
// of the samples flip between two runs of the same model, as tau2-bench's users measured.
func difficulty(c, i int) float64 { return float64((i*61+c*17)%101) / 100 }

// TestCompareNamesTheCapabilityThatDropped compares a run whose perception samples pass much
// less often with its baseline: perception regresses, and is named; the others do not.
func TestCompareNamesTheCapabilityThatDropped(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	base := writeCompareRun(t, filepath.Join(dir, "base"), "m", 1, 1, difficulty)
	newer := writeCompareRun(t, filepath.Join(dir, "new"), "m", 1, 2, func(c, i int) float64 {
		if c == 0 {
			return difficulty(c, i) * 0.55
		}
		return difficulty(c, i)
	})
	c, err := Compare(base, newer, nil, &bytes.Buffer{}, CompareOptions{MaxDrop: 2})
	require.NoError(t, err)
	assert.False(t, c.Pass)
	assert.Contains(t, c.Regressed, "perception")
	assert.NotContains(t, c.Regressed, "reasoning")
	assert.NotContains(t, c.Regressed, "search")
	assert.Equal(t, 420, c.Aligned)
	assert.Contains(t, c.Title(), "regression in perception")
	for _, r := range c.Rows {
		assert.LessOrEqual(t, r.CILow, r.Delta, r.Key)
		assert.GreaterOrEqual(t, r.CIHigh, r.Delta, r.Key)
		assert.GreaterOrEqual(t, r.PHolm, r.P, r.Key)
	}
	// The same runs give the same comparison, byte for byte.
	var first, again bytes.Buffer
	require.NoError(t, Write(&first, c, "json", 1))
	c2, err := Compare(base, newer, nil, &bytes.Buffer{}, CompareOptions{MaxDrop: 2})
	require.NoError(t, err)
	require.NoError(t, Write(&again, c2, "json", 1))
	assert.Equal(t, first.String(), again.String())
	// A drop allowed by --max-drop is not a regression.
	lenient, err := Compare(base, newer, nil, &bytes.Buffer{}, CompareOptions{MaxDrop: 60})
	require.NoError(t, err)
	assert.True(t, lenient.Pass)
}

// TestCompareNoiseIsNoRegression compares, for twenty seeds, two runs of the same model (each
// sample passing with the same chance in both): they differ by noise only, a third of their
// samples flipping. At most one in twenty may be called a regression (alpha 0.05, over every
// row); with these seeds, none is.
func TestCompareNoiseIsNoRegression(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	regressions := 0
	flipped := 0
	for seed := range uint64(20) {
		base := writeCompareRun(t, filepath.Join(dir, fmt.Sprint(seed), "base"), "m", 1, 100+seed, difficulty)
		newer := writeCompareRun(t, filepath.Join(dir, fmt.Sprint(seed), "new"), "m", 1, 200+seed, difficulty)
		c, err := Compare(base, newer, nil, &bytes.Buffer{}, CompareOptions{})
		require.NoError(t, err)
		if !c.Pass {
			regressions++
		}
		flipped += len(c.Worse) + len(c.Better)
	}
	assert.Equal(t, 0, regressions)
	assert.InDelta(t, 1.0/3, float64(flipped)/20/420, 0.05, "the share of samples that flip between two runs")
}

// TestCompareWithRepeats compares runs of three repeats: each sample is one paired
// observation, its score the mean of its repeats, so n counts samples, not repeats.
func TestCompareWithRepeats(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	base := writeCompareRun(t, filepath.Join(dir, "base"), "m", 3, 1, difficulty)
	newer := writeCompareRun(t, filepath.Join(dir, "new"), "m", 3, 2, func(c, i int) float64 {
		if c == 2 {
			return difficulty(c, i) * 0.6
		}
		return difficulty(c, i)
	})
	c, err := Compare(base, newer, nil, &bytes.Buffer{}, CompareOptions{})
	require.NoError(t, err)
	assert.Equal(t, 3, c.Repeats)
	assert.Equal(t, 420, c.Rows[len(c.Rows)-1].N)
	assert.Equal(t, []string{"search", OverallKey}, c.Regressed)
	for _, f := range append(c.Worse, c.Better...) {
		assert.Contains(t, []float64{0, 1.0 / 3, 2.0 / 3, 1}, math.Round(f.Base*3)/3)
	}
	var text bytes.Buffer
	require.NoError(t, Write(&text, c, "text", 1))
	assert.Contains(t, text.String(), "one paired observation in the tests, not one per repeat")
}

// TestMcNemarAndHolm checks the exact test and the adjustment against values worked by hand.
func TestMcNemarAndHolm(t *testing.T) {
	t.Parallel()
	assert.InDelta(t, 158.0/4096, mcNemar(10, 2), 1e-12) // 2·P(X ≤ 2), X ~ B(12, ½)
	assert.InDelta(t, 1, mcNemar(3, 3), 1e-12)
	assert.Equal(t, 1.0, mcNemar(0, 0))
	rows := []CompareRow{{P: 0.01}, {P: 0.04}, {P: 0.03}, {P: 0.5}}
	holm(rows)
	assert.InDeltaSlice(t, []float64{0.04, 0.09, 0.09, 0.5}, []float64{rows[0].PHolm, rows[1].PHolm, rows[2].PHolm, rows[3].PHolm}, 1e-12)
}

// TestPairedBootstrapMatchesTheSampleBootstrap draws the interval of pass/fail differences
// both ways (as counts of each value, and sample by sample): the two agree.
func TestPairedBootstrapMatchesTheSampleBootstrap(t *testing.T) {
	t.Parallel()
	var d []float64
	for i := range 300 {
		d = append(d, float64(i%7/3-1)) // -1, 0, 1 in proportions 3:3:1
	}
	lo, hi := pairedBootstrap(d, 20_000, 0.05, 1, "x")
	var wide []float64
	for i, v := range d {
		wide = append(wide, v+float64(i)*1e-12) // all distinct: drawn sample by sample
	}
	lo2, hi2 := pairedBootstrap(wide, 20_000, 0.05, 1, "x")
	assert.InDelta(t, lo2, lo, 0.01)
	assert.InDelta(t, hi2, hi, 0.01)
	mean := -2.0 / 7
	se := math.Sqrt((3.0/7*math.Pow(-1-mean, 2) + 3.0/7*math.Pow(mean, 2) + 1.0/7*math.Pow(1-mean, 2)) / 300)
	assert.InDelta(t, mean-1.96*se, lo, 0.01)
	assert.InDelta(t, mean+1.96*se, hi, 0.01)
}

// TestCompareJUnitParses writes a failing comparison as JUnit XML and reads it back: a test
// suite with a test case per row, the regressed rows failed with a message.
func TestCompareJUnitParses(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	base := writeCompareRun(t, filepath.Join(dir, "base"), "m <&>", 1, 1, difficulty)
	newer := writeCompareRun(t, filepath.Join(dir, "new"), "m <&>", 1, 2, func(c, i int) float64 { return difficulty(c, i) * 0.5 })
	c, err := Compare(base, newer, nil, &bytes.Buffer{}, CompareOptions{})
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, WriteJUnit(&buf, c, 1))
	var doc struct {
		XMLName  xml.Name `xml:"testsuites"`
		Tests    int      `xml:"tests,attr"`
		Failures int      `xml:"failures,attr"`
		Suites   []struct {
			Name     string `xml:"name,attr"`
			Tests    int    `xml:"tests,attr"`
			Failures int    `xml:"failures,attr"`
			Cases    []struct {
				Name      string `xml:"name,attr"`
				Classname string `xml:"classname,attr"`
				Failure   *struct {
					Message string `xml:"message,attr"`
					Type    string `xml:"type,attr"`
				} `xml:"failure"`
			} `xml:"testcase"`
			Properties []struct {
				Name  string `xml:"name,attr"`
				Value string `xml:"value,attr"`
			} `xml:"properties>property"`
			SystemOut string `xml:"system-out"`
		} `xml:"testsuite"`
	}
	dec := xml.NewDecoder(&buf)
	dec.Strict = true
	require.NoError(t, dec.Decode(&doc))
	require.Len(t, doc.Suites, 1)
	s := doc.Suites[0]
	assert.Equal(t, len(c.Rows), s.Tests)
	assert.Equal(t, len(c.Regressed), s.Failures)
	assert.Equal(t, s.Failures, doc.Failures)
	assert.Positive(t, s.Failures)
	failed := 0
	for _, tc := range s.Cases {
		assert.NotEmpty(t, tc.Name)
		assert.Equal(t, "realx.compare.capability", tc.Classname)
		if tc.Failure != nil {
			failed++
			assert.Equal(t, "regression", tc.Failure.Type)
			assert.Contains(t, tc.Failure.Message, tc.Name+" dropped")
		}
	}
	assert.Equal(t, s.Failures, failed)
	assert.Contains(t, s.Name, "m <&>")
	assert.Contains(t, s.SystemOut, "regression in")
}

// TestCompareRefusesRunsWithNothingInCommon: runs of different samples are bad input.
func TestCompareRefusesRunsWithNothingInCommon(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	base := writeCompareRun(t, filepath.Join(dir, "base"), "m", 1, 1, difficulty)
	_, err := Compare(base, filepath.Join(dir, "missing"), nil, &bytes.Buffer{}, CompareOptions{})
	var bad *CompareInputError
	require.ErrorAs(t, err, &bad)
	other := filepath.Join(dir, "other")
	require.NoError(t, WriteManifest(other, &Manifest{V: 1, Run: "o", Model: ModelInfo{Name: "o"}}))
	w, err := CreateLog(filepath.Join(other, ResultsFile))
	require.NoError(t, err)
	require.NoError(t, w.Write(&Result{V: 1, Suite: "else", ID: "1", Verdict: judges.Verdict{Pass: true, Score: 1}}))
	require.NoError(t, w.Close())
	_, err = Compare(base, other, nil, &bytes.Buffer{}, CompareOptions{})
	require.ErrorAs(t, err, &bad)
	assert.Contains(t, err.Error(), "no graded sample in common")
}
