package realx_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx"
	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/pycall"
	"github.com/realx-bench/realx/runners/runnertest"
	"github.com/realx-bench/realx/runners/tools/env/bfcl"
)

// bfclRow is a row of the shipped bfcl-v3-multi-turn data, as the test reads it.
type bfclRow struct {
	raw         string
	ID          string          `json:"id"`
	Category    string          `json:"category"`
	Question    string          `json:"question"`
	State       json.RawMessage `json:"state"`
	GroundTruth [][]string      `json:"ground_truth"`
	Turns       []struct {
		Reveal []string `json:"reveal"`
	} `json:"turns"`
}

// pickBFCL returns the first entry of each category whose first question no other picked
// entry shares (the fake model tells entries apart by it), and the second base one.
func pickBFCL(t *testing.T) []bfclRow {
	t.Helper()
	f, err := os.Open("benchmarks/bfcl-v3-multi-turn/data.jsonl")
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 16<<20)
	var out []bfclRow
	seen := map[string]bool{}
	per := map[string]int{}
	for sc.Scan() {
		var r bfclRow
		require.NoError(t, json.Unmarshal(sc.Bytes(), &r))
		r.raw = sc.Text()
		want := 1
		if r.Category == "base" {
			want = 2
		}
		if per[r.Category] >= want || seen[r.Question] {
			continue
		}
		if r.Category == "miss_func" && !slices.ContainsFunc(r.Turns, func(u struct {
			Reveal []string `json:"reveal"`
		}) bool {
			return len(u.Reveal) > 0
		}) {
			continue
		}
		seen[r.Question] = true
		per[r.Category]++
		out = append(out, r)
	}
	require.Len(t, out, 5)
	return out
}

// TestBFCLSuiteEndToEnd runs a handful of the shipped BFCL entries through the engine with a
// fake model that replays each entry's gold calls, one a reply, and ends each user turn with a
// text reply: the bfcl environment answers the calls, the scripted user says the later turns
// (revealing the missing-function category's held-out functions only at their turn), and the
// bfcl-multi-turn judge passes every entry but the one whose model skips a turn's calls.
func TestBFCLSuiteEndToEnd(t *testing.T) {
	t.Parallel()
	rows := pickBFCL(t)
	skip := rows[1].ID // its model skips the calls of its first turn that has any
	dir := t.TempDir()
	var data strings.Builder
	byQuestion := map[string]bfclRow{}
	for _, r := range rows {
		data.WriteString(r.raw + "\n")
		byQuestion[r.Question] = r
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "data.jsonl"), []byte(data.String()), 0o644))
	suite, err := os.ReadFile("benchmarks/bfcl-v3-multi-turn/suite.yaml")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "suite.yaml"), suite, 0o644))

	var mu sync.Mutex
	var problems []string
	srv := runnertest.NewServer(t)
	srv.Handle(func(r *runnertest.Request) runnertest.Reply {
		var users []int
		for i, m := range r.Messages {
			if m.Role == "user" {
				users = append(users, i)
			}
		}
		row, ok := byQuestion[r.Messages[users[0]].Text]
		if !ok {
			return runnertest.Reply{Content: "unknown entry"}
		}
		turn := len(users) - 1
		step := 0
		for _, m := range r.Messages[users[len(users)-1]:] {
			if m.Role == "tool" {
				step++
			}
		}
		// A held-out function is not offered before its turn.
		var tools []string
		if ts, ok := r.JSON["tools"].([]any); ok {
			for _, x := range ts {
				fn, _ := x.(map[string]any)["function"].(map[string]any)
				tools = append(tools, fmt.Sprint(fn["name"]))
			}
		}
		for i, u := range row.Turns {
			for _, name := range u.Reveal {
				if offered := slices.Contains(tools, name); offered != (turn >= i+1) {
					mu.Lock()
					problems = append(problems, fmt.Sprintf("%s turn %d: %s offered %v", row.ID, turn, name, offered))
					mu.Unlock()
				}
			}
		}
		gold := row.GroundTruth[turn]
		if row.ID == skip && turn == firstTurnWithCalls(row.GroundTruth) {
			gold = nil
		}
		if step >= len(gold) {
			return runnertest.Reply{Content: "done"}
		}
		ent, err := bfcl.NewEntry(row.State)
		if err != nil {
			return runnertest.Reply{Content: err.Error()}
		}
		name, args, err := ent.Bind(gold[step])
		if err != nil {
			return runnertest.Reply{Content: err.Error()}
		}
		return runnertest.Reply{ToolCalls: []runners.ToolCall{{ID: fmt.Sprintf("c%d", step), Name: name, Arguments: string(args)}}}
	})
	eng, m, p := setup(t, realx.Config{Concurrency: 2}, srv, nil, filepath.Join(dir, "suite.yaml"), realx.PlanOptions{})
	run := realx.Run{Dir: filepath.Join(dir, "run"), Model: m}
	out, err := eng.Run(context.Background(), []*realx.Plan{p}, run)
	require.NoError(t, err)
	assert.Equal(t, len(rows), out.Ran)
	assert.Empty(t, problems)
	recs := records(t, run.Dir)
	require.Len(t, recs, len(rows))
	for _, r := range recs {
		require.Nil(t, r.Error, "%s: %+v", r.ID, r.Error)
		assert.Equal(t, r.ID != skip, r.Pass, "%s: %s", r.ID, r.Reason)
		i := slices.IndexFunc(rows, func(x bfclRow) bool { return x.ID == r.ID })
		assert.Equal(t, rows[i].Category, r.Capability)
		if r.ID == skip {
			assert.Contains(t, r.Reason, "multi_turn:empty_turn_model_response")
		}
	}
}

