package reports

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/judges"
)

// TestCohenKappa checks κ on tables worked out by hand.
func TestCohenKappa(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		both, onlyA, onlyB, neither int
		want                        float64
	}{
		// n = 50; pₒ = 35/50 = 0.7; pA = 25/50, pB = 30/50; pₑ = 0.5·0.6 + 0.5·0.4 = 0.5;
		// κ = (0.7 − 0.5)/(1 − 0.5) = 0.4.
		{20, 5, 10, 15, 0.4},
		// n = 100; pₒ = 0.6; pA = 0.6, pB = 0.7; pₑ = 0.42 + 0.12 = 0.54; κ = 0.06/0.46.
		{45, 15, 25, 15, 0.06 / 0.46},
		// Full agreement with both verdicts present: κ = 1.
		{7, 0, 0, 3, 1},
		// Always opposite, each passing half: pₒ = 0, pₑ = 0.5, κ = −1.
		{0, 5, 5, 0, -1},
		// Agreement no better than chance: pA = pB = 0.5, pₒ = 0.5: κ = 0.
		{1, 1, 1, 1, 0},
	} {
		k := CohenKappa(tt.both, tt.onlyA, tt.onlyB, tt.neither)
		require.NotNil(t, k, "%+v", tt)
		assert.InDelta(t, tt.want, *k, 1e-12, "%+v", tt)
	}
	assert.Nil(t, CohenKappa(0, 0, 0, 0), "no samples")
	assert.Nil(t, CohenKappa(9, 0, 0, 0), "both raters pass everything: κ is undefined")
	assert.Nil(t, CohenKappa(0, 0, 0, 4), "both fail everything")
}

// judgeRuns returns two runs of the same 50 samples, judged as in the first table of
// TestCohenKappa, plus a judge failure, a model error and a third run of other samples.
func judgeRuns() *JudgeStats {
	js := NewJudgeStats()
	add := func(run string, id int, pass bool, step string) {
		js.Add(run, &Result{V: 1, Suite: "s", ID: fmt.Sprint(id), Verdict: judges.Verdict{Pass: pass, Step: step, JudgeID: "cascade:" + run}})
	}
	id := 0
	for _, cell := range []struct {
		n          int
		passA, pas bool
	}{{20, true, true}, {5, true, false}, {10, false, true}, {15, false, false}} {
		for range cell.n {
			stepA := "math"
			if id%5 == 0 {
				stepA = "llm:equivalence"
			}
			add("base", id, cell.passA, stepA)
			add("rejudged", id, cell.pas, "llm:equivalence")
			id++
		}
	}
	js.Add("base", &Result{V: 1, Suite: "s", ID: "judge-down", Verdict: judges.Verdict{JudgeID: "cascade:base"}, Error: &Failure{Class: ErrJudge}})
	js.Add("rejudged", &Result{V: 1, Suite: "s", ID: "judge-down", Verdict: judges.Verdict{JudgeID: "cascade:rejudged", Step: "math", Pass: true}})
	js.Add("base", &Result{V: 1, Suite: "s", ID: "no-answer", Error: &Failure{Class: ErrModel}})
	js.Add("rejudged", &Result{V: 1, Suite: "s", ID: "no-answer", Error: &Failure{Class: ErrModel}})
	js.Add("other", &Result{V: 1, Suite: "t", ID: "0", Verdict: judges.Verdict{Step: "em", JudgeID: "em:1"}})
	// A later record of a sample replaces the earlier one.
	js.Add("other", &Result{V: 1, Suite: "t", ID: "0", Verdict: judges.Verdict{Step: "em", JudgeID: "em:1", Pass: true}})
	return js
}

func TestJudgeStats(t *testing.T) {
	t.Parallel()
	tab := judgeRuns().Table()
	require.Len(t, tab.Runs, 3)
	base := tab.Runs[0]
	assert.Equal(t, JudgeRun{Run: "base", Samples: 52, Graded: 50,
		Steps:         []StepCount{{"llm:equivalence", 10, 5}, {"math", 40, 20}},
		JudgeFailures: 1, NotJudged: 1, JudgeIDs: []string{"cascade:base"}, Judged: 51, JudgeCoverage: ptr(50.0 / 51)}, base)
	assert.Equal(t, []StepCount{{"llm:equivalence", 50, 30}, {"math", 1, 1}}, tab.Runs[1].Steps)
	assert.Equal(t, 0, tab.Runs[1].JudgeFailures)
	assert.Equal(t, JudgeRun{Run: "other", Samples: 1, Graded: 1, Steps: []StepCount{{"em", 1, 1}}, JudgeIDs: []string{"em:1"},
		Judged: 1, JudgeCoverage: ptr(1.0)}, tab.Runs[2])

	require.Len(t, tab.Agreement, 1, "only runs with samples in common are compared")
	ag := tab.Agreement[0]
	assert.Equal(t, "base", ag.A)
	assert.Equal(t, "rejudged", ag.B)
	assert.Equal(t, 50, ag.Samples, "samples either run failed to judge are left out")
	assert.Equal(t, 35, ag.Agree)
	assert.Equal(t, 15, ag.Disagree)
	assert.Equal(t, 25, ag.PassA)
	assert.Equal(t, 30, ag.PassB)
	require.NotNil(t, ag.Kappa)
	assert.InDelta(t, 0.4, *ag.Kappa, 1e-12)
}

func TestJudgeTableRendering(t *testing.T) {
	t.Parallel()
	tab := judgeRuns().Table()
	for _, format := range Formats {
		var b bytes.Buffer
		require.NoError(t, Write(&b, tab, format, 1))
		golden(t, "judges."+format, b.Bytes())
	}
	// A single run has no agreement table.
	one := NewJudgeStats()
	one.Add("r", &Result{V: 1, Suite: "s", ID: "1", Verdict: judges.Verdict{Step: "math"}})
	var b bytes.Buffer
	require.NoError(t, Write(&b, one.Table(), "csv", 1))
	assert.Equal(t, "run,step,samples,percent\nr,math,1,100.0000\nr,(refusal),0,0.0000\nr,(judge failure),0,0.0000\nr,(not judged),0,0.0000\n", b.String())
}

// TestJudgeTableSections prints one well-formed CSV table (the steps, or the agreement when
// asked), and either section alone in text.
func TestJudgeTableSections(t *testing.T) {
	t.Parallel()
	js := judgeRuns()
	rows, err := csv.NewReader(strings.NewReader(rendered(t, js.Layout(), "csv"))).ReadAll()
	require.NoError(t, err, "one CSV table: every line has the header's fields")
	assert.Equal(t, []string{"run", "step", "samples", "percent"}, rows[0])
	assert.Equal(t, []string{"base", "llm:equivalence", "10", "19.2308"}, rows[1])
	assert.Len(t, rows, 1+5+5+4)

	js.Section = JudgeAgreement
	assert.Equal(t, "a,b,samples,agree,disagree,pass_a,pass_b,agree_percent,kappa,different_outputs\n"+
		"base,rejudged,50,35,15,25,30,70.0000,0.4000,0\n", rendered(t, js.Layout(), "csv"))
	text := rendered(t, js.Layout(), "text")
	assert.NotContains(t, text, "(judge failure)")
	assert.Contains(t, text, "base vs rejudged")

	js.Section = JudgeSteps
	md := rendered(t, js.Layout(), "md")
	assert.Contains(t, md, "(judge failure)")
	assert.NotContains(t, md, "base vs rejudged")
}
