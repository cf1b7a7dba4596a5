package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/reports"
	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/runnertest"
	"github.com/realx-bench/realx/runners/tools/env/bfcl"
)

// This file makes and checks the recording that `make demo` replays on bfcl-v3-multi-turn: a
// scripted model that makes each user turn's gold calls, one a reply, under the native
// protocol, then closes the turn with a short text reply. `go test ./cmd/realx -update`
// writes the recording; without -update the tests check that recording it again gives the
// same file and that the shipped file replays to every entry passing.

// bfclDemoShard is the shard that `make demo` runs: 8 entries, 2 of each category, no two
// with the same first user turn (the categories share questions).
const bfclDemoShard = "8/93"

// bfclDemoRecording is the recording of the gold calls that `make demo` replays.
var bfclDemoRecording = repoFile("benchmarks", "bfcl-v3-multi-turn", "recordings", "gold-replay.jsonl")

// bfclDemoEntry is what the scripted model reads of an entry: its state (for Bind) and the
// gold calls of each user turn.
type bfclDemoEntry struct {
	ID          string          `json:"id"`
	Question    string          `json:"question"`
	State       json.RawMessage `json:"state"`
	GroundTruth [][]string      `json:"ground_truth"`
}

// bfclDemoEntries reads the entries of the demo's shard of the shipped suite, by their first
// user turn.
func bfclDemoEntries(t *testing.T) map[string]bfclDemoEntry {
	t.Helper()
	shard, err := reports.ParseShard(bfclDemoShard)
	require.NoError(t, err)
	f, err := os.Open(repoFile("benchmarks", "bfcl-v3-multi-turn", "data.jsonl"))
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 64<<20)
	byQuestion := map[string]bfclDemoEntry{}
	for sc.Scan() {
		var e bfclDemoEntry
		require.NoError(t, json.Unmarshal(sc.Bytes(), &e))
		if !shard.Has("bfcl-v3-multi-turn", e.ID) {
			continue
		}
		require.NotContains(t, byQuestion, e.Question, "%s: another entry of the shard has its question", e.ID)
		byQuestion[e.Question] = e
	}
	require.NoError(t, sc.Err())
	require.Len(t, byQuestion, 8)
	return byQuestion
}

// goldReplay is the scripted model whose replies the shipped recording holds: at each user
// turn it makes the turn's gold calls in order, one a reply, in OpenAI's tool-call format,
// then says the turn is done. It is BFCL's gold answer, not a trained model.
func goldReplay(t *testing.T) func(r *runnertest.Request) runnertest.Reply {
	entries := bfclDemoEntries(t)
	return func(r *runnertest.Request) runnertest.Reply {
		var users []int
		for i, m := range r.Messages {
			if m.Role == "user" {
				users = append(users, i)
			}
		}
		if len(users) == 0 {
			t.Errorf("a request with no user turn")
			return runnertest.Reply{Content: "no user turn"}
		}
		e, ok := entries[r.Messages[users[0]].Text]
		if !ok {
			t.Errorf("the scripted model got an entry it does not know: %.80q", r.Messages[users[0]].Text)
			return runnertest.Reply{Content: "unknown entry"}
		}
		turn := len(users) - 1
		step := 0
		for _, m := range r.Messages[users[turn]:] {
			if m.Role == "tool" {
				step++
			}
		}
		if turn >= len(e.GroundTruth) {
			t.Errorf("%s: user turn %d of %d: %.200q", e.ID, turn+1, len(e.GroundTruth), r.Messages[users[turn]].Text)
			return runnertest.Reply{Content: "no such turn"}
		}
		gold := e.GroundTruth[turn]
		if step >= len(gold) {
			if len(gold) == 0 {
				return runnertest.Reply{Content: "I cannot do that with the functions and information I have; please tell me more."}
			}
			return runnertest.Reply{Content: "Done."}
		}
		ent, err := bfcl.NewEntry(e.State)
		if err != nil {
			t.Errorf("%s: %v", e.ID, err)
			return runnertest.Reply{Content: err.Error()}
		}
		name, args, err := ent.Bind(gold[step])
		if err != nil {
			t.Errorf("%s: %s: %v", e.ID, gold[step], err)
			return runnertest.Reply{Content: err.Error()}
		}
		return runnertest.Reply{ToolCalls: []runners.ToolCall{{ID: fmt.Sprintf("call_%d_%d", turn, step), Name: name, Arguments: string(args)}}}
	}
}

