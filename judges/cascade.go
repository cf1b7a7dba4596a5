package judges

import (
	"context"
	"fmt"

	"github.com/realx-bench/realx/tasks"
)

// cascade asks its steps in order and takes the first confident verdict; when none is, the
// last step's verdict stands. So a rule-first cascade asks an LLM judge only about what the
// rules could not settle: a cleanly parsed wrong number is confidently wrong and ends the
// cascade, a string mismatch goes on. A step's error ends the cascade: it is the judge's
// failure, never a wrong answer, and a later step does not cover it up.
//
// Under llm_recall (recall) a step is asked whenever no step before it passed the answer,
// confident or not, and the highest verdict is kept (see recallJudge).
type cascade struct {
	id     string
	steps  []Judge
	names  []string
	recall bool
}

// strategies are the strategies of a cascade.
var strategies = []string{tasks.StrategyConfident, tasks.StrategyLLMRecall}

// ID implements Judge.
func (c *cascade) ID() string { return c.id }

// Judge implements Judge. The verdict carries the cascade's ID and the deciding step's name.
func (c *cascade) Judge(ctx context.Context, s *tasks.Sample, output string) (Verdict, error) {
	if c.recall {
		return c.recallJudge(ctx, s, output)
	}
	for i, step := range c.steps {
		v, err := step.Judge(ctx, s, output)
		if err != nil {
			return Verdict{JudgeID: c.id, Step: c.names[i]}, fmt.Errorf("%s: %w", c.names[i], err)
		}
		if v.Confident || i == len(c.steps)-1 {
			v.JudgeID, v.Step = c.id, c.names[i]
			return v, nil
		}
	}
	return Verdict{}, fmt.Errorf("judges: a cascade with no steps") // New never builds one
}

// recallJudge is EvalScope's llm_recall: the first step (a rule) grades the answer; while no
// verdict has passed it, the next step (an LLM judge) is asked too, and the higher verdict is
// kept (a pass over a fail, then the higher score; on a tie the later step's, which had the
// last word). So an LLM can recall what a rule failed, never fail what it passed. A step's
// error is the judge's failure, as in any cascade: the sample is left out of the scores, not
// scored 0 nor left to the rule's fail.
func (c *cascade) recallJudge(ctx context.Context, s *tasks.Sample, output string) (Verdict, error) {
	var best Verdict
	for i, step := range c.steps {
		v, err := step.Judge(ctx, s, output)
		if err != nil {
			return Verdict{JudgeID: c.id, Step: c.names[i]}, fmt.Errorf("%s: %w", c.names[i], err)
		}
		v.JudgeID, v.Step = c.id, c.names[i]
		if i == 0 || v.Pass && !best.Pass || v.Pass == best.Pass && v.Score >= best.Score {
			best = v
		}
		if best.Pass {
			break
		}
	}
	return best, nil
}
