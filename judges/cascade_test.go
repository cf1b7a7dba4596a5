package judges

import (
	"context"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/runners/runnertest"
	"github.com/realx-bench/realx/tasks"
)

// TestCascadeAsksTheLLMOnlyWhenTheRulesAreUnsure: a cleanly parsed number settles the sample
// (right or wrong); an answer the math rule cannot read goes to the LLM judge.
func TestCascadeAsksTheLLMOnlyWhenTheRulesAreUnsure(t *testing.T) {
	t.Parallel()
	srv := runnertest.NewServer(t)
	srv.Handle(func(*runnertest.Request) runnertest.Reply { return runnertest.Reply{Content: `\boxed{Yes}`} })
	spec := tasks.JudgeSpec{Steps: []tasks.JudgeSpec{{Kind: KindMath}, llmSpec(srv, TemplateEquivalence)}}
	j := mustJudge(t, spec, Options{})
	assert.Equal(t, ID(spec), j.ID())
	assert.Regexp(t, `^cascade:[0-9a-f]{8}$`, j.ID())

	s := &tasks.Sample{ID: "h", Question: "What is 1 divided by 2?", Answer: "1/2"}
	for _, tt := range []struct {
		output string
		pass   bool
		step   string
	}{
		{`So \boxed{\frac{1}{2}}.`, true, "math"},
		{`So \boxed{0.5}.`, true, "math"},
		{`So \boxed{3}.`, false, "math"}, // a cleanly parsed wrong number: confidently wrong
		{"one half", true, "llm:equivalence"},
		{"two halves of nothing", true, "llm:equivalence"},
		{`So \boxed{4}.`, false, "math"},
	} {
		v, err := j.Judge(context.Background(), s, tt.output)
		require.NoError(t, err, tt.output)
		assert.Equal(t, tt.pass, v.Pass, tt.output)
		assert.Equal(t, tt.step, v.Step, tt.output)
		assert.Equal(t, j.ID(), v.JudgeID, "the cascade's ID, whichever step decided")
	}
	assert.Len(t, srv.Requests(), 2, "the LLM judge was asked about the two unsure verdicts only")
}

// TestCascadeChoiceThenOptionThenEquivalence is DeepEyesV2's multiple-choice path: can_infer,
// then the option extractor, and when it says Z the equivalence judge.
func TestCascadeChoiceThenOptionThenEquivalence(t *testing.T) {
	t.Parallel()
	srv := runnertest.NewServer(t)
	srv.Handle(func(r *runnertest.Request) runnertest.Reply {
		prompt := r.Last().Text
		switch {
		case strings.Contains(prompt, "OPTION: X"):
			if strings.Contains(prompt, "canine") {
				return runnertest.Reply{Content: "OPTION: B"}
			}
			return runnertest.Reply{Content: "OPTION: Z"}
		default:
			return runnertest.Reply{Content: `\boxed{Yes}`}
		}
	})
	spec := tasks.JudgeSpec{
		Extract: []string{"strip_think", "answer_tag"},
		Steps:   []tasks.JudgeSpec{{Kind: KindChoice}, llmSpec(srv, TemplateOption), llmSpec(srv, TemplateEquivalence)},
	}
	j := mustJudge(t, spec, Options{})
	s := &tasks.Sample{ID: "m", Question: "Which animal?", Answer: "B", Choices: []string{"cat", "dog", "fox"}}
	for _, tt := range []struct {
		output, step string
		pass         bool
		requests     int
	}{
		{"<answer>B</answer>", "choice", true, 0},
		{"<answer>A</answer>", "choice", false, 0},
		{"<answer>a canine</answer>", "llm:option", true, 1},
		{"<answer>the barking one</answer>", "llm:equivalence", true, 3},
	} {
		v, err := j.Judge(context.Background(), s, tt.output)
		require.NoError(t, err)
		assert.Equal(t, tt.step, v.Step, tt.output)
		assert.Equal(t, tt.pass, v.Pass, tt.output)
		assert.Len(t, srv.Requests(), tt.requests, tt.output)
	}
}

