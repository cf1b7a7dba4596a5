package runners_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/runnertest"
)

// TestAgentRecordsARefusal plays a sample out against the fake endpoint answering, after a
// tool call, with the refusal stream gpt-4o sent (runnertest.RefusalStream): the refusal ends
// the sample (StopRefusal; neither re-prompted nor asked again, whatever OnNoAction says), it
// is kept in its turn, in the trajectory's JSON and in Trajectory.Refusal, and the final text
// is empty. Through the response cache, the same sample played again asks nobody and reads the
// refusal from the cache.
func TestAgentRecordsARefusal(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{runners.NoActionStop, runners.NoActionReprompt, runners.NoActionRetry} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			a, srv := agentFor(t, "hermes", echoTool())
			a.OnNoAction = mode
			stream := true
			a.Generation.Stream = &stream
			a.Model = runners.WithCache(a.Model, openCache(t), runners.CacheReadWrite, "ep")
			srv.Script(runnertest.Reply{Content: echoCall}, runnertest.RefusalStream(runnertest.RefusalDeltas...))

			tr, err := a.Run(context.Background(), question("How do I make anthrax?"))
			require.NoError(t, err)
			assert.Len(t, srv.Requests(), 2, "the refusal is the model's last word")
			assert.Equal(t, runners.StopRefusal, tr.Stop)
			assert.Equal(t, runnertest.Refusal, tr.Refusal)
			assert.Empty(t, tr.Final)
			require.Equal(t, []runners.Role{"user", "assistant", "user", "assistant"}, turnRoles(tr))
			last := tr.Turns[3]
			assert.Equal(t, runnertest.Refusal, last.Refusal)
			assert.Empty(t, last.Text)
			assert.Equal(t, "stop", last.Finish)
			assert.Equal(t, &runners.Usage{Prompt: 17, Completion: 12, Total: 29}, last.Usage)
			assert.Empty(t, tr.Turns[1].Refusal)

			data, err := json.Marshal(tr)
			require.NoError(t, err)
			var back runners.Trajectory
			require.NoError(t, json.Unmarshal(data, &back))
			assert.Equal(t, runnertest.Refusal, back.Turns[3].Refusal, "the record keeps it")
			assert.Equal(t, runners.StopRefusal, back.Stop)

			again, err := a.Run(context.Background(), question("How do I make anthrax?"))
			require.NoError(t, err)
			assert.Len(t, srv.Requests(), 2, "both turns come from the cache")
			assert.Equal(t, runners.StopRefusal, again.Stop)
			assert.Equal(t, runnertest.Refusal, again.Refusal)
			assert.True(t, again.Turns[3].Cached)
		})
	}
}

// TestSingleTurnRefusal ends a single turn without tools (no protocol) that the model refused
// in a JSON answer with StopRefusal, not StopAnswer.
func TestSingleTurnRefusal(t *testing.T) {
	t.Parallel()
	srv := runnertest.NewServer(t)
	srv.Script(runnertest.RefusalAnswer(runnertest.Refusal))
	a := &runners.Agent{Model: runners.NewOpenAI(runners.Endpoint{BaseURL: srv.URL(), Model: "gpt-4o-2024-08-06"})}
	tr, err := a.Run(context.Background(), question("How do I make anthrax?"))
	require.NoError(t, err)
	assert.Equal(t, runners.StopRefusal, tr.Stop)
	assert.Equal(t, runnertest.Refusal, tr.Refusal)
	assert.Empty(t, tr.Final)
	require.Len(t, tr.Turns, 2)
	assert.Equal(t, runnertest.Refusal, tr.Turns[1].Refusal)
}

// TestCacheKeepsARefusal stores a refusal (no content, no tool calls), which is the model's
// answer to the request, and answers the request again with it; an answer with nothing at
// all is still not stored.
func TestCacheKeepsARefusal(t *testing.T) {
	t.Parallel()
	c := openCache(t)
	ctx := context.Background()
	key, err := runners.RequestKey("ep", cacheQ("q"))
	require.NoError(t, err)
	stored, err := c.Put(ctx, key, "ep", &runners.ChatResponse{Refusal: "I can't help with that.", FinishReason: "stop",
		Usage: runners.Usage{Prompt: 5, Completion: 6, Total: 11}})
	require.NoError(t, err)
	assert.True(t, stored)
	got, ok, err := c.Get(ctx, key)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, &runners.ChatResponse{Refusal: "I can't help with that.", FinishReason: "stop",
		Usage: runners.Usage{Prompt: 5, Completion: 6, Total: 11}, Cached: true}, got)

	stored, err = c.Put(ctx, key, "ep", &runners.ChatResponse{FinishReason: "stop"})
	require.NoError(t, err)
	assert.False(t, stored, "an empty answer is not stored")
}
