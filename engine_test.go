package realx_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx"
	"github.com/realx-bench/realx/reports"
	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/runnertest"
	"github.com/realx-bench/realx/tasks"
)

// addSuite writes a suite of n questions "qI: what is I plus 7?" to dir, graded by judge (a
// YAML judge section's body), and returns its path.
func addSuite(t *testing.T, dir string, n int, judge string) string {
	t.Helper()
	var data strings.Builder
	for i := range n {
		fmt.Fprintf(&data, `{"id": "q%d", "question": "q%d: what is %d plus 7?", "answer": "%d"}`+"\n", i, i, i, i+7)
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "add.jsonl"), []byte(data.String()), 0o644))
	path := filepath.Join(dir, "add.yaml")
	require.NoError(t, os.WriteFile(path, []byte("name: add\ndata: {path: add.jsonl}\nprompt: {user: \"{{.Question}}\"}\njudge:\n"+judge), 0o644))
	return path
}

var addQuestion = regexp.MustCompile(`^q(\d+): what is (\d+) plus 7\?$`)

// adder answers add questions: right, but wrong when (I + seed) % 4 == 3; each answer uses
// 100 tokens.
func adder(r *runnertest.Request) runnertest.Reply {
	m := addQuestion.FindStringSubmatch(r.Last().Text)
	if m == nil {
		return runnertest.Reply{Status: 400}
	}
	i, _ := strconv.Atoi(m[1])
	seed := 0
	if s, ok := r.JSON["seed"].(float64); ok {
		seed = int(s)
	}
	answer := i + 7
	if (i+seed)%4 == 3 {
		answer++
	}
	return runnertest.Reply{Content: fmt.Sprintf("<answer>%d</answer>", answer), Usage: &runners.Usage{Prompt: 90, Completion: 10, Total: 100}}
}

// setup returns an Engine with cfg, the model on srv (nil for none) connected to it at prices,
// and the plan of the suite at path for it.
func setup(t *testing.T, cfg realx.Config, srv *runnertest.Server, prices *runners.Prices, path string, o realx.PlanOptions) (*realx.Engine, *realx.Model, *realx.Plan) {
	t.Helper()
	eng, err := realx.New(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { eng.Close() })
	var m *realx.Model
	if srv != nil {
		m = &realx.Model{Label: "m", Endpoint: runners.Endpoint{BaseURL: srv.URL(), Model: "m"}, Prices: prices}
		client, err := eng.Connect(m)
		require.NoError(t, err)
		o.Model = client
	}
	s, ds, err := realx.LoadSuite(path)
	require.NoError(t, err)
	p, err := eng.NewPlan(s, ds, o)
	require.NoError(t, err)
	return eng, m, p
}

// records reads the results log of the run in dir.
func records(t *testing.T, dir string) []*reports.Result {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, reports.ResultsFile))
	require.NoError(t, err)
	defer f.Close()
	var out []*reports.Result
	rd := reports.NewReader(f, "log")
	for rd.Scan() {
		require.NoError(t, rd.LineErr())
		out = append(out, rd.Result())
	}
	require.NoError(t, rd.Err())
	return out
}

