package judges

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/runnertest"
	"github.com/realx-bench/realx/tasks"
)

// The expectations of the tables below are what the sources return on the same inputs, found
// by running their own functions: DeepEyesV2's judge_result and can_infer
// (evaluation/VLMEvalKit), DeepEyes' judge_result.py (its reply parsing and its rule),
// simple-evals' grade_sample, MathVista's extract_answer and VLMEvalKit's post_check, and
// MMSearch-R1's em_check and subem_check.

func TestVerifyReplies(t *testing.T) {
	for _, tt := range []struct {
		reply string
		pass  bool
	}{
		{"<think>两者一致</think>\n<最终结果>\n\\boxed{Yes}\n<\\最终结果>", true},
		{"<最终结果>\\boxed{No}<\\最终结果>", false},
		{"模型回答与参考答案一致, yes. 结论: \\boxed{No}", false},
		{"The two answers agree: yes", true},
		{"\\boxed{YES}", true},
		{"## 输出示例\n<最终结果>\n\\boxed{Yes/No}\n<\\最终结果>", true}, // the prompt's own example echoed
		{"<最终结果> 否 <\\最终结果>", false},
		{"<最终结果>\\boxed{Yes}<\\最终结果> but earlier I said \\boxed{No}", true},
		{"\\boxed{No} ... on reflection \\boxed{Yes}", true},
		{"No", false},
	} {
		v, ok := parseVerify(tt.reply, nil)
		require.True(t, ok, tt.reply)
		assert.Equal(t, tt.pass, v.Pass, tt.reply)
		assert.True(t, v.Confident, tt.reply)
	}
	_, ok := parseVerify(" \n", nil)
	assert.False(t, ok, "an empty reply is asked again")
}

func TestVStarReplies(t *testing.T) {
	for _, tt := range []struct{ reply, judgement string }{
		{"Judgement: 1", "1"},
		{"Judgement: 0", "0"},
		{"1", "1"},
		{"0", "0"},
		{" 1\n", "1"},
		{"The answers differ. Judgement: 0", "0"},
		{"Judgement: 1 (consistent)", "1"},
		{"Judgement: 10", "1"},
		{"Judgement: yes", ""}, // DeepEyes: a format error, scored 0; here no verdict
		{"consistent", ""},
		{"Judgement: 0\nJudgement: 1", "1"},
		{"I'd say 1", ""},
	} {
		v, ok := parseVStar(tt.reply, nil)
		require.Equal(t, tt.judgement != "", ok, tt.reply)
		assert.Equal(t, tt.judgement == "1", v.Pass, tt.reply)
	}
}

func TestVStarRule(t *testing.T) {
	for _, tt := range []struct{ pred, gold, want string }{
		{"A", "The cup is red.", "pass"},
		{"B", "The cup is red.", "fail"},
		{"a", "The cup is red.", "fail"},
		{"A.", "The cup is red.", "pass"},
		{"(A", "The cup is red.", ""},
		{"B.", "The cup is red.", "fail"},
		{".A", "x", "pass"},
		{"\\boxed{A}", "The cup is red.", "pass"},
		{"\\boxed{B}", "The cup is red.", "fail"},
		{"The answer is \\boxed{A}. Done", "x", "pass"},
		{"A. The cup is red.", "The cup is red.", "pass"},
		{"I think A. The cup is red.", "The cup is red.", "pass"},
		{"A. The cup is blue.", "The cup is red.", ""},
		{"red", "The cup is red.", ""},
		{"A ", "x", ""},
		{"AB", "x", ""},
		{"", "x", ""},
		{"\\boxed{A. The cup is red.}", "The cup is red.", "pass"},
	} {
		// V* as DeepEyes lays it out: the gold is option A.
		s := &tasks.Sample{ID: "v", Question: "q", Answer: "A", Choices: []string{tt.gold, "other"}}
		v, err := gradeVStar(s, tt.pred)
		require.NoError(t, err)
		switch tt.want {
		case "":
			assert.False(t, v.Pass || v.Confident, "%q: for the LLM judge", tt.pred)
		default:
			assert.Equal(t, tt.want == "pass", v.Pass, tt.pred)
			assert.True(t, v.Confident, tt.pred)
		}
	}
	// Another gold letter: the rule reads it where DeepEyes reads A.
	s := &tasks.Sample{ID: "v", Answer: "dog", Choices: []string{"cat", "dog"}}
	for pred, pass := range map[string]bool{"B": true, "A": false, "B.": true, "It is B. dog": true} {
		v, err := gradeVStar(s, pred)
		require.NoError(t, err)
		assert.Equal(t, pass, v.Pass, pred)
	}
}