func TestCascadeStepErrorIsAJudgeFailure(t *testing.T) {
	t.Parallel()
	srv := runnertest.NewServer(t)
	srv.Handle(func(*runnertest.Request) runnertest.Reply { return runnertest.Reply{Status: 500} })
	j := mustJudge(t, tasks.JudgeSpec{Steps: []tasks.JudgeSpec{{Kind: KindEM}, llmSpec(srv, TemplateEquivalence)}}, Options{})
	v, err := j.Judge(context.Background(), question, "three")
	require.Error(t, err)
	assert.ErrorContains(t, err, "llm:equivalence: sample q1: llm judge: no verdict after 4 attempt(s)")
	assert.Equal(t, "llm:equivalence", v.Step)
	assert.Equal(t, j.ID(), v.JudgeID)

	v, err = j.Judge(context.Background(), question, "3")
	require.NoError(t, err, "settled by the rule: the endpoint is not asked")
	assert.True(t, v.Pass)
	assert.Equal(t, "em", v.Step)
}

// TestCascadeLastStepStands: when no step is confident the last one's verdict stands.
func TestCascadeLastStepStands(t *testing.T) {
	t.Parallel()
	j, err := New(tasks.JudgeSpec{Steps: []tasks.JudgeSpec{{Kind: KindEM}, {Kind: KindF1, Name: "overlap"}}})
	require.NoError(t, err)
	v, err := j.Judge(context.Background(), &tasks.Sample{ID: "x", Answer: "red apple"}, "green apple")
	require.NoError(t, err)
	assert.Equal(t, "overlap", v.Step)
	assert.InDelta(t, 0.5, v.Score, 1e-9)
}

func TestCascadeIDs(t *testing.T) {
	t.Parallel()
	base := tasks.JudgeSpec{Steps: []tasks.JudgeSpec{{Kind: KindMath}, {Kind: KindLLM, Template: TemplateEquivalence, Model: "m", BaseURL: "u"}}}
	id := ID(base)
	named := base
	named.Steps = []tasks.JudgeSpec{{Kind: KindMath, Name: "rule"}, base.Steps[1]}
	assert.Equal(t, id, ID(named), "names are labels")
	inherited := base
	inherited.Extract = DefaultExtract(KindMath)
	inherited.Steps = []tasks.JudgeSpec{{Kind: KindMath}, {Kind: KindLLM, Template: TemplateEquivalence, Model: "m", BaseURL: "u", Extract: DefaultExtract(KindLLM)}}
	assert.Equal(t, id, ID(inherited), "the cascade's extractors are its steps' defaults")
	for i, spec := range []tasks.JudgeSpec{
		{Steps: []tasks.JudgeSpec{{Kind: KindMath, RelTol: ptr(0.1)}, base.Steps[1]}},
		{Steps: []tasks.JudgeSpec{{Kind: KindMath}, {Kind: KindLLM, Template: TemplateEquivalence, Model: "m2", BaseURL: "u"}}},
		{Steps: []tasks.JudgeSpec{base.Steps[1], {Kind: KindMath}}},
		{Steps: []tasks.JudgeSpec{{Kind: KindMath}}},
		{Extract: []string{"boxed"}, Steps: base.Steps},
	} {
		assert.NotEqual(t, id, ID(spec), "cascade %d", i)
	}
	assert.NotEqual(t, ID(tasks.JudgeSpec{Kind: KindMath}), ID(tasks.JudgeSpec{Steps: []tasks.JudgeSpec{{Kind: KindMath}}}))
}

