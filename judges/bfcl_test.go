package judges

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/tasks"
)

// bfclSample is a two-turn BFCL entry on the file system: make a directory, then move a file
// into it.
func bfclSample(t *testing.T) *tasks.Sample {
	var meta map[string]any
	require.NoError(t, json.Unmarshal([]byte(`{
	  "state": {"involved_classes": ["GorillaFileSystem"], "long_context": false, "initial_config": {"GorillaFileSystem":
	    {"root": {"w": {"type": "directory", "contents": {"a.txt": {"type": "file", "content": "x"}}}}}}},
	  "ground_truth": [["mkdir(dir_name='d')"], ["mv(source='a.txt', destination='d')"]]}`), &meta))
	return &tasks.Sample{ID: "s", Metadata: meta}
}

// TestBFCLMultiTurnJudge grades episodes with BFCL's checker: the gold calls pass; a wrong
// argument fails at its turn with the state check; no episode at all fails as an empty turn.
func TestBFCLMultiTurnJudge(t *testing.T) {
	j, err := New(tasks.JudgeSpec{Kind: KindBFCLMultiTurn})
	require.NoError(t, err)
	ej, ok := j.(interface {
		JudgeEpisode(context.Context, *tasks.Sample, string, *runners.Episode) (Verdict, error)
	})
	require.True(t, ok, "the judge grades episodes")
	s := bfclSample(t)
	ep := func(dest string) *runners.Episode {
		return &runners.Episode{Environment: "bfcl", Calls: []runners.EpisodeCall{
			{Turn: 0, Name: "mkdir", Arguments: json.RawMessage(`{"dir_name": "d"}`)},
			{Turn: 1, Name: "mv", Arguments: json.RawMessage(`{"source": "a.txt", "destination": "` + dest + `"}`)},
		}}
	}
	v, err := ej.JudgeEpisode(context.Background(), s, "", ep("d"))
	require.NoError(t, err)
	assert.True(t, v.Pass, v.Reason)
	assert.Equal(t, 1.0, v.Score)
	v, err = ej.JudgeEpisode(context.Background(), s, "", ep("b.txt"))
	require.NoError(t, err)
	assert.False(t, v.Pass)
	assert.Contains(t, v.Reason, "turn 1: multi_turn:instance_state_mismatch")
	v, err = ej.JudgeEpisode(context.Background(), s, "", nil)
	require.NoError(t, err)
	assert.False(t, v.Pass)
	assert.Contains(t, v.Reason, "turn 0: multi_turn:empty_turn_model_response")
	_, err = j.Judge(context.Background(), s, "an answer")
	assert.ErrorContains(t, err, "grades the calls of an environment's episode")

	_, err = New(tasks.JudgeSpec{Kind: KindBFCLMultiTurn, Extract: []string{"boxed"}})
	assert.ErrorContains(t, err, "reads no extract")
	_, err = New(tasks.JudgeSpec{Steps: []tasks.JudgeSpec{{Kind: KindBFCLMultiTurn}, {Kind: KindEM}}})
	assert.ErrorContains(t, err, "cannot be a cascade's step")
}

// TestBFCLMultiTurnStrict: calls in a turn whose gold has none pass the leaderboard's checker
// when they change no state, and fail the strict one (BFCL's irrelevance check).
func TestBFCLMultiTurnStrict(t *testing.T) {
	s := bfclSample(t)
	s.Metadata["ground_truth"] = []any{[]any{"mkdir(dir_name='d')"}, []any{}, []any{"mv(source='a.txt', destination='d')"}}
	ep := &runners.Episode{Environment: "bfcl", Calls: []runners.EpisodeCall{
		{Turn: 0, Name: "mkdir", Arguments: json.RawMessage(`{"dir_name": "d"}`)},
		{Turn: 1, Name: "ls", Arguments: json.RawMessage(`{}`)},
		{Turn: 2, Name: "mv", Arguments: json.RawMessage(`{"source": "a.txt", "destination": "d"}`)},
	}}
	for kind, pass := range map[string]bool{KindBFCLMultiTurn: true, KindBFCLMultiTurnStrict: false} {
		j, err := New(tasks.JudgeSpec{Kind: kind})
		require.NoError(t, err)
		assert.Equal(t, kind, j.ID())
		v, err := j.(BFCLMultiTurn).JudgeEpisode(context.Background(), s, "", ep)
		require.NoError(t, err)
		assert.Equal(t, pass, v.Pass, "%s: %s", kind, v.Reason)
		if !pass {
			assert.Contains(t, v.Reason, "turn 1: multi_turn:irrelevance_error:decoder_success")
		}
	}
}