// TestVStarCascade runs DeepEyes' V* judging as a cascade: the rule, then the seven-shot LLM
// judge for what it leaves, with its system message and its unwrapped answer.
func TestVStarCascade(t *testing.T) {
	srv := runnertest.NewServer(t)
	srv.Script(runnertest.Reply{Content: "Judgement: 1"})
	spec := tasks.JudgeSpec{Steps: []tasks.JudgeSpec{{Kind: KindVStar}, llmSpec(srv, TemplateVStar)}}
	j := mustJudge(t, spec, Options{})
	s := &tasks.Sample{ID: "v1", Question: "What is the color of the cup?", Answer: "A", Choices: []string{"red", "blue"}}
	v, err := j.Judge(context.Background(), s, "<answer>\\boxed{A}</answer>")
	require.NoError(t, err)
	assert.True(t, v.Pass)
	assert.Equal(t, KindVStar, v.Step)
	assert.Empty(t, srv.Requests(), "the rule decided")

	v, err = j.Judge(context.Background(), s, "<answer>\\boxed{The cup is red}</answer>")
	require.NoError(t, err)
	assert.True(t, v.Pass)
	assert.Equal(t, "llm:vstar", v.Step)
	req := srv.Requests()[0]
	require.Len(t, req.Messages, 2)
	assert.Equal(t, "system", req.Messages[0].Role)
	assert.Equal(t, "You are a helpful assistant.", req.Messages[0].Text)
	assert.True(t, strings.HasSuffix(req.Last().Text,
		"[Question]: What is the color of the cup?\n[Standard Answer]: A. red\n[Model_answer] : The cup is red\nJudgement:"), req.Last().Text)
}

func TestSimpleQAOfficialReplies(t *testing.T) {
	for _, tt := range []struct{ reply, grade string }{
		{"A", "A"},
		{"B", "B"},
		{"C", "C"},
		{"CORRECT", "C"}, // the first of A, B or C, as simple-evals reads it
		{"INCORRECT", "C"},
		{"NOT_ATTEMPTED", "A"},
		{"The grade is B", "B"},
		{"a", "C"},
		{"grade: b", "C"},
		{"nothing here", "C"},
		{"\"A\"", "A"},
		{"B\n\nBecause Apple...", "B"},
	} {
		v, ok := parseFirstGrade(tt.reply, nil)
		require.True(t, ok, tt.reply)
		want := map[string]string{"A": gradeCorrect, "B": gradeIncorrect, "C": gradeNotAttempted}[tt.grade]
		assert.Equal(t, want, v.Reason, tt.reply)
		assert.Equal(t, tt.grade == "A", v.Pass, tt.reply)
	}
	_, ok := parseFirstGrade("", nil)
	assert.False(t, ok, "an empty reply is asked again")
}

// TestSimpleQAOfficialPrompt checks how the published grader is asked: after simple-evals'
// system message, with the question, the gold target and the answer unfenced.
func TestSimpleQAOfficialPrompt(t *testing.T) {
	srv := runnertest.NewServer(t)
	srv.Script(runnertest.Reply{Content: "A"})
	j := mustJudge(t, llmSpec(srv, TemplateSimpleQAOfficial), Options{})
	s := &tasks.Sample{ID: "s", Question: "Who wrote Hamlet?", Answer: "William Shakespeare"}
	v, err := j.Judge(context.Background(), s, "Shakespeare")
	require.NoError(t, err)
	assert.True(t, v.Pass)
	req := srv.Requests()[0]
	assert.Equal(t, "You are a helpful assistant.", req.Messages[0].Text)
	assert.Contains(t, req.Last().Text, "```\nQuestion: Who wrote Hamlet?\nGold target: William Shakespeare\nPredicted answer: Shakespeare\n```")
	assert.True(t, strings.HasPrefix(req.Last().Text, "Your job is to look at a question, a gold target, and a predicted answer"))
	assert.EqualValues(t, 2048, req.JSON["max_tokens"])
}