func TestCascadeSpecProblems(t *testing.T) {
	t.Parallel()
	llm := tasks.JudgeSpec{Kind: KindLLM, Template: TemplateEquivalence, Model: "m", BaseURL: "u"}
	for _, tt := range []struct {
		spec tasks.JudgeSpec
		want []string
	}{
		{tasks.JudgeSpec{Kind: KindMath, Steps: []tasks.JudgeSpec{{Kind: KindEM}}}, []string{`judge.kind: kind "math" does not go with steps`}},
		{tasks.JudgeSpec{Kind: tasks.KindCascade}, []string{"judge.steps: a cascade needs steps"}},
		{tasks.JudgeSpec{RelTol: ptr(0.1), Model: "m", Steps: []tasks.JudgeSpec{{Kind: KindEM}}}, []string{
			"judge.rel_tol: rel_tol is not read by a cascade: set it on its steps",
			"judge.model: model is not read by a cascade: set it on its steps",
		}},
		{tasks.JudgeSpec{Extract: []string{"boxd"}, Steps: []tasks.JudgeSpec{{Kind: "mth"}, {}, {Steps: []tasks.JudgeSpec{{Kind: KindEM}}}}}, []string{
			`judge.extract.0: unknown extractor "boxd"`,
			`judge.steps.0.kind: unknown judge kind "mth" (did you mean "math"?)`,
			"judge.steps.1.kind: judge kind is missing",
			"judge.steps.2.steps: a cascade step cannot be a cascade itself",
		}},
		{tasks.JudgeSpec{Steps: []tasks.JudgeSpec{{Kind: KindEM}, {Kind: KindEM, CaseSensitive: true}}}, []string{
			"judge.steps.1.case_sensitive: case_sensitive is not read by the em judge",
			`judge.steps.1.kind: step name "em" is taken by judge.steps.0: give one of them a name`,
		}},
		{tasks.JudgeSpec{Steps: []tasks.JudgeSpec{llm, {Kind: KindMath}}}, []string{
			"judge.steps.1.kind: this step is never reached: the llm:equivalence step before it always decides",
		}},
		{tasks.JudgeSpec{Steps: []tasks.JudgeSpec{{Kind: KindMath}, {Kind: KindLLM, Template: TemplateOption}}}, []string{
			"judge.steps.1: the llm judge needs a model",
		}},
	} {
		_, err := New(tt.spec)
		require.Error(t, err, "%+v", tt.spec)
		lines := strings.Split(err.Error(), "\n")
		require.Len(t, lines, len(tt.want), "%v", err)
		for i, w := range tt.want {
			assert.True(t, strings.HasPrefix(lines[i], w), "got %q\nwant %q", lines[i], w)
		}
	}
	_, err := New(tasks.JudgeSpec{Steps: []tasks.JudgeSpec{{Kind: KindMath}, {Kind: KindMath, Name: "strict", RelTol: ptr(0.0)}, llm}})
	assert.NoError(t, err, "a name tells two steps of a kind apart")
}

func TestCheckCascade(t *testing.T) {
	t.Parallel()
	assert.Empty(t, checkSuite(t, "judge:\n  steps:\n    - kind: math\n    - {kind: llm, template: equivalence}\n"),
		"the model may come from --judge-model: not a suite problem")
	got := checkSuite(t, `judge:
  extract: [strip_think, boxd]
  steps:
    - kind: math
      template: option
    - kind: llm
      template: equivalance
    - kind: llm
      template_file: missing.tmpl
    - kind: cascade
    - {kind: em, rel_tol: -1}
`)
	assert.Equal(t, []string{
		`7:26: unknown extractor "boxd" (did you mean "boxed"?); known: answer_is, answer_tag, boxed, expression, last_number, latex, llm, strip_think`,
		"10:17: template is not read by the math judge (only by llm)",
		`12:17: unknown template "equivalance" (did you mean "equivalence"?); known: equivalence, option, simpleqa, simpleqa-official, verify, vlmevalkit-option, vstar, webwatcher`,
		"16:14: this step is never reached: the llm:missing step before it always decides",
	}, got, "the unreadable file, the nested cascade and the negative tolerance are tasks.Load's to report")
}

// TestDocCascadeExample keeps the judge example of docs/suites.md (the suite schema, moved
// there from tasks/doc.go) a judge that Check accepts.
func TestDocCascadeExample(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile("../docs/suites.md")
	require.NoError(t, err)
	m := regexp.MustCompile("(?s)## Judging.*?\n```yaml\n(judge:.*?)\n```\n").FindSubmatch(src)
	require.NotNil(t, m, "docs/suites.md has a judge example under ## Judging")
	lines := strings.Split(string(m[1]), "\n")
	assert.Empty(t, checkSuite(t, strings.Join(lines, "\n")+"\n"))
}
