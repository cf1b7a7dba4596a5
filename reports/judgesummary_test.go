package reports

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/judges"
)

func ptr[T any](v T) *T { return &v }

// recallRuns returns two runs of the same outputs: "rule" graded by a rule alone, "recall" by
// the rule with an LLM asked about its fails (llm_recall). Of 40 samples both pass 10, the
// LLM recalls 25 the rule failed and confirms 5 fails; besides, a refusal in both runs, a
// sample whose LLM judge gave no valid verdict and one whose judge endpoint failed (in
// "recall"), a sample whose outputs differ between the runs, and a model error.
func recallRuns() *JudgeStats {
	js := NewJudgeStats()
	add := func(run, id, output string, v judges.Verdict, class ErrorClass) {
		r := &Result{V: 1, Suite: "s", ID: id, Output: output, Verdict: v}
		if class != "" {
			r.Error = &Failure{Class: class, Message: "failed"}
		}
		if v.Reason == judges.ReasonRefusal {
			r.Refusal = "I can't help with that."
		}
		js.Add(run, r)
	}
	pass := func(step string) judges.Verdict { return judges.Verdict{Pass: true, Score: 1, Step: step} }
	fail := func(step string) judges.Verdict { return judges.Verdict{Step: step} }
	for i := range 40 {
		id, out := fmt.Sprint(i), fmt.Sprintf("answer %d", i)
		switch {
		case i < 10:
			add("rule", id, out, pass("exact"), "")
			add("recall", id, out, pass("exact"), "")
		case i < 35:
			add("rule", id, out, fail("exact"), "")
			add("recall", id, out, pass("llm:equivalence"), "")
		default:
			add("rule", id, out, fail("exact"), "")
			add("recall", id, out, fail("llm:equivalence"), "")
		}
	}
	refusal := judges.Verdict{Reason: judges.ReasonRefusal, Confident: true}
	add("rule", "refused", "", refusal, "")
	add("recall", "refused", "", refusal, "")
	add("rule", "invalid", "x", fail("exact"), "")
	add("recall", "invalid", "x", judges.Verdict{Step: "llm:equivalence", Reason: judges.ReasonInvalidVerdict}, ErrJudge)
	add("rule", "down", "y", fail("exact"), "")
	add("recall", "down", "y", judges.Verdict{Step: "llm:equivalence"}, ErrJudge)
	add("rule", "sampled", "first answer", pass("exact"), "")
	add("recall", "sampled", "second answer", fail("llm:equivalence"), "")
	add("rule", "no-answer", "", judges.Verdict{}, ErrModel)
	add("recall", "no-answer", "", judges.Verdict{}, ErrModel)
	return js
}

// TestJudgeSummary checks each run's coverage, exclusions (invalid verdicts apart) and
// refusals, and the agreement of two judges over the same outputs: refusals and samples whose
// outputs differ left out, κ, and the samples they disagree on, in natural order.
func TestJudgeSummary(t *testing.T) {
	t.Parallel()
	tab := recallRuns().Table()
	require.Len(t, tab.Runs, 2)
	rule, recall := tab.Runs[0], tab.Runs[1]
	assert.Equal(t, JudgeRun{Run: "rule", Samples: 45, Graded: 44, Steps: []StepCount{{"exact", 43, 11}},
		NotJudged: 1, Refusals: 1, Judged: 43, JudgeCoverage: ptr(1.0)}, rule)
	assert.Equal(t, JudgeRun{Run: "recall", Samples: 45, Graded: 42,
		Steps:         []StepCount{{"exact", 10, 10}, {"llm:equivalence", 31, 25}},
		JudgeFailures: 2, InvalidVerdicts: 1, NotJudged: 1, Refusals: 1, Judged: 43,
		JudgeCoverage: ptr(41.0 / 43)}, recall)

	require.Len(t, tab.Agreement, 1)
	ag := tab.Agreement[0]
	assert.Equal(t, 40, ag.Samples, "the refusal, the failures and the differing outputs are left out")
	assert.Equal(t, 1, ag.DifferentOutputs)
	assert.Equal(t, 15, ag.Agree)
	assert.Equal(t, 25, ag.Disagree)
	// pₒ = 15/40; pA = 10/40, pB = 35/40; pₑ = 0.25·0.875 + 0.75·0.125 = 0.3125;
	// κ = (0.375 − 0.3125)/(1 − 0.3125) = 1/11.
	require.NotNil(t, ag.Kappa)
	assert.InDelta(t, 1.0/11, *ag.Kappa, 1e-12)
	require.Len(t, ag.Disagreements, 25)
	assert.Equal(t, Disagreement{Suite: "s", ID: "10", PassB: true, StepA: "exact", StepB: "llm:equivalence"}, ag.Disagreements[0])
	assert.Equal(t, "34", ag.Disagreements[24].ID)

	// Two runs of different answers (two models) are not compared.
	other := NewJudgeStats()
	other.Add("a", &Result{V: 1, Suite: "s", ID: "1", Output: "7", Verdict: judges.Verdict{Pass: true}})
	other.Add("b", &Result{V: 1, Suite: "s", ID: "1", Output: "8"})
	assert.Empty(t, other.Table().Agreement)
}

// TestJudgeSummaryRendering writes the judge report of recallRuns in every format, and each
// section alone: text lists 20 disagreements of a pair and says how many more there are,
// --section disagreements and CSV list them all.
func TestJudgeSummaryRendering(t *testing.T) {
	t.Parallel()
	js := recallRuns()
	for _, format := range []string{"text", "md", "csv", "json"} {
		golden(t, "judgesummary."+format, []byte(rendered(t, js.Layout(), format)))
	}
	text := rendered(t, js.Layout(), "text")
	assert.Contains(t, text, "│ rule vs recall │ … 5 more │              │                        │")
	for _, section := range JudgeSections {
		js.Section = section
		golden(t, "judgesummary-"+section+".csv", []byte(rendered(t, js.Layout(), "csv")))
	}
	js.Section = JudgeDisagreements
	text = rendered(t, js.Layout(), "text")
	assert.NotContains(t, text, "more")
	assert.Equal(t, 25, strings.Count(text, "rule vs recall"))
	js.Section = JudgeSummary
	text = rendered(t, js.Layout(), "md")
	assert.Contains(t, text, "| rule   |     43 |       43 |      100.0 |        0 |                0 |        1 |")

	var back JudgeTable
	require.NoError(t, json.Unmarshal([]byte(rendered(t, js.Layout(), "json")), &back))
	assert.Equal(t, 1, back.Runs[1].InvalidVerdicts)
	assert.Len(t, back.Agreement[0].Disagreements, 25)

	// With no disagreement, there is no disagreements table.
	one := NewJudgeStats()
	for _, run := range []string{"a", "b"} {
		one.Add(run, &Result{V: 1, Suite: "s", ID: "1", Verdict: judges.Verdict{Pass: true, Step: "em"}})
	}
	assert.Len(t, one.Table().Grids(1), 3, "summary, steps, agreement")
}