func TestCanInferAsVLMEvalKit(t *testing.T) {
	choices := []string{"cat", "dog", "fox", "cow"}
	for _, tt := range []struct{ answer, option string }{
		{"B", "B"},
		{"The answer is B.", "B"},
		{"(C) dog", "C"},
		{"I choose A.", "A"},
		{"A cat sits on the mat", "A"}, // by the option's text: "cat"
		{"Z", "Z"},
		{"Cannot determine the answer", "Z"},
		{"none of them", ""},
		{"dog", "B"},
		{"a dog and a cat", ""},
		{"B or C", ""},
		{"Failed to obtain answer via API.", ""},
		{"Answer: **D**", "D"},
		{"the cat", "A"},
	} {
		got, _ := canInfer(tt.answer, choices)
		assert.Equal(t, tt.option, got, tt.answer)
	}
}

// TestVLMEvalKitOptionMatcher follows VLMEvalKit's extract_answer_from_item: can_infer first
// (no request), the matcher's reply read by can_infer, three tries, then a seeded random
// option; an endpoint that keeps failing is a judge failure here (VLMEvalKit would draw).
func TestVLMEvalKitOptionMatcher(t *testing.T) {
	s := &tasks.Sample{ID: "m1", Question: "Which animal barks", Answer: "B", Choices: []string{"cat", "dog"}}
	srv := runnertest.NewServer(t)
	j := mustJudge(t, llmSpec(srv, TemplateVLMEvalKitOption), Options{})

	v, err := j.Judge(context.Background(), s, "It is B.")
	require.NoError(t, err)
	assert.True(t, v.Pass && v.Confident)
	v, err = j.Judge(context.Background(), s, "Cannot determine the answer")
	require.NoError(t, err)
	assert.Equal(t, "Z", v.Extracted)
	assert.False(t, v.Pass || v.Confident, "Z is for DeepEyesV2's verify.md step")
	assert.Empty(t, srv.Requests(), "can_infer settled both")

	srv.Script(runnertest.Reply{Content: "Your output: A"})
	v, err = j.Judge(context.Background(), s, "a small pet that meows")
	require.NoError(t, err)
	assert.Equal(t, "A", v.Extracted)
	assert.False(t, v.Pass)
	assert.True(t, v.Confident)
	prompt := srv.Requests()[0].Last().Text
	assert.True(t, strings.HasSuffix(prompt, "Example 3: \nQuestion: Which animal barks?\nOptions: There are several options: \nA. cat\nB. dog\n\nAnswer: a small pet that meows\nYour output: "), prompt)

	srv.Script(runnertest.Reply{Content: "hmm"}, runnertest.Reply{Content: "not sure"}, runnertest.Reply{Content: "?"})
	v, err = j.Judge(context.Background(), s, "something else")
	require.NoError(t, err)
	assert.Len(t, srv.Requests(), 4, "three tries")
	assert.Contains(t, v.Reason, "random option")
	assert.Equal(t, randomOption(s), v.Extracted, "seeded: the same draw every time")
	assert.Contains(t, []string{"A", "B", "Z"}, v.Extracted)

	cn := &tasks.Sample{ID: "m2", Question: "哪个动物会叫", Answer: "B", Choices: []string{"猫", "狗"}}
	srv.Script(runnertest.Reply{Content: "B"})
	_, err = j.Judge(context.Background(), cn, "汪汪")
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(srv.Requests()[4].Last().Text, "你是一个帮助我匹配答案与单选题中多个选项的 AI 助手。"), "build_prompt_cn for a Chinese question")

	failing := runnertest.NewServer(t)
	failing.Handle(func(*runnertest.Request) runnertest.Reply { return runnertest.Reply{Status: 500} })
	jf := mustJudge(t, llmSpec(failing, TemplateVLMEvalKitOption), Options{})
	_, err = jf.Judge(context.Background(), s, "something else")
	assert.Error(t, err, "a failing endpoint is a judge failure, not a random option")
}

