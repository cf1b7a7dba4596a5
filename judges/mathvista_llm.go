package judges

import (
	"context"
	"fmt"
	"math/big"
	"slices"
	"strings"

	"github.com/realx-bench/realx/runners/pycall"
	"github.com/realx-bench/realx/tasks"
)

// This file holds the mathvista kinds that read the answer with an LLM (extract: [… llm]):
// MathVista's official pipeline (lupantech/MathVista, evaluation/extract_answer.py, then
// calculate_score.py) and VLMEvalKit's (vlmeval/dataset/utils/mathvista.py, as DeepEyesV2
// ships it). The LLM step is an llmJudge on the kind's verbatim extraction prompt, so that it
// is asked, retried, cached and recorded as every LLM verdict is.

// llmStep splits an extractor list at "llm": the extractors before it, and whether it is
// there (Check makes it the last).
func llmStep(names []string) ([]string, bool) {
	if i := slices.Index(names, "llm"); i >= 0 {
		return names[:i], true
	}
	return names, false
}

// UsesLLM reports whether the judge spec declares asks an LLM: an llm judge, a kind whose
// extractors end in llm, an environment judge that names a model or endpoint for its
// environment to ask, or a cascade with such a step. Its model, base_url and api_key_env
// are then read, and the --judge-* flags apply to it (Resolve).
func UsesLLM(spec tasks.JudgeSpec) bool {
	if spec.IsCascade() {
		return slices.ContainsFunc(spec.Steps, UsesLLM)
	}
	_, llm := llmStep(spec.Extract)
	return spec.Kind == KindLLM || llm || spec.Kind == KindEnvironment && (spec.Model != "" || spec.BaseURL != "")
}

// extractorSpec returns the spec of the LLM extraction step of a kind's spec: an llm judge on
// the kind's extraction prompt, with the spec's model, endpoint and generation settings.
func extractorSpec(spec tasks.JudgeSpec, prompt string) tasks.JudgeSpec {
	return tasks.JudgeSpec{
		Kind: KindLLM, Template: prompt, Model: spec.Model, BaseURL: spec.BaseURL,
		APIKeyEnv: spec.APIKeyEnv, MaxTokens: spec.MaxTokens, Retries: spec.Retries,
	}
}

// newExtractor builds the LLM extraction step of spec, on the prompt named.
func newExtractor(spec tasks.JudgeSpec, prompt string, opt Options) (*llmJudge, error) {
	j, err := newLLM(extractorSpec(spec, prompt), opt)
	if err != nil {
		return nil, err
	}
	j.raw = true
	return j, nil
}

// textBefore returns what the extractors before llm leave of output: output itself, as the
// official pipelines take the response, when there are none.
func textBefore(output string, names []string) string {
	if len(names) == 0 {
		return output
	}
	return Extract(output, names)
}

// mathVistaLLM is the mathvista kind with MathVista's LLM extraction: extract_answer (its
// shortcuts, else the extraction prompt), then the official normalisation.
type mathVistaLLM struct {
	id, step string
	before   []string
	llm      *llmJudge
}

// ID implements Judge.
func (j *mathVistaLLM) ID() string { return j.id }

// Judge implements Judge. An extraction that fails (the LLM endpoint, or replies that stay
// empty) is a judge failure.
func (j *mathVistaLLM) Judge(ctx context.Context, s *tasks.Sample, output string) (Verdict, error) {
	if err := checkSample(s); err != nil {
		return Verdict{}, err
	}
	response := textBefore(output, j.before)
	extraction, how := mathVistaShortcut(s, response)
	if how == "" {
		v, err := j.llm.Judge(ctx, s, response)
		if err != nil {
			return Verdict{}, err
		}
		extraction, how = v.Extracted, "extracted by the LLM"
	}
	v, err := gradeMathVista(s, extraction)
	if err != nil {
		return Verdict{}, fmt.Errorf("sample %s: %w", s.ID, err)
	}
	v.Reason = how + "; " + v.Reason
	v.JudgeID, v.Step = j.id, j.step
	return v, nil
}

// mathVistaShortcut is what extract_answer returns without asking: "" for an empty response,
// a response that is one of the choices as it is, int(response) for an integer answer and
// float(response) for a float one when Python reads the response so, written as str() writes
// them. how says which, or is "" when the LLM must be asked.
func mathVistaShortcut(s *tasks.Sample, response string) (extraction, how string) {
	at := metaString(s.Metadata, "answer_type")
	switch {
	case response == "":
		return "", "empty response"
	case mathVistaQuestionType(s) == "multi_choice" && slices.Contains(s.Choices, response):
		return response, "the response is a choice"
	case at == "integer":
		if n, ok := pyIntString(response); ok {
			return n, "the response is an integer"
		}
	}
	if at == "float" {
		if f, err := pyFloat(response); err == nil {
			return pycall.ReprFloat(f), "the response is a float"
		}
	}
	return "", ""
}

