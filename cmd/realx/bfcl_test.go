package main

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/runners/pycall"
	"github.com/realx-bench/realx/runners/runnertest"
	"github.com/realx-bench/realx/runners/tools/env/bfcl"
)

// TestRunBFCLPythonic runs the shipped bfcl-v3-multi-turn suite's first entry from the command
// line under --protocol pythonic, with a fake model that writes each turn's gold calls as BFCL's
// prompting mode asks: BFCL's system prompt goes out, the calls run in the bfcl environment,
// and the entry passes the multi-turn checker.
func TestRunBFCLPythonic(t *testing.T) {
	f, err := os.Open("../../benchmarks/bfcl-v3-multi-turn/data.jsonl")
	require.NoError(t, err)
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 16<<20)
	require.True(t, sc.Scan())
	f.Close()
	var row struct {
		ID          string          `json:"id"`
		State       json.RawMessage `json:"state"`
		GroundTruth [][]string      `json:"ground_truth"`
	}
	require.NoError(t, json.Unmarshal(sc.Bytes(), &row))
	ent, err := bfcl.NewEntry(row.State)
	require.NoError(t, err)

	srv := runnertest.NewServer(t)
	srv.Handle(func(r *runnertest.Request) runnertest.Reply {
		if strings.HasPrefix(r.Last().Text, "[{'role': 'tool'") {
			return runnertest.Reply{Content: "Done."}
		}
		turn := -1
		for _, m := range r.Messages {
			if m.Role == "user" && !strings.HasPrefix(m.Text, "[{'role': 'tool'") {
				turn++
			}
		}
		var calls []string
		for _, src := range row.GroundTruth[turn] {
			name, args, err := ent.Bind(src)
			if err != nil {
				return runnertest.Reply{Content: err.Error()}
			}
			calls = append(calls, pycall.FormatCall(name, string(args)))
		}
		return runnertest.Reply{Content: "[" + strings.Join(calls, ", ") + "]"}
	})
	dir := filepath.Join(t.TempDir(), "run")
	r := realxCLI(t, nil, "run", "bfcl-v3-multi-turn", "--limit", "1", "--protocol", "pythonic",
		"--model", "m", "--base-url", srv.URL(), "--out", dir, "--progress", "none")
	require.Equal(t, 0, r.code, r.stderr)
	reqs := srv.Requests()
	require.NotEmpty(t, reqs)
	assert.Equal(t, bfcl.PromptingSystem(ent.Docs()), reqs[0].Messages[0].Text)
	_, hasTools := reqs[0].JSON["tools"]
	assert.False(t, hasTools)
	results := readResults(t, dir)
	require.Len(t, results, 1)
	assert.Equal(t, row.ID, results[0].ID)
	assert.True(t, results[0].Pass, results[0].Reason)
	assert.Equal(t, "base", results[0].Capability)
}