// TestBFCLDemoRecording runs the demo's shard of bfcl-v3-multi-turn against the gold-replay
// model under the native protocol, recording its replies: every entry passes, and the
// recording is the shipped one (`go test -update` writes it).
func TestBFCLDemoRecording(t *testing.T) {
	dir := t.TempDir()
	srv := runnertest.NewServer(t)
	srv.Handle(goldReplay(t))
	recording := filepath.Join(dir, "recording.jsonl")
	r := realxCLI(t, nil, "run", "bfcl-v3-multi-turn", "--shard", bfclDemoShard, "--protocol", "native",
		"--model", "gold-replay", "--base-url", srv.URL(), "--out", filepath.Join(dir, "run"),
		"--progress", "none", "-c", "1", "--record-model", recording)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Regexp(t, `│ overall +│ +100\.0 │ 8/8 │`, r.stdout)
	got, err := os.ReadFile(recording)
	require.NoError(t, err)
	runnertest.Golden(t, bfclDemoRecording, got)
}

// TestBFCLDemo runs what `make demo` runs on bfcl-v3-multi-turn: the demo's shard, its model
// turns replayed from the shipped recording, no endpoint; every entry passes the multi-turn
// checker, two of each category, the tools table counts the simulated APIs' calls, and `realx
// show` prints one entry's turns.
func TestBFCLDemo(t *testing.T) {
	out := filepath.Join(t.TempDir(), "demo-bfcl")
	r := realxCLI(t, nil, "run", "bfcl-v3-multi-turn", "--shard", bfclDemoShard, "--replay-model", bfclDemoRecording,
		"--label", "gold-replay", "--out", out, "--progress", "none")
	require.Equal(t, 0, r.code, r.stderr)
	for _, c := range []string{"base", "miss_func", "miss_param", "long_context"} {
		assert.Regexp(t, `│ `+c+` +│ +100\.0 │ 2/2 │`, r.stdout, "each category's two entries pass")
	}
	assert.Regexp(t, `│ overall +│ +100\.0 │ 8/8 │`, r.stdout)
	assert.NotContains(t, r.stderr, "concurrency lowered", "a replay has no endpoint")
	assert.Contains(t, r.stderr, "realx: the model's turns were replayed from "+bfclDemoRecording+": no model was called")
	results := readResults(t, out)
	require.Len(t, results, 8)
	for _, res := range results {
		require.True(t, res.Graded(), "%s: %+v", res.ID, res.Error)
		assert.True(t, res.Pass, "%s: %s", res.ID, res.Reason)
		calls := 0
		for _, turn := range res.Trajectory.Turns {
			calls += len(turn.Calls)
		}
		assert.Positive(t, calls, "%s made no calls", res.ID)
	}
	tools := report(t, out, "--table", "tools", "--format", "csv")
	assert.Contains(t, tools, "overall,gold-replay,8,100.0,")

	// The entry the demo shows turn by turn: a turn whose gold has no call (the model asks
	// back), the user's answer, and the calls' outputs from the simulated file system.
	show := realxCLI(t, nil, "show", out, "multi_turn_miss_param_7")
	require.Equal(t, 0, show.code, show.stderr)
	assert.Contains(t, show.stdout, "I cannot do that with the functions and information I have")
	assert.Contains(t, show.stdout, "That word is goal.")
	assert.Contains(t, show.stdout, `{"matches": ["./goals.txt"]}`)
	assert.Contains(t, show.stdout, "verdict: correct")
}