// TestRandomOptionIsSeeded: the draw depends on the sample alone, and covers the letters and Z.
func TestRandomOptionIsSeeded(t *testing.T) {
	seen := map[string]bool{}
	for _, id := range []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12"} {
		s := &tasks.Sample{ID: id, Question: "q", Answer: "A", Choices: []string{"x", "y", "z"}}
		o := randomOption(s)
		assert.Equal(t, o, randomOption(s))
		seen[o] = true
	}
	assert.Len(t, seen, 4, "A, B, C and Z all drawn")
}

// TestVLMEvalKitMultipleChoiceCascade is VLMEvalKit's multiple-choice evaluation with
// DeepEyesV2's patch, declared as a cascade: can_infer, the option matcher, and verify.md for
// a Z. A refusal goes straight to verify.md; an answer can_infer cannot read goes to the
// matcher first.
func TestVLMEvalKitMultipleChoiceCascade(t *testing.T) {
	srv := runnertest.NewServer(t)
	spec := tasks.JudgeSpec{Steps: []tasks.JudgeSpec{
		{Kind: KindChoice}, llmSpec(srv, TemplateVLMEvalKitOption), llmSpec(srv, TemplateVerify),
	}}
	j := mustJudge(t, spec, Options{})
	s := &tasks.Sample{ID: "c1", Question: "Which animal barks", Answer: "B", Choices: []string{"cat", "dog"}}
	for _, tt := range []struct {
		output  string
		replies []string
		pass    bool
		step    string
		asked   int
	}{
		{"B", nil, true, "choice", 0},
		{"The answer is A.", nil, false, "choice", 0},
		{"Cannot determine the answer", []string{"<最终结果>\\boxed{No}<\\最终结果>"}, false, "llm:verify", 1},
		{"a barking pet", []string{"B"}, true, "llm:vlmevalkit-option", 1},
		{"woof", []string{"Z", "<最终结果>\n\\boxed{Yes}\n<\\最终结果>"}, true, "llm:verify", 2},
	} {
		before := len(srv.Requests())
		var replies []runnertest.Reply
		for _, r := range tt.replies {
			replies = append(replies, runnertest.Reply{Content: r})
		}
		srv.Script(replies...)
		v, err := j.Judge(context.Background(), s, tt.output)
		require.NoError(t, err, tt.output)
		assert.Equal(t, tt.pass, v.Pass, tt.output)
		assert.Equal(t, tt.step, v.Step, tt.output)
		assert.Len(t, srv.Requests()[before:], tt.asked, tt.output)
	}
	last := srv.Requests()[len(srv.Requests())-1].Last().Text
	assert.True(t, strings.HasPrefix(last, "# 角色\n你是一个判断专家"), "verify.md, verbatim")
	assert.True(t, strings.HasSuffix(last, "以下是输入内容：【用户问题】:Which animal barks\n【参考答案】：B\n【模型回答】：woof"), last)
}

func TestMathVistaShortcuts(t *testing.T) {
	for _, tt := range []struct {
		response, qt, at string
		choices          []string
		extraction       string
		settled          bool
	}{
		{"", "free_form", "integer", nil, "", true},
		{"12", "free_form", "integer", nil, "12", true},
		{" 12\n", "free_form", "integer", nil, "12", true},
		{"12.0", "free_form", "integer", nil, "", false},
		{"+7", "free_form", "integer", nil, "7", true},
		{"1_000", "free_form", "integer", nil, "1000", true},
		{"007", "free_form", "integer", nil, "7", true},
		{"1.5", "free_form", "float", nil, "1.5", true},
		{"2", "free_form", "float", nil, "2.0", true},
		{"1e3", "free_form", "float", nil, "1000.0", true},
		{".5", "free_form", "float", nil, "0.5", true},
		{"The answer is 2", "free_form", "float", nil, "", false},
		{"dog", "multi_choice", "text", []string{"cat", "dog"}, "dog", true},
		{"Dog", "multi_choice", "text", []string{"cat", "dog"}, "", false},
		{"B", "multi_choice", "text", []string{"cat", "dog"}, "", false},
		{"[1, 2]", "free_form", "list", nil, "", false},
	} {
		s := &tasks.Sample{Answer: "x", Choices: tt.choices, Metadata: map[string]any{"question_type": tt.qt, "answer_type": tt.at}}
		got, how := mathVistaShortcut(s, tt.response)
		assert.Equal(t, tt.settled, how != "", "%q", tt.response)
		assert.Equal(t, tt.extraction, got, "%q", tt.response)
	}
}

