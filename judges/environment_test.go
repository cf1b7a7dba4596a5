package judges

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/runnertest"
	"github.com/realx-bench/realx/runners/tools/env"
	"github.com/realx-bench/realx/tasks"
)

func init() {
	env.Register(env.Kind{Name: "judges-test", New: func(json.RawMessage) (env.Environment, error) { return nil, nil },
		Grade: func(_ context.Context, s *tasks.Sample, output string, ep *runners.Episode) (env.Grade, error) {
			pass := len(ep.Calls) == 1 && output == s.ID
			return env.Grade{Pass: pass, Score: map[bool]float64{true: 1}[pass], Reason: "one call"}, nil
		}})
	// judges-ask asks the judge's LLM whether the output is right, reading "yes" or "no".
	env.Register(env.Kind{Name: "judges-ask", New: func(json.RawMessage) (env.Environment, error) { return nil, nil },
		Grade: func(ctx context.Context, s *tasks.Sample, output string, ep *runners.Episode) (env.Grade, error) {
			ask := env.AskerFrom(ctx)
			if ask == nil {
				return env.Grade{}, errors.New("no asker")
			}
			return ask.Ask(ctx, []runners.Message{runners.TextMessage(runners.RoleUser, "is "+output+" right?")}, func(reply string) (env.Grade, bool) {
				switch reply {
				case "yes":
					return env.Grade{Pass: true, Score: 1, Reason: "said yes"}, true
				case "no":
					return env.Grade{Reason: "said no"}, true
				}
				return env.Grade{}, false
			})
		}})
}

// TestEnvironmentJudgeAsks gives the environment the judge's LLM, named by the spec's model and
// base_url (env.Asker): its verdicts are read by the environment's rule, a reply with none is
// asked again, and a verdict is cached by the messages. Without an endpoint the judge still
// builds, and each ask fails naming the flags; a spec with no model gives no asker.
func TestEnvironmentJudgeAsks(t *testing.T) {
	t.Parallel()
	srv := runnertest.NewServer(t)
	srv.Handle(func(r *runnertest.Request) runnertest.Reply {
		return runnertest.Reply{Content: map[bool]string{true: "yes", false: "no"}[strings.Contains(r.Last().Text, "is 42 right?")]}
	})
	srv.Script(runnertest.Reply{Content: "hmm"})
	cache, err := OpenCache(t.TempDir())
	require.NoError(t, err)
	t.Cleanup(func() { cache.Close() })
	spec := tasks.JudgeSpec{Kind: KindEnvironment, Model: "judge-model", BaseURL: srv.URL()}
	assert.True(t, UsesLLM(spec))
	j := mustJudge(t, spec, Options{Cache: cache}).(*environmentJudge)
	s := &tasks.Sample{ID: "s"}
	ep := &runners.Episode{Environment: "judges-ask"}
	v, err := j.JudgeEpisode(context.Background(), s, "42", ep)
	require.NoError(t, err)
	assert.True(t, v.Pass, v.Reason)
	assert.Len(t, srv.Requests(), 2, "the reply with no verdict is asked again")
	assert.Equal(t, 0.0, srv.Requests()[1].JSON["temperature"])
	v, err = j.JudgeEpisode(context.Background(), s, "42", ep)
	require.NoError(t, err)
	assert.True(t, v.Pass)
	assert.Len(t, srv.Requests(), 2, "cached")
	v, err = j.JudgeEpisode(context.Background(), s, "41", ep)
	require.NoError(t, err)
	assert.False(t, v.Pass)
	assert.Equal(t, "said no", v.Reason)

	noURL := mustJudge(t, tasks.JudgeSpec{Kind: KindEnvironment, Model: "judge-model"}, Options{})
	_, err = noURL.(*environmentJudge).JudgeEpisode(context.Background(), s, "42", ep)
	assert.ErrorContains(t, err, "needs an endpoint")
	assert.ErrorContains(t, err, "--judge-base-url")
	noKey := mustJudge(t, tasks.JudgeSpec{Kind: KindEnvironment, Model: "m", BaseURL: srv.URL(), APIKeyEnv: "NO_SUCH_KEY"},
		Options{Getenv: func(string) string { return "" }})
	_, err = noKey.(*environmentJudge).JudgeEpisode(context.Background(), s, "42", ep)
	assert.ErrorContains(t, err, "NO_SUCH_KEY is empty")
	plain := mustJudge(t, tasks.JudgeSpec{Kind: KindEnvironment}, Options{})
	_, err = plain.(*environmentJudge).JudgeEpisode(context.Background(), s, "42", ep)
	assert.ErrorContains(t, err, "no asker")
	assert.False(t, UsesLLM(tasks.JudgeSpec{Kind: KindEnvironment}))
	assert.Len(t, srv.Requests(), 3)

	bad := &tasks.Suite{Judge: tasks.JudgeSpec{Kind: KindEnvironment, Model: "m", Template: TemplateEquivalence}}
	errs := Check(bad)
	require.Len(t, errs, 1)
	assert.Contains(t, errs[0].Error(), "template is not read by the environment judge")
	assert.Empty(t, Check(&tasks.Suite{Judge: spec}))
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
