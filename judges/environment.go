package judges

import (
	"context"
	"fmt"

	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/tools/env"
	"github.com/realx-bench/realx/tasks"
)

// KindEnvironment is the judge that leaves the grading to the sample's environment: the
// environment kind's Grade (env.Kind), given what the sample did to it (runners.Episode) —
// τ2's database and communicate_info checks, say.
const KindEnvironment = "environment"

// environmentJudge is the judge of kind environment. It is an episode judge
// (realx.EpisodeJudge): a run hands it each sample's Episode.
type environmentJudge struct{ id string }

func (j *environmentJudge) ID() string { return j.id }

// Judge refuses: the environment judge grades episodes, and an output alone is none.
func (j *environmentJudge) Judge(_ context.Context, s *tasks.Sample, _ string) (Verdict, error) {
	return Verdict{}, fmt.Errorf("sample %s: the environment judge grades what a sample did to its environment, and has no episode to grade (give the suite an agent.environment)", s.ID)
}

// JudgeEpisode asks the episode's environment kind to grade it.
func (j *environmentJudge) JudgeEpisode(ctx context.Context, s *tasks.Sample, output string, ep *runners.Episode) (Verdict, error) {
	if ep == nil {
		return Verdict{}, fmt.Errorf("sample %s opened no environment: the environment judge has nothing to grade", s.ID)
	}
	k, ok := env.Lookup(ep.Environment)
	switch {
	case !ok:
		return Verdict{}, fmt.Errorf("sample %s: unknown environment %q", s.ID, ep.Environment)
	case k.Grade == nil:
		return Verdict{}, fmt.Errorf("sample %s: environment %s does not grade its episodes: the judge kind environment needs one that does", s.ID, ep.Environment)
	}
	g, err := k.Grade(ctx, s, output, ep)
	if err != nil {
		return Verdict{JudgeID: j.id, Step: KindEnvironment}, err
	}
	return Verdict{Pass: g.Pass, Score: g.Score, JudgeID: j.id, Step: KindEnvironment + ":" + ep.Environment, Reason: g.Reason, Confident: true}, nil
}
