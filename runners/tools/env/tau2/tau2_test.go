package tau2_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/tools/env"
	"github.com/realx-bench/realx/runners/tools/env/tau2"
	"github.com/realx-bench/realx/tasks"
)

// TestGoldActions runs the gold actions of every shipped task of every domain in realx's Go
// tools: each runs without error — but retail's 18 gold actions that fail in τ2's own Python
// too (a wrong email tried first, say; package retail's TestGoldActions names each and checks
// every gold database's hash against τ2's) — and the database they leave is the one the
// grader accepts (reward 1, with the task's communicate_info said, and — for retail's 40 tasks
// with NL assertions — a judge that finds each met: the judge is asked exactly for those).
func TestGoldActions(t *testing.T) {
	t.Parallel()
	judge := &allMet{}
	ctx := env.WithAsker(context.Background(), judge)
	assert.Equal(t, []string{"airline", "retail"}, tau2.Domains())
	wantErrors := map[string]int{"airline": 0, "retail": 18}
	for _, name := range tau2.Domains() {
		errs := 0
		d, ok := tau2.Lookup(name)
		require.True(t, ok)
		ts, err := tau2.ParseTasks(d.Tasks())
		require.NoError(t, err)
		require.NotEmpty(t, ts)
		k, ok := env.Lookup(d.Kind)
		require.True(t, ok)
		for _, task := range ts {
			final, obs, err := env.Replay(ctx, k, nil, task.GoldCalls())
			require.NoError(t, err, "%s task %s", name, task.ID)
			for _, o := range obs {
				if o.Error != "" {
					errs++
				}
			}
			ep := &runners.Episode{Environment: d.Kind, Final: final, Calls: task.GoldCalls(), Stop: runners.StopAnswer,
				Replies: task.Criteria.CommunicateInfo}
			r, err := d.Grade(ctx, &task, ep)
			require.NoError(t, err, "%s task %s", name, task.ID)
			assert.True(t, r.Pass(), "%s task %s: %s", name, task.ID, r.Grade().Reason)
		}
		assert.Equal(t, wantErrors[name], errs, "%s: the gold actions that fail", name)
	}
	assert.Equal(t, 40, judge.asked, "the retail tasks with NL assertions")
}

// allMet is an NL judge that finds every assertion met, in τ2's reply format.
type allMet struct {
	mu    sync.Mutex
	asked int
}

func (a *allMet) Ask(_ context.Context, msgs []runners.Message, read func(string) (env.Grade, bool)) (env.Grade, error) {
	a.mu.Lock()
	a.asked++
	a.mu.Unlock()
	if len(msgs) != 2 || !strings.Contains(msgs[1].Text(), "expectedOutcomes:") {
		return env.Grade{}, fmt.Errorf("not τ2's NL prompt: %+v", msgs)
	}
	g, ok := read(`{"results": [{"expectedOutcome": "x", "reasoning": "r", "metExpectation": true}]}`)
	if !ok {
		return env.Grade{}, fmt.Errorf("the reply was not read")
	}
	return g, nil
}

