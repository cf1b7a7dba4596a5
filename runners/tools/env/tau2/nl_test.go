package tau2

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/tools/env"
)

// TestPyStrList writes lists of strings as Python's repr does (the expected text is what
// Python 3 prints for the same list).
func TestPyStrList(t *testing.T) {
	got := pyStrList([]string{"a", "it's", "say \"hi\"\n", "both ' and \"", "tab\there\\", "café \u00a0 \u200b 😀"})
	assert.Equal(t, `['a', "it's", 'say "hi"\n', 'both \' and "', 'tab\there\\', 'café \xa0 \u200b 😀']`, got)
	assert.Equal(t, "[]", pyStrList(nil))
}

// TestNLPrompt builds τ2's NL-judge messages: the system text verbatim, and the user text with
// the conversation linearised one "role: content" line per message (a tool-calling message
// as None, each tool result as tool) and the assertions as a Python list.
func TestNLPrompt(t *testing.T) {
	turns := []runners.Turn{
		{Role: runners.RoleSystem, Text: "policy"},
		{Role: runners.RoleAssistant, Text: Greeting},
		{Role: runners.RoleUser, Text: "Cancel order #W1."},
		{Role: runners.RoleAssistant, Calls: []runners.Call{{Name: "get_order_details", Output: `{"status": "pending"}`}}},
		{Role: runners.RoleAssistant, Text: "Done."},
	}
	msgs := NLPrompt(turns, []string{"Agent cancels the order", "Agent doesn't refund"})
	require.Len(t, msgs, 2)
	assert.Equal(t, runners.RoleSystem, msgs[0].Role)
	assert.Equal(t, nlSystem, msgs[0].Text())
	assert.True(t, len(nlSystem) > 900 && nlSystem[:14] == "\n        TASK\n", "τ2's system text, with its indentation: %q", nlSystem[:20])
	want := "\n        conversation:\n" +
		"        assistant: Hi! How can I help you today?\nuser: Cancel order #W1.\nassistant: None\ntool: {\"status\": \"pending\"}\nassistant: Done.\n" +
		"        \n        expectedOutcomes:\n" +
		"        ['Agent cancels the order', \"Agent doesn't refund\"]\n        "
	assert.Equal(t, runners.RoleUser, msgs[1].Role)
	assert.Equal(t, want, msgs[1].Text())
}

// TestReadNLReply reads the judge's JSON as τ2 does: every result met passes, one unmet fails
// with its reasoning; a fenced reply is read inside its fence; a reply that is not the
// format is no verdict.
func TestReadNLReply(t *testing.T) {
	g, ok := ReadNLReply(`{"results": [{"expectedOutcome": "a", "reasoning": "yes", "metExpectation": true}, {"expectedOutcome": "b", "reasoning": "ok", "metExpectation": true}]}`)
	require.True(t, ok)
	assert.True(t, g.Pass)
	assert.Equal(t, 1.0, g.Score)
	g, ok = ReadNLReply("```json\n{\"results\": [{\"expectedOutcome\": \"a\", \"reasoning\": \"yes\", \"metExpectation\": true}, {\"expectedOutcome\": \"b\", \"reasoning\": \"never said\", \"metExpectation\": \"false\"}]}\n```")
	require.True(t, ok)
	assert.False(t, g.Pass)
	assert.Zero(t, g.Score)
	assert.Equal(t, `NL assertion not met: "b" (never said)`, g.Reason)
	for _, bad := range []string{"", "All met.", `{"results": [{"expectedOutcome": "a", "metExpectation": "perhaps"}]}`, `{"results": {}}`} {
		_, ok := ReadNLReply(bad)
		assert.False(t, ok, bad)
	}
}

// nlJudge is an env.Asker that answers with reply, counting the asks.
type nlJudge struct {
	reply string
	asked int
}

func (j *nlJudge) Ask(_ context.Context, msgs []runners.Message, read func(string) (env.Grade, bool)) (env.Grade, error) {
	j.asked++
	g, _ := read(j.reply)
	return g, nil
}

// TestGradeNLAssertion grades retail task 2 (DB and NL_ASSERTION, one assertion) from its gold
// actions: with every assertion met the reward is 1; with one unmet it is 0 though the
// database matches; with no judge in the context the grade is an error naming the flags, not
// a pass. A task with NL_ASSERTION and no assertions asks no judge.
func TestGradeNLAssertion(t *testing.T) {
	d, _ := Lookup("retail")
	all, err := ParseTasks(d.Tasks())
	require.NoError(t, err)
	byID := map[string]*Task{}
	for i := range all {
		byID[all[i].ID] = &all[i]
	}
	task := byID["2"]
	require.Equal(t, []string{BasisDB, BasisNLAssertion}, task.Criteria.RewardBasis)
	require.NotEmpty(t, task.Criteria.NLAssertions)
	k, _ := env.Lookup(d.Kind)
	ctx := context.Background()
	episode := func(task *Task) *runners.Episode {
		final, _, err := env.Replay(ctx, k, nil, task.GoldCalls())
		require.NoError(t, err)
		return &runners.Episode{Environment: d.Kind, Final: final, Calls: task.GoldCalls(), Stop: runners.StopAnswer,
			Conversation: []runners.Turn{{Role: runners.RoleAssistant, Text: Greeting}}}
	}
	reply := func(met bool) string {
		b, _ := json.Marshal(map[string]any{"results": []map[string]any{{"expectedOutcome": task.Criteria.NLAssertions[0], "reasoning": "r", "metExpectation": met}}})
		return string(b)
	}

	met := &nlJudge{reply: reply(true)}
	r, err := d.Grade(env.WithAsker(ctx, met), task, episode(task))
	require.NoError(t, err)
	assert.True(t, r.Pass(), r.Grade().Reason)
	assert.Equal(t, []Component{{BasisDB, 1}, {BasisNLAssertion, 1}}, r.Components)
	assert.Equal(t, 1, met.asked)

	unmet := &nlJudge{reply: reply(false)}
	r, err = d.Grade(env.WithAsker(ctx, unmet), task, episode(task))
	require.NoError(t, err)
	assert.Zero(t, r.Reward)
	assert.Equal(t, []Component{{BasisDB, 1}, {BasisNLAssertion, 0}}, r.Components)
	assert.Contains(t, r.Grade().Reason, "NL assertion not met: ")

	_, err = d.Grade(ctx, task, episode(task))
	require.Error(t, err)
	assert.ErrorContains(t, err, "task 2: τ2 grades its 1 NL assertion(s) with an LLM judge, and none is set")
	assert.ErrorContains(t, err, "--judge-base-url")

	plain := byID["69"]
	require.Contains(t, plain.Criteria.RewardBasis, BasisNLAssertion)
	require.Empty(t, plain.Criteria.NLAssertions)
	r, err = d.Grade(ctx, plain, episode(plain))
	require.NoError(t, err)
	assert.True(t, r.Pass(), r.Grade().Reason)
	assert.Equal(t, []Component{{BasisDB, 1}, {BasisNLAssertion, 1}}, r.Components)
}
