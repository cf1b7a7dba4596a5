package judges

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/tools/env"
	"github.com/realx-bench/realx/tasks"
)

func init() {
	env.Register(env.Kind{Name: "judges-test", New: func(json.RawMessage) (env.Environment, error) { return nil, nil },
		Grade: func(_ context.Context, s *tasks.Sample, output string, ep *runners.Episode) (env.Grade, error) {
			pass := len(ep.Calls) == 1 && output == s.ID
			return env.Grade{Pass: pass, Score: map[bool]float64{true: 1}[pass], Reason: "one call"}, nil
		}})
}

// TestEnvironmentJudge leaves the verdict to the episode's environment, and refuses a sample
// without an episode or an environment that grades nothing.
func TestEnvironmentJudge(t *testing.T) {
	t.Parallel()
	j, err := New(tasks.JudgeSpec{Kind: KindEnvironment})
	require.NoError(t, err)
	ej := j.(interface {
		JudgeEpisode(context.Context, *tasks.Sample, string, *runners.Episode) (Verdict, error)
	})
	s := &tasks.Sample{ID: "s"}
	v, err := ej.JudgeEpisode(context.Background(), s, "s", &runners.Episode{Environment: "judges-test", Calls: []runners.EpisodeCall{{Name: "f"}}})
	require.NoError(t, err)
	assert.Equal(t, Verdict{Pass: true, Score: 1, JudgeID: ID(tasks.JudgeSpec{Kind: KindEnvironment}), Step: "environment:judges-test", Reason: "one call", Confident: true}, v)
	v, err = ej.JudgeEpisode(context.Background(), s, "s", &runners.Episode{Environment: "judges-test"})
	require.NoError(t, err)
	assert.False(t, v.Pass)

	_, err = ej.JudgeEpisode(context.Background(), s, "s", nil)
	assert.ErrorContains(t, err, "sample s opened no environment")
	_, err = ej.JudgeEpisode(context.Background(), s, "s", &runners.Episode{Environment: "kv"})
	assert.ErrorContains(t, err, "environment kv does not grade its episodes")
	_, err = j.Judge(context.Background(), s, "s")
	assert.ErrorContains(t, err, "has no episode to grade")
}