// TestMathVistaLLMExtraction: the official pipeline's LLM step is asked only where
// extract_answer's shortcuts do not settle the response, with MathVista's prompt, and its reply
// goes through the official normalisation.
func TestMathVistaLLMExtraction(t *testing.T) {
	srv := runnertest.NewServer(t)
	spec := tasks.JudgeSpec{Kind: KindMathVista, Extract: []string{"llm"}, Model: "gpt-4", BaseURL: srv.URL()}
	j := mustJudge(t, spec, Options{})
	s := &tasks.Sample{ID: "824", Question: "How much money does Luca need?", Answer: "1.45",
		Metadata: map[string]any{"question_type": "free_form", "answer_type": "float", "precision": 2, "unit": "$"}}
	v, err := j.Judge(context.Background(), s, "1.451")
	require.NoError(t, err)
	assert.True(t, v.Pass, "float(response), rounded to 2 places: %+v", v)
	assert.Empty(t, srv.Requests())

	srv.Script(runnertest.Reply{Content: "  1.45\n"})
	v, err = j.Judge(context.Background(), s, "Luca needs $1.45.")
	require.NoError(t, err)
	assert.True(t, v.Pass)
	assert.Equal(t, "1.45", v.Extracted)
	assert.Contains(t, v.Reason, "extracted by the LLM")
	prompt := srv.Requests()[0].Last().Text
	assert.True(t, strings.HasSuffix(prompt, "\n\nHint: Please answer the question requiring a floating-point number with two decimal places and provide the final value, e.g., 1.23, 1.34, 1.45, at the end.\nQuestion: How much money does Luca need? (Unit: $)\n\nLuca needs $1.45.\n\nExtracted answer: "), prompt)
	assert.Equal(t, 6, strings.Count(prompt, "Extracted answer: "), "five in-context examples and the test item")

	srv.Script(runnertest.Reply{Content: ""}, runnertest.Reply{Content: "B"})
	mc := &tasks.Sample{ID: "3", Question: "Pick", Answer: "dog", Choices: []string{"cat", "dog"},
		Metadata: map[string]any{"question_type": "multi_choice", "answer_type": "text"}}
	v, err = j.Judge(context.Background(), mc, "I pick the second one")
	require.NoError(t, err)
	assert.True(t, v.Pass, "an empty reply is asked again, B names dog")
	assert.Contains(t, srv.Requests()[1].Last().Text, "Question: Pick\nChoices:\n(A) cat\n(B) dog\n\nI pick the second one\n\nExtracted answer: ")
}

func TestMathVistaVLMEvalKit(t *testing.T) {
	for _, tt := range []struct {
		qt, at, answer, prediction string
		choices                    []string
		prefetch, pass             bool
	}{
		{"free_form", "integer", "3", "3", nil, true, true},
		{"free_form", "integer", "3", " 3 ", nil, true, true},
		{"free_form", "integer", "3", "3.0", nil, false, false},
		{"free_form", "integer", "0", "0", nil, false, true}, // 0 is false to Python: the LLM is asked
		{"free_form", "integer", "3", "4", nil, false, false},
		{"free_form", "integer", "3", "The answer is 3", nil, false, false},
		{"free_form", "integer", "1000", "1_000", nil, true, true},
		{"free_form", "float", "1.5", "1.5", nil, true, true},
		{"free_form", "float", "1.5", "1.50", nil, true, true},
		{"free_form", "float", "1.2", "1.23", nil, false, false},
		{"free_form", "float", "0.0", "0", nil, false, true},
		{"free_form", "list", "[1, 2]", "[1, 2]", nil, false, false}, // post_check never passes a list
		{"multi_choice", "text", "dog", "B", []string{"cat", "dog"}, true, true},
		{"multi_choice", "text", "dog", "A", []string{"cat", "dog"}, true, false},
		{"multi_choice", "text", "dog", "It is a dog", []string{"cat", "dog"}, true, true},
		{"multi_choice", "text", "dog", "no idea", []string{"cat", "dog"}, false, false},
		{"multi_choice", "text", "dog", "Cannot determine the answer", []string{"cat", "dog"}, true, false},
	} {
		s := &tasks.Sample{ID: "x", Question: "q", Answer: tt.answer, Choices: tt.choices,
			Metadata: map[string]any{"question_type": tt.qt, "answer_type": tt.at}}
		rules := mustJudge(t, tasks.JudgeSpec{Kind: KindMathVistaVLMEvalKit}, Options{})
		v, err := rules.Judge(context.Background(), s, tt.prediction)
		require.NoError(t, err)
		if tt.prefetch {
			assert.True(t, v.Confident, "%q: settled by the prefetch", tt.prediction)
			assert.Equal(t, tt.pass, v.Pass, "%q", tt.prediction)
		} else {
			assert.False(t, v.Pass || v.Confident, "%q: left for the LLM", tt.prediction)
		}
		// With the LLM step, an endpoint that echoes the prediction: post_check on it.
		srv := runnertest.NewServer(t)
		srv.Handle(func(r *runnertest.Request) runnertest.Reply { return runnertest.Reply{Content: tt.prediction} })
		withLLM := mustJudge(t, tasks.JudgeSpec{Kind: KindMathVistaVLMEvalKit, Extract: []string{"llm"}, Model: "m", BaseURL: srv.URL()}, Options{})
		v, err = withLLM.Judge(context.Background(), s, tt.prediction)
		require.NoError(t, err)
		assert.Equal(t, tt.pass, v.Pass, "%q: post_check", tt.prediction)
		assert.Equal(t, !tt.prefetch, len(srv.Requests()) == 1, "%q", tt.prediction)
	}
}

