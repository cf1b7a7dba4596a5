package realx_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx"
	"github.com/realx-bench/realx/judges"
	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/runnertest"
	"github.com/realx-bench/realx/runners/tools/env"
	"github.com/realx-bench/realx/tasks"
)

// stateJudge grades a sample by the state its environment was left in, against the gold state
// in the sample's metadata, as τ2 grades by the database's hash: the Episode's final state,
// or, when it has none (a rejudge), the state its recorded calls make on a fresh environment.
type stateJudge struct{ episodes chan *runners.Episode }

func (stateJudge) ID() string { return "state" }

func (stateJudge) Judge(context.Context, *tasks.Sample, string) (judges.Verdict, error) {
	return judges.Verdict{}, fmt.Errorf("the state judge grades episodes")
}

func (j stateJudge) JudgeEpisode(ctx context.Context, s *tasks.Sample, _ string, ep *runners.Episode) (judges.Verdict, error) {
	if ep == nil {
		return judges.Verdict{}, fmt.Errorf("sample %s opened no environment", s.ID)
	}
	j.episodes <- ep
	final := ep.Final
	if final == nil {
		k, _ := env.Lookup(ep.Environment)
		initial, _ := json.Marshal(s.Metadata["state"])
		var err error
		if final, _, err = env.Replay(ctx, k, initial, ep.Calls); err != nil {
			return judges.Verdict{}, err
		}
	}
	var gold struct {
		Items map[string]string `json:"items"`
	}
	b, _ := json.Marshal(s.Metadata["gold"])
	if err := json.Unmarshal(b, &gold); err != nil {
		return judges.Verdict{}, err
	}
	want, _ := env.StateJSON(gold)
	pass := runners.StateHash(final) == runners.StateHash(want)
	return judges.Verdict{Pass: pass, Score: map[bool]float64{true: 1}[pass], JudgeID: "state", Reason: string(final)}, nil
}

// kvModel plays a model under native function calling in the kv environment: asked to store,
// it sets the sample's key; told to delete a key, it deletes it; after a result it says so.
func kvModel(r *runnertest.Request) runnertest.Reply {
	last := r.Last()
	call := func(name, args string) runnertest.Reply {
		return runnertest.Reply{ToolCalls: []runners.ToolCall{{ID: "c1", Name: name, Arguments: args}}}
	}
	switch {
	case last.Role == "tool":
		return runnertest.Reply{Content: "done: " + last.Text}
	case strings.HasPrefix(last.Text, "store "):
		id := strings.TrimPrefix(last.Text, "store ")
		if id == "s2" {
			return call("set", `{"key": "k", "value": "wrong"}`)
		}
		return call("set", fmt.Sprintf(`{"key": "k", "value": %q}`, id))
	case strings.HasPrefix(last.Text, "now delete "):
		return call("delete", fmt.Sprintf(`{"key": %q}`, strings.TrimPrefix(last.Text, "now delete ")))
	}
	return runnertest.Reply{Content: "?"}
}

// TestEnvironmentRun runs a suite with the kv environment and two user turns: each sample and
// each repeat opens the environment afresh from the sample's state (the second repeat deletes
// the key the first deleted, without error), its later turn comes from the data, and the judge
// gets the Episode and grades the final state; the record keeps the states' hashes and the
// calls, from which a rejudge rebuilds the same state.
func TestEnvironmentRun(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var data strings.Builder
	for _, id := range []string{"s1", "s2", "s3"} {
		fmt.Fprintf(&data, `{"id": %q, "question": "store %s", "state": {"items": {"a": "x", "b": "y"}}, "turns": ["now delete a"], "gold": {"items": {"b": "y", "k": %q}}}`+"\n", id, id, id)
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "d.jsonl"), []byte(data.String()), 0o644))
	suite := filepath.Join(dir, "kv.yaml")
	require.NoError(t, os.WriteFile(suite, []byte(`name: kv
data: {path: d.jsonl, fields: {answer: ""}}
prompt: {user: "{{.Question}}"}
judge: {kind: exact}
agent:
  protocol: native
  environment: {name: kv, state: state}
  turns: turns
`), 0o644))
	srv := runnertest.NewServer(t)
	srv.Handle(kvModel)
	eng, m, p := setup(t, realx.Config{Concurrency: 2}, srv, nil, suite, realx.PlanOptions{})
	episodes := make(chan *runners.Episode, 100)
	p.Judge = stateJudge{episodes: episodes}
	run := realx.Run{Dir: filepath.Join(dir, "run"), Model: m, Repeats: 2}
	out, err := eng.Run(context.Background(), []*realx.Plan{p}, run)
	require.NoError(t, err)
	assert.Equal(t, 6, out.Ran)
	close(episodes)
	n := 0
	for ep := range episodes {
		n++
		require.NotNil(t, ep.Final, "a run hands the judge the final state")
		require.Len(t, ep.Calls, 2)
		assert.Equal(t, []int{0, 1}, []int{ep.Calls[0].Turn, ep.Calls[1].Turn})
		for _, c := range ep.Calls {
			assert.Empty(t, c.Error, "every repeat starts from the sample's own state")
		}
	}
	assert.Equal(t, 6, n)

	recs := records(t, run.Dir)
	require.Len(t, recs, 6)
	k, _ := env.Lookup("kv")
	for _, r := range recs {
		require.Nil(t, r.Error, "%+v", r.Error)
		assert.Equal(t, r.ID != "s2", r.Pass, r.ID)
		ep := r.Trajectory.Episode
		require.NotNil(t, ep)
		assert.Nil(t, ep.Final, "the record keeps no state")
		assert.Equal(t, "kv", ep.Environment)
		final, _, err := env.Replay(context.Background(), k, json.RawMessage(`{"items": {"a": "x", "b": "y"}}`), ep.Calls)
		require.NoError(t, err)
		assert.Equal(t, ep.FinalSHA256, runners.StateHash(final), "the recorded calls rebuild the state the run left")
		var users []string
		for _, turn := range r.Trajectory.Turns {
			if turn.Role == runners.RoleUser {
				users = append(users, turn.Text)
			}
		}
		assert.Equal(t, []string{"store " + r.ID, "now delete a"}, users)
	}
}