// TestGrade grades runs of an airline task against its gold: the gold actions score 1, from the
// final state or (a rejudge) from the calls replayed; a wrong write, a missing communicate_info
// and a conversation cut short score 0; ACTION checks the gold calls' arguments.
func TestGrade(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d, _ := tau2.Lookup("tau2-airline")
	task := &tau2.Task{ID: "t", Criteria: &tau2.Criteria{
		Actions: []tau2.Action{
			{Name: "get_reservation_details", Arguments: json.RawMessage(`{"reservation_id": "4WQ150"}`)},
			{Name: "update_reservation_baggages", Arguments: json.RawMessage(`{"reservation_id": "4WQ150", "total_baggages": 2, "nonfree_baggages": 1, "payment_id": "gift_card_3576581"}`)},
		},
		CommunicateInfo: []string{"50"},
	}}
	k, _ := env.Lookup(d.Kind)
	run := func(calls []runners.EpisodeCall, replies ...string) *tau2.Result {
		t.Helper()
		final, _, err := env.Replay(ctx, k, nil, calls)
		require.NoError(t, err)
		r, err := d.Grade(ctx, task, &runners.Episode{Environment: d.Kind, Final: final, Calls: calls, Stop: runners.StopAnswer, Replies: replies})
		require.NoError(t, err)
		return r
	}
	gold := task.GoldCalls()
	r := run(gold, "I will charge $5,0 to your card.")
	assert.True(t, r.Pass(), r.Grade().Reason)
	assert.Equal(t, []tau2.Component{{Name: "DB", Reward: 1}, {Name: "COMMUNICATE", Reward: 1}}, r.Components)

	wrong := []runners.EpisodeCall{{Name: "update_reservation_baggages", Arguments: json.RawMessage(`{"reservation_id": "4WQ150", "total_baggages": 2, "nonfree_baggages": 2, "payment_id": "gift_card_3576581"}`)}}
	r = run(wrong, "That is 50 dollars.")
	assert.Zero(t, r.Reward)
	assert.Contains(t, r.Grade().Reason, "is not the gold actions'")

	r = run(gold[1:], "Done.")
	assert.Zero(t, r.Reward, "the database matches, communicate_info is missing")
	assert.Equal(t, []tau2.Component{{Name: "DB", Reward: 1}, {Name: "COMMUNICATE", Reward: 0}}, r.Components)
	assert.Contains(t, r.Grade().Reason, `"50" was not communicated`)

	// A rejudge has no states: the calls are replayed.
	r, err := d.Grade(ctx, task, &runners.Episode{Environment: d.Kind, Calls: gold, Replies: []string{"50"}})
	require.NoError(t, err)
	assert.True(t, r.Pass())
	_, err = d.Grade(ctx, task, &runners.Episode{Environment: d.Kind, Calls: gold[:1], Truncated: true})
	assert.ErrorContains(t, err, "cannot be rebuilt")

	r, err = d.Grade(ctx, task, &runners.Episode{Environment: d.Kind, Calls: gold, Replies: []string{"50"}, Stop: runners.StopMaxTurns})
	require.NoError(t, err)
	assert.Zero(t, r.Reward, "cut short by a budget")

	// A task with NL_ASSERTION in its basis and no nl_assertions scores the component 1, with
	// no judge asked (ctx carries none).
	task.Criteria.RewardBasis = []string{"ACTION", "NL_ASSERTION"}
	r = run(append([]runners.EpisodeCall{{Name: "get_reservation_details", Arguments: json.RawMessage(`{"reservation_id": "4WQ150"}`)}}, wrong...))
	assert.Zero(t, r.Reward, "the baggage call's arguments differ")
	assert.Equal(t, []tau2.Component{{Name: "ACTION", Reward: 0}, {Name: "NL_ASSERTION", Reward: 1}}, r.Components)
	r = run(gold)
	assert.True(t, r.Pass(), r.Grade().Reason)

	_, err = d.Grade(ctx, task, nil)
	assert.ErrorContains(t, err, "opened no environment")
}

// TestTaskOf reads a task from a sample's metadata, as a suite maps tasks.json, and writes its
// scenario as τ2 writes it for the simulated user.
func TestTaskOf(t *testing.T) {
	t.Parallel()
	d, _ := tau2.Lookup("airline")
	var raw []map[string]any
	require.NoError(t, json.Unmarshal(d.Tasks(), &raw))
	s := &tasks.Sample{ID: "0", Metadata: raw[0]}
	task, err := tau2.TaskOf(s)
	require.NoError(t, err)
	assert.Equal(t, []string{"DB", "COMMUNICATE"}, task.Basis())
	text, err := task.UserScenario.Text()
	require.NoError(t, err)
	assert.Equal(t, "Instructions:\n\tDomain: airline\n\tReason for call:\n\t\tYou want to cancel reservation EHGLP3. \n\n\t\tIt may be more than 24 hours after booking, but it is ok because you were out of town for that time.\n\tKnown info:\n\t\tYou are Emma Kim.\n\t\tYour user id is emma_kim_9957.\n\tTask instructions:\n\t\tIf Agent tells you that cancellation is not possible,\n\t\tmention that you were told that you didn't need to get insurance because your previous trip was booked with the same agency with insurance.\n\n\t\tYou don't want to cancel if you don't get a refund.", text)

	_, err = tau2.TaskOf(&tasks.Sample{ID: "x", Metadata: map[string]any{"evaluation_criteria": map[string]any{"reward_basis": []any{"VIBES"}}}})
	assert.ErrorContains(t, err, `sample x: reward_basis: unknown component "VIBES"`)
	_, err = tau2.TaskOf(&tasks.Sample{ID: "y", Metadata: map[string]any{"initial_state": map[string]any{"initialization_actions": []any{}}}})
	assert.ErrorContains(t, err, "initial_state is set")
}