// TestRunRepeatsAndResumes runs every sample three times with a seed (repeat i sends seed+i),
// and a second Run of the same run resumes it with nothing left to do.
func TestRunRepeatsAndResumes(t *testing.T) {
	t.Parallel()
	srv := runnertest.NewServer(t)
	srv.Handle(adder)
	dir := t.TempDir()
	eng, m, p := setup(t, realx.Config{Concurrency: 3}, srv, nil, addSuite(t, dir, 8, "  kind: exact\n"),
		realx.PlanOptions{Generation: tasks.Generation{Seed: ptr(5)}})
	run := realx.Run{Dir: filepath.Join(dir, "run"), Model: m, Repeats: 3}
	out, err := eng.Run(context.Background(), []*realx.Plan{p}, run)
	require.NoError(t, err)
	assert.Equal(t, &realx.Outcome{Dir: run.Dir, Samples: 24, Ran: 24, Failed: map[reports.ErrorClass]int{}, Repeated: true}, out)
	seeds := map[int]int{}
	for _, r := range srv.Requests() {
		seeds[int(r.JSON["seed"].(float64))]++
	}
	assert.Equal(t, map[int]int{5: 8, 6: 8, 7: 8}, seeds)
	passes := 0
	for _, r := range records(t, run.Dir) {
		if r.Pass {
			passes++
		}
	}
	assert.Equal(t, 18, passes, "one seed in four answers each question wrongly")

	out, err = eng.Run(context.Background(), []*realx.Plan{p}, run)
	require.NoError(t, err)
	assert.Zero(t, out.Ran, "nothing is left to run")
	assert.Len(t, srv.Requests(), 24)

	// Another run into the same directory is refused before any call.
	run.Repeats = 2
	_, err = eng.Run(context.Background(), []*realx.Plan{p}, run)
	var ce *realx.ConfigError
	require.ErrorAs(t, err, &ce)
	assert.ErrorContains(t, err, "holds another run (suite add: repeats: 3 ≠ 2; repeats: 3 ≠ 2)")
	assert.Len(t, srv.Requests(), 24)
}

// TestRunShards splits a run three ways: the shards cover every sample once.
func TestRunShards(t *testing.T) {
	t.Parallel()
	srv := runnertest.NewServer(t)
	srv.Handle(adder)
	dir := t.TempDir()
	path := addSuite(t, dir, 30, "  kind: exact\n")
	seen := map[string]int{}
	for i := range 3 {
		eng, m, p := setup(t, realx.Config{}, srv, nil, path, realx.PlanOptions{})
		out, err := eng.Run(context.Background(), []*realx.Plan{p}, realx.Run{Dir: filepath.Join(dir, fmt.Sprint(i)), Model: m,
			Shard: &reports.Shard{Index: i, Count: 3}})
		require.NoError(t, err)
		assert.Positive(t, out.Samples)
		for _, r := range records(t, out.Dir) {
			seen[r.ID]++
		}
	}
	assert.Len(t, seen, 30)
	for id, n := range seen {
		assert.Equal(t, 1, n, id)
	}
}

// TestRunBudget stops a run once it has used its tokens, the samples in flight finishing; a
// larger budget finishes it.
func TestRunBudget(t *testing.T) {
	t.Parallel()
	srv := runnertest.NewServer(t)
	srv.Handle(adder)
	dir := t.TempDir()
	eng, m, p := setup(t, realx.Config{Concurrency: 1}, srv, nil, addSuite(t, dir, 10, "  kind: exact\n"), realx.PlanOptions{})
	run := realx.Run{Dir: filepath.Join(dir, "run"), Model: m, MaxTokens: 300}
	out, err := eng.Run(context.Background(), []*realx.Plan{p}, run)
	require.NoError(t, err)
	assert.Equal(t, realx.StopTokens, out.Stop)
	assert.Equal(t, "the run has used 300 tokens, --max-tokens-total is 300", out.Budget)
	assert.Equal(t, 3, out.Ran)
	assert.Equal(t, 7, out.NotRun)
	run.MaxTokens = 10_000
	out, err = eng.Run(context.Background(), []*realx.Plan{p}, run)
	require.NoError(t, err)
	assert.Empty(t, out.Stop)
	assert.Equal(t, 7, out.Ran)
	assert.Zero(t, out.Unfinished())
}