// TestEnvironmentSuiteProblems reports an unknown environment and turns that cannot be read at
// their places, before any model call.
func TestEnvironmentSuiteProblems(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "d.jsonl"), []byte(`{"id": "a", "question": "q", "answer": "1", "turns": [1]}`+"\n"+
		`{"id": "b", "question": "q", "answer": "1", "turns": "go on"}`+"\n"), 0o644))
	suite := filepath.Join(dir, "bad.yaml")
	require.NoError(t, os.WriteFile(suite, []byte(`name: bad
data: {path: d.jsonl}
judge: {kind: exact}
agent:
  protocol: native
  environment: {name: nowhere}
  turns: turns
`), 0o644))
	_, _, err := realx.LoadSuite(suite)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `bad.yaml:6:23: agent.environment.name: unknown environment "nowhere": the environments are bfcl, kv, tau2-airline, tau2-retail`)
	assert.Contains(t, err.Error(), `d.jsonl:1: sample a: agent.turns "turns": turn 0 is a number: a turn is a text, a list of messages or {content, reveal}`)
	assert.Contains(t, err.Error(), `d.jsonl:2: sample b: agent.turns "turns": the turns are a list, not a string`)
}

// TestPlanUsers gives each sample and repeat the user its plan's UserFactory makes (as τ2's
// simulated user will be): asked once per sample and repeat, its turns recorded.
func TestPlanUsers(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	suite := filepath.Join(dir, "chat.yaml")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "d.jsonl"), []byte(`{"id": "a", "question": "hi", "answer": "bye"}`+"\n"+`{"id": "b", "question": "hi", "answer": "bye"}`+"\n"), 0o644))
	require.NoError(t, os.WriteFile(suite, []byte("name: chat\ndata: {path: d.jsonl}\njudge: {kind: exact}\nagent: {protocol: hermes}\n"), 0o644))
	srv := runnertest.NewServer(t)
	srv.Handle(func(r *runnertest.Request) runnertest.Reply {
		if r.Last().Text == "hi" {
			return runnertest.Reply{Content: "hello"}
		}
		return runnertest.Reply{Content: "bye"}
	})
	eng, m, p := setup(t, realx.Config{Concurrency: 2}, srv, nil, suite, realx.PlanOptions{})
	asked := make(chan string, 10)
	p.Users = func(s *tasks.Sample, repeat int) (runners.UserSource, []string, error) {
		asked <- fmt.Sprintf("%s/%d", s.ID, repeat)
		return runners.NewScriptedUser([]runners.UserTurn{{Parts: []runners.Part{{Text: "goodbye then"}}}}), nil, nil
	}
	out, err := eng.Run(context.Background(), []*realx.Plan{p}, realx.Run{Dir: filepath.Join(dir, "run"), Model: m, Repeats: 2})
	require.NoError(t, err)
	assert.Equal(t, 4, out.Ran)
	close(asked)
	var got []string
	for a := range asked {
		got = append(got, a)
	}
	assert.ElementsMatch(t, []string{"a/0", "a/1", "b/0", "b/1"}, got)
	for _, r := range records(t, filepath.Join(dir, "run")) {
		assert.True(t, r.Pass, r.ID)
		assert.Len(t, r.Trajectory.Turns, 4, "hi, hello, goodbye then, bye")
	}
}