// pyIntString returns str(int(s)) as Python computes it for a base-10 literal of any size.
func pyIntString(s string) (string, bool) {
	s = pyStrip(s)
	sign := ""
	if s != "" && (s[0] == '+' || s[0] == '-') {
		sign, s = s[:1], s[1:]
	}
	digits, ok := dropDigitUnderscores(s)
	if !ok || digits == "" || strings.Trim(digits, "0123456789") != "" {
		return "", false
	}
	n, ok := new(big.Int).SetString(sign+digits, 10)
	if !ok {
		return "", false
	}
	return n.String(), true
}

// mathVistaQuestionType is a sample's question_type: multi_choice when it has choices and
// names none.
func mathVistaQuestionType(s *tasks.Sample) string {
	if qt := metaString(s.Metadata, "question_type"); qt != "" {
		return qt
	}
	if len(s.Choices) > 0 {
		return "multi_choice"
	}
	return "free_form"
}

// mathVistaVLMEvalKit is the mathvista-vlmevalkit kind: VLMEvalKit's MathVista evaluation.
// Its prefetch (post_check on the answer) settles what it can: can_infer on the choices for a
// multiple-choice question, int() or float() compared exactly otherwise. Else, with extract:
// [… llm], the extraction prompt is tried five times, at temperature 0, 0.5, 1, 1.5 and 2,
// and post_check grades the reply; without it, the verdict is a fail that is not confident.
type mathVistaVLMEvalKit struct {
	id, step string
	before   []string
	llm      *llmJudge // nil without extract: [… llm]
}

// ID implements Judge.
func (j *mathVistaVLMEvalKit) ID() string { return j.id }

// Judge implements Judge.
func (j *mathVistaVLMEvalKit) Judge(ctx context.Context, s *tasks.Sample, output string) (Verdict, error) {
	if err := checkSample(s); err != nil {
		return Verdict{}, err
	}
	stamp := func(v Verdict) (Verdict, error) {
		v.JudgeID, v.Step = j.id, j.step
		return v, nil
	}
	prediction := textBefore(output, j.before)
	if res, settled, err := vlmevalkitPrefetch(s, prediction); err != nil {
		return Verdict{}, fmt.Errorf("sample %s: %w", s.ID, err)
	} else if settled {
		res, pass, _ := vlmevalkitPostCheck(s, res)
		return stamp(verdict(pass, true, res, "prefetch"))
	}
	if j.llm == nil {
		return stamp(verdict(false, false, "", "prefetch failed; no LLM extraction declared"))
	}
	v, err := j.llm.Judge(ctx, s, prediction)
	if err != nil {
		return Verdict{}, err
	}
	res, pass, err := vlmevalkitPostCheck(s, v.Extracted)
	if err != nil {
		return Verdict{}, fmt.Errorf("sample %s: %w", s.ID, err)
	}
	return stamp(verdict(pass, true, res, "extracted by the LLM"))
}

// vlmevalkitPrefetch is post_check(prefetch=True) as MathVista_auxeval reads it: whether the
// prediction settles the question without the LLM, and what was read. An option read by
// can_infer settles a multiple-choice question, right or wrong ("Z" too); a number settles
// the others only when it equals the gold and is not 0 (which Python reads as false).
func vlmevalkitPrefetch(s *tasks.Sample, prediction string) (res string, settled bool, err error) {
	if mathVistaQuestionType(s) == "multi_choice" {
		if len(s.Choices) == 0 {
			return "", false, fmt.Errorf("multi_choice question without choices")
		}
		if _, err := goldLetters(s); err != nil {
			return "", false, err
		}
		letter, _ := canInfer(prediction, s.Choices)
		return letter, letter != "", nil
	}
	res, pass, err := vlmevalkitPostCheck(s, prediction)
	zero := res == "0" || res == "0.0" || res == "-0.0"
	return res, pass && !zero, err
}

// vlmevalkitPostCheck is VLMEvalKit's post_check on a response: for a multiple-choice
// question, can_infer's option against the gold option; for an integer (a float) answer,
// int() (float()) of the response against int() (float()) of the gold, exactly; any other
// answer never passes (post_check compares str(None) with the gold there). res is what was
// read.
func vlmevalkitPostCheck(s *tasks.Sample, response string) (res string, pass bool, err error) {
	if mathVistaQuestionType(s) == "multi_choice" {
		if len(s.Choices) == 0 {
			return "", false, fmt.Errorf("multi_choice question without choices")
		}
		gold, err := goldLetters(s)
		if err != nil {
			return "", false, err
		}
		letter, _ := canInfer(response, s.Choices)
		return letter, letter != "" && slices.Contains(gold, letter), nil
	}
	switch metaString(s.Metadata, "answer_type") {
	case "integer":
		r, ok := pyIntString(response)
		g, okG := pyIntString(s.Answer)
		return r, ok && okG && r == g, nil
	case "float":
		r, err := pyFloat(response)
		if err != nil {
			return "", false, nil
		}
		g, errG := pyFloat(s.Answer)
		return pycall.ReprFloat(r), errG == nil && r == g, nil
	}
	return "None", false, nil
}
