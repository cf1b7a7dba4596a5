package runners_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/runnertest"
)

// TestRecordThenReplayTheModel records an agent's conversation with a model, then plays it
// again from the recording with the model gone: the same trajectory. A conversation that goes
// another way misses, and the miss names the request.
func TestRecordThenReplayTheModel(t *testing.T) {
	a, srv := agentFor(t, "hermes", echoTool())
	srv.Script(
		runnertest.Reply{Content: "<tool_call>\n{\"name\": \"echo\", \"arguments\": {\"text\": \"hi\"}}\n</tool_call>", Usage: &runners.Usage{Prompt: 20, Completion: 5}},
		runnertest.Reply{Content: "<answer>hi</answer>", Reasoning: "It echoed.", Usage: &runners.Usage{Prompt: 40, Completion: 3}},
	)
	var rec bytes.Buffer
	recorder := runners.NewRecorder(a.Model, &rec)
	a.Model = recorder
	recorded, err := a.Run(context.Background(), question("Say hi."))
	require.NoError(t, err)
	require.NoError(t, recorder.Err())
	lines := strings.Split(strings.TrimSpace(rec.String()), "\n")
	require.Len(t, lines, 2)
	assert.Contains(t, lines[0], `"turn":0,"last":"Say hi."`)
	assert.Contains(t, lines[1], `"turn":1,"last":"<tool_response> echo: hi </tool_response>"`)

	path := filepath.Join(t.TempDir(), "recording.jsonl")
	require.NoError(t, os.WriteFile(path, rec.Bytes(), 0o644))
	replay, err := runners.OpenReplay(path)
	require.NoError(t, err)
	assert.Equal(t, 2, replay.Len())
	a.Model = replay
	replayed, err := a.Run(context.Background(), question("Say hi."))
	require.NoError(t, err)
	for i := range recorded.Turns {
		recorded.Turns[i].LatencyMS, recorded.Turns[i].Calls = 0, zeroDurations(recorded.Turns[i].Calls)
		replayed.Turns[i].Calls = zeroDurations(replayed.Turns[i].Calls)
	}
	recorded.LatencyMS = 0
	recorded.WallMS, recorded.ToolOpenMS, replayed.WallMS, replayed.ToolOpenMS = 0, 0, 0, 0
	assert.Equal(t, recorded, replayed)
	assert.Len(t, srv.Requests(), 2, "the replay called no model")

	_, err = a.Run(context.Background(), question("Say bye."))
	var miss *runners.ReplayMissError
	require.ErrorAs(t, err, &miss)
	assert.Equal(t, path, miss.Recording)
	assert.Contains(t, err.Error(), `has no reply to this request (key `+miss.Key+`, after 0 assistant turns; its last message begins "Say bye.")`)
}

// zeroDurations returns calls with their durations zeroed.
func zeroDurations(calls []runners.Call) []runners.Call {
	for i := range calls {
		calls[i].DurationMS = 0
	}
	return calls
}

// TestReadReplayRefusesWhatItCannotRead names the line of a recording it cannot read.
func TestReadReplayRefusesWhatItCannotRead(t *testing.T) {
	t.Parallel()
	_, err := runners.ReadReplay(strings.NewReader(`{"key": "`+strings.Repeat("a", 64)+`", "reply": {"content": "x"}}`+"\n"+`{"key": "b", "reply": {}}`+"\n"), "r.jsonl")
	assert.EqualError(t, err, `recording r.jsonl:2: "b" is not a request key (64 hex digits)`)
	_, err = runners.ReadReplay(strings.NewReader(`{"key": "x", "answer": 1}`), "r.jsonl")
	assert.ErrorContains(t, err, `recording r.jsonl:1: json: unknown field "answer"`)
	_, err = runners.ReadReplay(strings.NewReader("\n"), "r.jsonl")
	assert.EqualError(t, err, "recording r.jsonl holds no reply")
}