// TestVLMEvalKitExtractionTemperatures: VLMEvalKit's five tries at rising temperature.
func TestVLMEvalKitExtractionTemperatures(t *testing.T) {
	srv := runnertest.NewServer(t)
	srv.Script(runnertest.Reply{Status: 500}, runnertest.Reply{Status: 500}, runnertest.Reply{Content: "7"})
	// A client that does not retry, so that each failed call is one try of the judge's loop.
	noRetry := func(ep runners.Endpoint, _ runners.RetryPolicy) runners.Model { return runners.NewOpenAI(ep) }
	j := mustJudge(t, tasks.JudgeSpec{Kind: KindMathVistaVLMEvalKit, Extract: []string{"llm"}, Model: "m", BaseURL: srv.URL()},
		Options{Connect: noRetry, Backoff: -1})
	s := &tasks.Sample{ID: "t", Question: "How many?", Answer: "7", Metadata: map[string]any{"question_type": "free_form", "answer_type": "integer"}}
	v, err := j.Judge(context.Background(), s, "There are seven.")
	require.NoError(t, err)
	assert.True(t, v.Pass)
	var temps []float64
	for _, r := range srv.Requests() {
		temps = append(temps, r.JSON["temperature"].(float64))
	}
	assert.Equal(t, []float64{0, 0.5, 1}, temps)
	prompt := srv.Requests()[0].Last().Text
	assert.True(t, strings.HasSuffix(prompt, "\nHow many?\nModel respone: There are seven.Extracted answer:"), prompt)
}

func TestEMAndSubEMAsMMSearchR1(t *testing.T) {
	for _, tt := range []struct {
		prediction string
		golds      []string
		em, subem  bool
	}{
		{"Paris", []string{"Paris"}, true, true},
		{"paris.", []string{"Paris"}, true, true},
		{"The Eiffel Tower", []string{"Eiffel Tower"}, true, true},
		{"Eiffel tower, Paris", []string{"Eiffel Tower"}, false, true},
		{"NYC", []string{"New York City", "NYC"}, true, true},
		{"New York", []string{"New York City", "NYC"}, false, false},
		{"It is in New York City!", []string{"New York City", "NYC"}, false, true},
		{"Le Théâtre", []string{"théâtre"}, false, true},
		{"anything", []string{"The"}, false, true},
		{"", []string{"An"}, true, true},
		{"1,000", []string{"1000"}, true, true},
		{"Barack  Obama", []string{"barack obama"}, true, true},
	} {
		s := &tasks.Sample{ID: "e", Answer: tt.golds[0], Alternatives: tt.golds[1:]}
		v, err := gradeEM(s, tt.prediction)
		require.NoError(t, err)
		assert.Equal(t, tt.em, v.Pass, "em %q", tt.prediction)
		v, err = gradeSubEM(s, tt.prediction)
		require.NoError(t, err)
		assert.Equal(t, tt.subem, v.Pass, "subem %q", tt.prediction)
	}
}

