package judges

import (
	"context"

	"github.com/realx-bench/realx/tasks"
)

// Judge grades a model's output for a sample. Implementations must be safe for concurrent use.
type Judge interface {
	// Judge returns the verdict on output, the text of the model's final turn. An error means the
	// judge itself failed (an LLM judge's endpoint, say): it is recorded as a judge failure,
	// never as a wrong answer.
	Judge(ctx context.Context, s *tasks.Sample, output string) (Verdict, error)
	// ID returns the judge's identity, the JudgeID of its verdicts (see ID): two judges with
	// the same ID grade alike.
	ID() string
}

// Verdict is a judge's decision on one answer. A results record (reports.Result) embeds it,
// so its JSON names are those of the records: "extracted", "pass", "score", "judge_id",
// "judge_step", "reason" and "confident".
type Verdict struct {
	// Extracted is the answer the judge read out of the output, after normalisation.
	Extracted string `json:"extracted"`
	Pass      bool   `json:"pass"`
	// Score is in [0, 1]: 1 or 0 for pass/fail judges, a graded score for f1, anls, bleu.
	Score float64 `json:"score"`
	// JudgeID identifies the judge and its parameters (see ID); for a cascade, the whole
	// cascade's.
	JudgeID string `json:"judge_id,omitempty"`
	// Step names the judge or cascade step that decided: the kind of a rule judge ("math"),
	// "llm:TEMPLATE" for an LLM judge, or the name a cascade gives its step.
	Step string `json:"judge_step,omitempty"`
	// Reason says briefly why, where a judge has more to say than pass or fail;
	// ReasonRefusal for an answer the model refused to give, and ReasonInvalidVerdict in the
	// record of a sample whose LLM judge gave no valid verdict.
	Reason string `json:"reason,omitempty"`
	// Confident is true when the verdict can stand without a second opinion: every pass, and
	// a fail whose "no" the rule can vouch for (a cleanly parsed wrong number, a clearly
	// chosen wrong option). A fail that only means "the strings differ" (an answer the rule
	// could not parse, a text mismatch) is not confident; the rule-first cascade asks an LLM
	// judge about exactly those. It is kept in results so that reports can say how many
	// verdicts the rules settled.
	Confident bool `json:"confident,omitempty"`
}

// The reasons of verdicts that no judge gave.
const (
	// ReasonRefusal is the reason of the verdict on a sample the model refused to answer (an
	// OpenAI refusal): a fail, given without asking the judge. A refusal is the model's
	// failure, never the infrastructure's.
	ReasonRefusal = "refusal"
	// ReasonInvalidVerdict is the reason kept in the record of a sample whose LLM judge
	// answered without a valid verdict, after every retry (ErrNoVerdict): a judge failure,
	// so the sample is left out of the scores, not scored 0.
	ReasonInvalidVerdict = "invalid_verdict"
)
