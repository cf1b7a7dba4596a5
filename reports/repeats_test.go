package reports

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPassAt checks the unbiased estimator against its closed form 1 − C(n−c, k)/C(n, k).
func TestPassAt(t *testing.T) {
	t.Parallel()
	binom := func(n, k int) float64 {
		if k < 0 || k > n {
			return 0
		}
		r := 1.0
		for i := 1; i <= k; i++ {
			r = r * float64(n-k+i) / float64(i)
		}
		return r
	}
	for n := 1; n <= 12; n++ {
		for c := 0; c <= n; c++ {
			for k := 1; k <= n; k++ {
				want := 1 - binom(n-c, k)/binom(n, k)
				assert.InDelta(t, want, PassAt(n, c, k), 1e-12, "n=%d c=%d k=%d", n, c, k)
			}
		}
	}
	assert.Equal(t, 0.5, PassAt(4, 2, 1))
	assert.InDelta(t, 5.0/6, PassAt(4, 2, 2), 1e-12)
}

// TestPassHat checks τ2's pass^k against its closed form C(c, k)/C(n, k) and hand-computed
// values.
func TestPassHat(t *testing.T) {
	t.Parallel()
	binom := func(n, k int) float64 {
		r := 1.0
		for i := 1; i <= k; i++ {
			r = r * float64(n-k+i) / float64(i)
		}
		return r
	}
	for n := 1; n <= 12; n++ {
		for c := 0; c <= n; c++ {
			for k := 1; k <= n; k++ {
				want := 0.0
				if c >= k {
					want = binom(c, k) / binom(n, k)
				}
				assert.InDelta(t, want, PassHatK(n, c, k), 1e-12, "n=%d c=%d k=%d", n, c, k)
			}
		}
	}
	assert.InDelta(t, 0.5, PassHatK(4, 3, 2), 1e-12, "C(3,2)/C(4,2) = 3/6")
	assert.InDelta(t, 1.0/3, PassHatK(3, 2, 2), 1e-12)
	assert.Zero(t, PassHatK(2, 2, 3), "k beyond n")
}

// repeatResult is repeat i of sample id with the extracted answer ans, passing when pass.
func repeatResult(id string, i int, ans string, pass bool) *Result {
	r := sampleResult(id, pass)
	r.Repeat, r.Extracted = i, ans
	return r
}

// TestRepeatsTable aggregates three samples run four times: per-repeat accuracy, its mean and
// standard deviation, pass@1 and pass@4, and majority vote.
func TestRepeatsTable(t *testing.T) {
	t.Parallel()
	rp, err := NewRepeats("", nil)
	require.NoError(t, err)
	records := []*Result{
		// a: passes 2 of 4; votes 2:2 between "2" (first) and "3": the tie goes to "2", right.
		repeatResult("a", 0, "2", true), repeatResult("a", 1, "3", false), repeatResult("a", 2, "3", false), repeatResult("a", 3, "2", true),
		// b: passes 1 of 4; majority "5" is wrong.
		repeatResult("b", 0, "5", false), repeatResult("b", 1, "2", true), repeatResult("b", 2, "5", false), repeatResult("b", 3, "", false),
		// c: passes 3 graded of 3; repeat 2 is an endpoint error (not wrong).
		repeatResult("c", 0, "2", true), repeatResult("c", 1, "2", true), repeatResult("c", 3, "2", true),
	}
	broken := repeatResult("c", 2, "", false)
	broken.Error = &Failure{Class: ErrModel, Message: "timeout"}
	records = append(records, broken)
	// Order does not matter.
	for i := len(records) - 1; i >= 0; i-- {
		rp.Add("m", records[i])
	}
	tab := rp.Table()
	assert.Equal(t, []int{1, 4}, tab.K)
	require.Len(t, tab.Rows, 2)
	o := tab.Rows[1]
	assert.Equal(t, OverallKey, o.Key)
	assert.Equal(t, 3, o.Samples)
	assert.Equal(t, 4, o.Repeats)
	assert.Equal(t, 1, o.Errors)
	// Per repeat: r0 a✓ b✗ c✓ = 2/3; r1 a✗ b✓ c✓ = 2/3; r2 a✗ b✗ = 0/2; r3 a✓ b✗ c✓ = 2/3.
	want := []float64{200.0 / 3, 200.0 / 3, 0, 200.0 / 3}
	require.Len(t, o.PerRepeat, 4)
	for i, w := range want {
		assert.InDelta(t, w, *o.PerRepeat[i], 1e-9)
	}
	assert.InDelta(t, 50, o.Mean, 1e-9)
	assert.InDelta(t, math.Sqrt((3*math.Pow(200.0/3-50, 2)+2500)/3), o.Std, 1e-9)
	// pass@1: a 0.5, b 0.25, c 1 → 58.33; pass@4 needs 4 graded repeats: a 1, b 1 (c left out).
	assert.InDelta(t, 100*(0.5+0.25+1)/3, o.PassAt[0].Value, 1e-9)
	assert.Equal(t, PassAtK{K: 4, Value: 100, Samples: 2}, o.PassAt[1])
	// pass^1 is pass@1; pass^4 over a (C(2,4) = 0) and b: 0. c's 3 of 3 counts for k ≤ 3.
	assert.InDelta(t, 100*(0.5+0.25+1)/3, o.PassHat[0].Value, 1e-9)
	assert.Equal(t, PassAtK{K: 4, Value: 0, Samples: 2}, o.PassHat[1])
	assert.InDelta(t, 200.0/3, o.Majority, 1e-9)

	var buf bytes.Buffer
	require.NoError(t, Write(&buf, tab, "csv", 1))
	assert.Equal(t, "capability,run,samples,repeats,mean,± std,pass@1,pass@4,pass^4,maj@4,errors,expected_samples\n"+
		"c,m,3,4,50.0000,33.3333,58.3333,100.0000,0.0000,66.6667,1,\n"+
		"overall,m,3,4,50.0000,33.3333,58.3333,100.0000,0.0000,66.6667,1,\n", buf.String())
}