// TestRunCountsTheJudgesCost counts an LLM judge's calls at its model's prices in the run's
// cost, which stops the run at its budget in dollars.
func TestRunCountsTheJudgesCost(t *testing.T) {
	t.Parallel()
	model := runnertest.NewServer(t)
	model.Handle(func(*runnertest.Request) runnertest.Reply {
		return runnertest.Reply{Content: "I cannot say", Usage: &runners.Usage{Prompt: 10, Completion: 10, Total: 20}}
	})
	judge := runnertest.NewServer(t)
	judge.Handle(func(*runnertest.Request) runnertest.Reply {
		return runnertest.Reply{Content: `\boxed{No}`, Usage: &runners.Usage{Prompt: 1000, Completion: 0, Total: 1000}}
	})
	dir := t.TempDir()
	path := addSuite(t, dir, 10, fmt.Sprintf("  kind: llm\n  template: equivalence\n  model: judge-model\n  base_url: %s\n", judge.URL()))
	prices := &runners.Prices{Input: 100, Output: 100} // $0.1 a judge call, $0.002 a model call
	eng, m, p := setup(t, realx.Config{Concurrency: 1, Judges: realx.JudgeConfig{
		Prices: func(model string) *runners.Prices {
			if model == "judge-model" {
				return prices
			}
			return nil
		}}}, model, prices, path, realx.PlanOptions{})
	out, err := eng.Run(context.Background(), []*realx.Plan{p}, realx.Run{Dir: filepath.Join(dir, "run"), Model: m, MaxCost: 0.25})
	require.NoError(t, err)
	assert.Equal(t, realx.StopCost, out.Stop)
	assert.Equal(t, 3, out.Ran, "three samples cost $0.306")
	tokens, cost := eng.Spent()
	assert.Equal(t, 60, tokens.Total, "the model's tokens")
	assert.InDelta(t, 0.306, cost, 1e-9)
}

// TestRunInterruptedPastItsGrace stops a run whose endpoint stalls: no sample starts after the
// interrupt, and once the grace period is over those in flight are recorded as canceled, to
// run again on resume.
func TestRunInterruptedPastItsGrace(t *testing.T) {
	t.Parallel()
	srv := runnertest.NewServer(t)
	var eng *realx.Engine
	srv.Handle(func(r *runnertest.Request) runnertest.Reply {
		rep := adder(r)
		if r.Seq == 3 {
			eng.Interrupt()
		}
		if r.Seq >= 3 {
			rep.Delay = time.Hour
		}
		return rep
	})
	dir := t.TempDir()
	eng, m, p := setup(t, realx.Config{Concurrency: 2, Throttle: runners.ThrottleConfig{Fixed: true},
		Retry: runners.RetryPolicy{MaxAttempts: 1}}, srv, nil, addSuite(t, dir, 10, "  kind: exact\n"), realx.PlanOptions{})
	out, err := eng.Run(context.Background(), []*realx.Plan{p}, realx.Run{Dir: filepath.Join(dir, "run"), Model: m, Grace: 50 * time.Millisecond})
	require.NoError(t, err)
	assert.Equal(t, realx.StopInterrupt, out.Stop)
	canceled := out.Failed[reports.ErrCanceled]
	assert.Positive(t, canceled)
	assert.Equal(t, len(srv.Requests()), out.Ran, "every sample sent is recorded")
	assert.False(t, eng.Interrupt(), "no run is in progress")
}

// TestScorePlan grades predictions in the model's place: a sample without one is an input
// error, never a wrong answer.
func TestScorePlan(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := addSuite(t, dir, 4, "  kind: exact\n")
	predsPath := filepath.Join(dir, "preds.jsonl")
	require.NoError(t, os.WriteFile(predsPath, []byte(`{"id":"q0","response":"7"}`+"\n"+`{"id":"q1","response":"9"}`+"\n"+`{"id":"q9","response":"1"}`+"\n"), 0o644))
	preds, err := realx.ReadPredictions(predsPath, "id", "response")
	require.NoError(t, err)
	eng, _, p := setup(t, realx.Config{}, nil, nil, path, realx.PlanOptions{Predictions: preds})
	assert.Nil(t, p.Agent)
	missing, extra := preds.Missing(p)
	assert.Equal(t, []int{2, 1}, []int{missing, extra})
	out, err := eng.Run(context.Background(), []*realx.Plan{p}, realx.Run{Dir: filepath.Join(dir, "scored"), Label: "published"})
	require.NoError(t, err)
	assert.Equal(t, map[reports.ErrorClass]int{reports.ErrInput: 2}, out.Failed)
	byID := map[string]*reports.Result{}
	for _, r := range records(t, out.Dir) {
		byID[r.ID] = r
	}
	assert.True(t, byID["q0"].Pass)
	assert.False(t, byID["q1"].Pass)
	assert.Nil(t, byID["q1"].Error)
	assert.Contains(t, byID["q2"].Error.Message, `no prediction for sample "q2"`)
	man, err := reports.ReadManifest(out.Dir)
	require.NoError(t, err)
	assert.Equal(t, "published", man.Model.Name)
	assert.Equal(t, preds.Digest, man.Model.PredictionsDigest)
}