// firstTurnWithCalls returns the index of the first turn whose gold has calls.
func firstTurnWithCalls(gold [][]string) int {
	for i, turn := range gold {
		if len(turn) > 0 {
			return i
		}
	}
	return -1
}

// TestBFCLSuitePythonic runs the same entries under the pythonic protocol, BFCL's prompting
// mode: the system prompt is BFCL's, listing the visible functions as BFCL writes them; the
// fake model writes each turn's gold calls as one Python list, then a reply without calls; the
// results come back as BFCL's repr of tool messages; the turn that reveals held-out functions
// carries their declarations. Every entry passes.
func TestBFCLSuitePythonic(t *testing.T) {
	t.Parallel()
	rows := pickBFCL(t)
	dir := t.TempDir()
	var data strings.Builder
	byQuestion := map[string]bfclRow{}
	for _, r := range rows {
		data.WriteString(r.raw + "\n")
		byQuestion[r.Question] = r
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "data.jsonl"), []byte(data.String()), 0o644))
	suite, err := os.ReadFile("benchmarks/bfcl-v3-multi-turn/suite.yaml")
	require.NoError(t, err)
	require.Contains(t, string(suite), "protocol: native")
	suite = []byte(strings.Replace(string(suite), "protocol: native", "protocol: pythonic", 1))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "suite.yaml"), suite, 0o644))

	var mu sync.Mutex
	var problems []string
	problem := func(f string, a ...any) {
		mu.Lock()
		problems = append(problems, fmt.Sprintf(f, a...))
		mu.Unlock()
	}
	srv := runnertest.NewServer(t)
	srv.Handle(func(r *runnertest.Request) runnertest.Reply {
		var users []int
		for i, m := range r.Messages {
			if m.Role == "user" && !strings.HasPrefix(m.Text, "[{'role': 'tool'") {
				users = append(users, i)
			}
		}
		row, ok := byQuestion[r.Messages[users[0]].Text]
		if !ok {
			return runnertest.Reply{Content: "unknown entry"}
		}
		ent, err := bfcl.NewEntry(row.State)
		if err != nil {
			return runnertest.Reply{Content: err.Error()}
		}
		var hidden []string
		for _, u := range row.Turns {
			hidden = append(hidden, u.Reveal...)
		}
		var visible []bfcl.FuncDoc
		for _, d := range ent.Docs() {
			if !slices.Contains(hidden, d.Name) {
				visible = append(visible, d)
			}
		}
		if r.Messages[0].Role != "system" || r.Messages[0].Text != bfcl.PromptingSystem(visible) {
			problem("%s: the system prompt is not BFCL's", row.ID)
		}
		if _, ok := r.JSON["tools"]; ok {
			problem("%s: a request of the pythonic protocol has a tools field", row.ID)
		}
		turn := len(users) - 1
		if len(hidden) > 0 && turn >= 1 && len(row.Turns[turn-1].Reveal) > 0 {
			text := r.Messages[users[turn]].Text
			var docs []string
			for _, name := range row.Turns[turn-1].Reveal {
				i := slices.IndexFunc(ent.Docs(), func(d bfcl.FuncDoc) bool { return d.Name == name })
				docs = append(docs, ent.Docs()[i].ToolDef().Python)
			}
			// BFCL's DEFAULT_USER_PROMPT_FOR_ADDITIONAL_FUNCTION_PROMPTING: the held-out
			// documents as published, then the native form's text.
			if want := "[" + strings.Join(docs, ", ") + "]\n" + bfcl.AddedFunctionsFC; text != want {
				problem("%s: the reveal turn is %q, want %q", row.ID, text, want)
			}
		}
		last := r.Last()
		if last.Role == "user" && strings.HasPrefix(last.Text, "[{'role': 'tool'") {
			return runnertest.Reply{Content: "Done."}
		}
		var calls []string
		for _, src := range row.GroundTruth[turn] {
			name, args, err := ent.Bind(src)
			if err != nil {
				return runnertest.Reply{Content: err.Error()}
			}
			calls = append(calls, pycall.FormatCall(name, string(args)))
		}
		if len(calls) == 0 {
			return runnertest.Reply{Content: "None of the functions can do that."}
		}
		return runnertest.Reply{Content: "[" + strings.Join(calls, ", ") + "]"}
	})
	eng, m, p := setup(t, realx.Config{Concurrency: 2}, srv, nil, filepath.Join(dir, "suite.yaml"), realx.PlanOptions{})
	run := realx.Run{Dir: filepath.Join(dir, "run"), Model: m}
	out, err := eng.Run(context.Background(), []*realx.Plan{p}, run)
	require.NoError(t, err)
	assert.Equal(t, len(rows), out.Ran)
	assert.Empty(t, problems)
	recs := records(t, run.Dir)
	require.Len(t, recs, len(rows))
	for _, r := range recs {
		require.Nil(t, r.Error, "%s: %+v", r.ID, r.Error)
		assert.True(t, r.Pass, "%s: %s", r.ID, r.Reason)
		var observed bool
		for _, turn := range r.Trajectory.Turns {
			if turn.Role == runners.RoleUser && strings.HasPrefix(turn.Text, "[{'role': 'tool', 'name': ") {
				observed = true
			}
		}
		assert.True(t, observed, "%s: results go back as BFCL's tool messages", r.ID)
	}
}