// TestLLMExtractionSpecs checks the suite syntax of the LLM extraction step.
func TestLLMExtractionSpecs(t *testing.T) {
	for _, tt := range []struct {
		spec tasks.JudgeSpec
		want string
	}{
		{tasks.JudgeSpec{Kind: KindMath, Extract: []string{"llm"}}, "judge.extract.0: the llm extractor is read only by the mathvista and mathvista-vlmevalkit kinds, not by math"},
		{tasks.JudgeSpec{Kind: KindMathVista, Extract: []string{"llm", "boxed"}, Model: "m", BaseURL: "u"}, "judge.extract.0: llm must end the extract list"},
		{tasks.JudgeSpec{Kind: KindMathVista, Model: "m"}, "judge.model: model is read by the mathvista judge only with its LLM extraction step: end extract with llm"},
		{tasks.JudgeSpec{Kind: KindMathVista, Extract: []string{"llm"}, Model: "m", BaseURL: "u", Template: "verify"}, "judge.template: template is not read by the mathvista judge (only by llm)"},
		{tasks.JudgeSpec{Kind: KindMathVista, Extract: []string{"llm"}}, "judge: the llm judge needs a model"},
		{tasks.JudgeSpec{Kind: KindLLM, Template: "mathvista-extract", Model: "m", BaseURL: "u"}, `judge.template: unknown template "mathvista-extract"`},
	} {
		_, err := New(tt.spec)
		require.Error(t, err, "%+v", tt.spec)
		assert.True(t, strings.HasPrefix(err.Error(), tt.want), "%+v:\n got %s\nwant %s", tt.spec, err, tt.want)
	}
	spec := tasks.JudgeSpec{Kind: KindMathVista, Extract: []string{"strip_think", "llm"}, Model: "m", BaseURL: "u", APIKeyEnv: "K"}
	assert.True(t, UsesLLM(spec))
	assert.False(t, UsesLLM(tasks.JudgeSpec{Kind: KindMathVista}))
	assert.True(t, UsesLLM(tasks.JudgeSpec{Steps: []tasks.JudgeSpec{{Kind: KindChoice}, spec}}))
	r := Resolve(spec, Override{Model: "gpt-4o", BaseURL: "https://x/v1"})
	assert.Equal(t, "gpt-4o", r.Model)
	assert.Equal(t, "https://x/v1", r.BaseURL)
	other := spec
	other.APIKeyEnv = "OTHER"
	assert.Equal(t, ID(spec), ID(other), "the key's variable decides nothing")
	other.Model = "n"
	assert.NotEqual(t, ID(spec), ID(other), "the extraction model does")
}

// TestWebWatcherReplies reads replies to WebWatcher's judge: the JSON object's "correct" (in a
// fence, or with text around it), else a "correct:" line; no verdict otherwise.
func TestWebWatcherReplies(t *testing.T) {
	for _, tt := range []struct {
		reply    string
		ok, pass bool
	}{
		{`{"extracted_final_answer": "1984", "reasoning": "same", "correct": "yes", "confidence": 90, "strict": true}`, true, true},
		{"```json\n{\"extracted_final_answer\": \"None\", \"reasoning\": \"no answer\", \"correct\": \"no\", \"confidence\": 100, \"strict\": true}\n```", true, false},
		{`Here it is: {"correct": "True", "reasoning": "the {braces} are text"} done`, true, true},
		{`{"correct": "maybe"}`, true, false},
		{"extracted_final_answer: Paris\nreasoning: matches\ncorrect: yes\nconfidence: 80", true, true},
		{"**correct**: no", true, false},
		{"reasoning: it says correct: yes but\ncorrect: no", true, false},
		{`{"reasoning": "no verdict field"}`, false, false},
		{"I cannot tell.", false, false},
		{"", false, false},
	} {
		v, ok := parseWebWatcher(tt.reply, nil)
		assert.Equal(t, tt.ok, ok, tt.reply)
		assert.Equal(t, tt.pass, v.Pass, tt.reply)
		if ok {
			assert.True(t, v.Confident, tt.reply)
		}
	}
}