// TestRepeatsUndefinedFigures shows no spread for a single repeat, and no figures for a group
// without a graded sample: "–" in text, empty in CSV, null in JSON.
func TestRepeatsUndefinedFigures(t *testing.T) {
	t.Parallel()
	rp, err := NewRepeats("", nil)
	require.NoError(t, err)
	rp.Add("m", repeatResult("a", 0, "2", true))
	down := repeatResult("b", 0, "", false)
	down.Capability, down.Error = "down", &Failure{Class: ErrModel}
	rp.Add("m", down)
	tab := rp.Table()

	text := rendered(t, tab, "text")
	assert.Regexp(t, `│ c +│ m +│ +1 │ +1 │ 100.0 │ +– │ +100.0 │ 100.0 │ +0 │`, text)
	assert.Regexp(t, `│ down +│ m +│ +0† │ +1 │ +– │ +– │ +– │ +– │ +1 │`, text)
	assert.Contains(t, text, "note: † incomplete: m: 1 of 2 records have a verdict (1 error; how many the run should have is unknown)")
	assert.Equal(t, "capability,run,samples,repeats,mean,± std,pass@1,maj@1,errors,expected_samples\n"+
		"c,m,1,1,100.0000,,100.0000,100.0000,0,\n"+
		"down,m,0,1,,,,,1,\n"+
		"overall,m,1,1,100.0000,,100.0000,100.0000,1,\n", rendered(t, tab, "csv"))

	data := rendered(t, tab, "json")
	var got struct {
		Rows []map[string]any `json:"rows"`
	}
	require.NoError(t, json.Unmarshal([]byte(data), &got))
	require.Len(t, got.Rows, 3)
	c, d := got.Rows[0], got.Rows[1]
	assert.Equal(t, 100.0, c["mean"])
	assert.Nil(t, c["std"])
	assert.Contains(t, c, "std")
	assert.Equal(t, []any{map[string]any{"k": 1.0, "value": 100.0, "samples": 1.0}}, c["pass_at"])
	for _, f := range []string{"mean", "std", "majority"} {
		assert.Nil(t, d[f], f)
	}
	assert.Equal(t, []any{map[string]any{"k": 1.0, "value": nil, "samples": 0.0}}, d["pass_at"])
	var back RepeatTable
	require.NoError(t, json.Unmarshal([]byte(data), &back), "the JSON reads back")
	assert.Equal(t, "down", back.Rows[1].Key)
}
