package judges

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/runners/runnertest"
	"github.com/realx-bench/realx/tasks"
)

// TestLLMRecall is EvalScope's llm_recall: the LLM judge is asked only when the rule fails
// the answer, a confident fail included (which ends a confident cascade), and the higher
// verdict is kept: the LLM recalls a fail, or confirms it; a rule's graded score above the
// LLM's fail stands. A reply with no verdict is a judge failure (ErrNoVerdict): the sample is
// left out, never scored 0 nor left to the rule's fail.
func TestLLMRecall(t *testing.T) {
	t.Parallel()
	srv := runnertest.NewServer(t)
	srv.Handle(func(r *runnertest.Request) runnertest.Reply {
		answer := answerBlock(t, r.Last().Text)
		switch {
		case strings.Contains(answer, "mumble"):
			return runnertest.Reply{Content: "I am not sure."}
		case strings.Contains(answer, "three") || strings.Contains(answer, "apple"):
			return runnertest.Reply{Content: `\boxed{Yes}`}
		}
		return runnertest.Reply{Content: `\boxed{No}`}
	})
	llm := llmSpec(srv, TemplateEquivalence)
	retries := 0
	llm.Retries = &retries
	spec := tasks.JudgeSpec{Strategy: tasks.StrategyLLMRecall, Steps: []tasks.JudgeSpec{{Kind: KindNumeric}, llm}}
	j := mustJudge(t, spec, Options{})
	assert.Equal(t, ID(spec), j.ID())
	confident := mustJudge(t, tasks.JudgeSpec{Steps: spec.Steps}, Options{})

	for _, tt := range []struct {
		output, step string
		pass         bool
		asked        bool
		// confident is what a confident cascade of the same steps makes of it.
		confident string
	}{
		{"3", "numeric", true, false, "numeric"},
		{"three", "llm:equivalence", true, true, "llm:equivalence"},
		{"4", "llm:equivalence", false, true, "numeric"},              // a confident fail is asked about too
		{"4, I mean three", "llm:equivalence", true, true, "numeric"}, // and recalled
	} {
		before := len(srv.Requests())
		v, err := j.Judge(context.Background(), question, tt.output)
		require.NoError(t, err, tt.output)
		assert.Equal(t, tt.pass, v.Pass, tt.output)
		assert.Equal(t, tt.step, v.Step, tt.output)
		assert.Equal(t, j.ID(), v.JudgeID, tt.output)
		assert.Equal(t, tt.asked, len(srv.Requests()) > before, tt.output)
		c, err := confident.Judge(context.Background(), question, tt.output)
		require.NoError(t, err)
		assert.Equal(t, tt.confident, c.Step, tt.output)
	}

	v, err := j.Judge(context.Background(), question, "mumble")
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrNoVerdict)
	assert.Equal(t, "llm:equivalence", v.Step)
	assert.False(t, v.Pass)

	// A graded rule: the LLM's fail does not lower the rule's score.
	f1 := mustJudge(t, tasks.JudgeSpec{Strategy: tasks.StrategyLLMRecall, Steps: []tasks.JudgeSpec{{Kind: KindF1}, llm}}, Options{})
	s := &tasks.Sample{ID: "f", Question: "Which fruit?", Answer: "red pear"}
	v, err = f1.Judge(context.Background(), s, "green pear")
	require.NoError(t, err)
	assert.Equal(t, "f1", v.Step)
	assert.InDelta(t, 0.5, v.Score, 1e-9)
	v, err = f1.Judge(context.Background(), s, "an apple, red")
	require.NoError(t, err)
	assert.Equal(t, "llm:equivalence", v.Step, "the LLM's pass over the rule's partial score")
	assert.True(t, v.Pass)
}

// TestLLMRecallSpec checks the strategy's spelling, place and steps, and that it is part of
// the cascade's ID (the default spelled out is not).
func TestLLMRecallSpec(t *testing.T) {
	t.Parallel()
	llm := tasks.JudgeSpec{Kind: KindLLM, Template: TemplateEquivalence, Model: "m", BaseURL: "u"}
	for _, tt := range []struct {
		spec tasks.JudgeSpec
		want string
	}{
		{tasks.JudgeSpec{Strategy: "llm-recall", Steps: []tasks.JudgeSpec{{Kind: KindMath}, llm}},
			`judge.strategy: unknown strategy "llm-recall" (did you mean "llm_recall"?); known: confident, llm_recall`},
		{tasks.JudgeSpec{Strategy: tasks.StrategyLLMRecall, Steps: []tasks.JudgeSpec{{Kind: KindMath}}},
			"judge.steps: llm_recall needs a step after the first"},
		{tasks.JudgeSpec{Kind: KindMath, Strategy: tasks.StrategyLLMRecall},
			"judge.strategy: strategy is read only by a cascade"},
		{tasks.JudgeSpec{Steps: []tasks.JudgeSpec{{Kind: KindMath, Strategy: tasks.StrategyLLMRecall}, llm}},
			"judge.steps.0.strategy: strategy is read only by a cascade"},
	} {
		_, err := New(tt.spec)
		require.Error(t, err, "%+v", tt.spec)
		assert.True(t, strings.HasPrefix(err.Error(), tt.want), "got %q\nwant %q", err, tt.want)
	}
	// A step after one that always decides is reached under llm_recall: when that one fails.
	_, err := New(tasks.JudgeSpec{Strategy: tasks.StrategyLLMRecall, Steps: []tasks.JudgeSpec{{Kind: KindMath}, llm,
		{Kind: KindLLM, Template: TemplateVerify, Model: "m", BaseURL: "u"}}})
	assert.NoError(t, err)

	base := tasks.JudgeSpec{Steps: []tasks.JudgeSpec{{Kind: KindMath}, llm}}
	spelled, recall := base, base
	spelled.Strategy, recall.Strategy = tasks.StrategyConfident, tasks.StrategyLLMRecall
	assert.Equal(t, ID(base), ID(spelled), "the default spelled out")
	assert.NotEqual(t, ID(base), ID(recall))
	assert.Regexp(t, `^cascade:[0-9a-f]{8}$`, ID(recall))

	assert.Empty(t, checkSuite(t, "judge:\n  strategy: llm_recall\n  steps:\n    - kind: math\n    - {kind: llm, template: equivalence}\n"))
	assert.Equal(t, []string{`7:13: unknown strategy "llm_recal" (did you mean "llm_recall"?); known: confident, llm_recall`},
		checkSuite(t, "judge:\n  strategy: llm_recal\n  steps:\n    - kind: math\n    - {kind: llm, template: equivalence}\n"))
}