// TestJudgeRowsKeepTheirOrder judges rows as many at once as the Engine allows and writes them
// in the order they came, each row's fields first.
func TestJudgeRowsKeepTheirOrder(t *testing.T) {
	t.Parallel()
	judge := runnertest.NewServer(t)
	var inFlight, peak atomic.Int32
	judge.Handle(func(r *runnertest.Request) runnertest.Reply {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		time.Sleep(time.Duration(r.Seq%5) * 5 * time.Millisecond)
		verdict := "No"
		if strings.Contains(r.Last().Text, "alpha") {
			verdict = "Yes"
		}
		return runnertest.Reply{Content: `\boxed{` + verdict + `}`}
	})
	eng, err := realx.New(realx.Config{Concurrency: 5})
	require.NoError(t, err)
	defer eng.Close()
	j, err := eng.NewJudge(nil, tasks.JudgeSpec{Kind: "llm", Template: "equivalence", Model: "j", BaseURL: judge.URL()})
	require.NoError(t, err)
	var in strings.Builder
	var want []string
	for i := range 40 {
		word := []string{"alpha", "omega"}[i%2]
		fmt.Fprintf(&in, `{"n":%d,"prediction":"%s %d","answer":"%d","question":"q%d"}`+"\n", i, word, i, i, i)
		want = append(want, fmt.Sprintf(`{"n":%d,"prediction":"%s %d","answer":"%d","question":"q%d","pass":%v,`, i, word, i, i, i, i%2 == 0))
	}
	in.WriteString("not json\n")
	var out, warn bytes.Buffer
	failed, err := eng.JudgeRows(context.Background(), j, strings.NewReader(in.String()), "rows", &out, &warn)
	require.NoError(t, err)
	assert.Equal(t, 1, failed)
	assert.True(t, strings.HasPrefix(warn.String(), "rows:41: "), warn.String())
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, lines, 41)
	for i, w := range want {
		assert.True(t, strings.HasPrefix(lines[i], w), "%s\n%s", lines[i], w)
	}
	assert.Equal(t, int32(5), peak.Load())
}

// TestRunRefusesADamagedLog refuses to resume over a log with a line it cannot read.
func TestRunRefusesADamagedLog(t *testing.T) {
	t.Parallel()
	srv := runnertest.NewServer(t)
	srv.Handle(adder)
	dir := t.TempDir()
	eng, m, p := setup(t, realx.Config{}, srv, nil, addSuite(t, dir, 3, "  kind: exact\n"), realx.PlanOptions{})
	run := realx.Run{Dir: filepath.Join(dir, "run"), Model: m}
	_, err := eng.Run(context.Background(), []*realx.Plan{p}, run)
	require.NoError(t, err)
	log := filepath.Join(run.Dir, reports.ResultsFile)
	data, err := os.ReadFile(log)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(log, append([]byte("garbage\n"), data...), 0o644))
	_, err = eng.Run(context.Background(), []*realx.Plan{p}, run)
	var damaged *reports.DamagedLogError
	require.True(t, errors.As(err, &damaged), "%v", err)
	assert.Equal(t, 1, damaged.First.Line)
}

func ptr[T any](v T) *T { return &v }
