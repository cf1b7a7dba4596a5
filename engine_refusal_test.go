package realx_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx"
	"github.com/realx-bench/realx/judges"
	"github.com/realx-bench/realx/reports"
	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/runnertest"
	"github.com/realx-bench/realx/tasks"
)

// TestRunRecordsARefusal runs a suite whose model, on one question, answers with the refusal
// stream gpt-4o sent (runnertest.RefusalStream). Its record keeps the refusal (in the record
// and in the trajectory's last turn), with no output, graded wrong with reason refusal and no
// error: the model's failure, never the infrastructure's; the judge report counts it. The
// refusal is cached like any answer (a second run asks nobody), and a rejudge with another
// judge grades it as a refusal again, without asking that judge.
func TestRunRecordsARefusal(t *testing.T) {
	t.Parallel()
	srv := runnertest.NewServer(t)
	srv.Handle(func(r *runnertest.Request) runnertest.Reply {
		if r.Last().Text == "q2: what is 2 plus 7?" {
			return runnertest.RefusalStream(runnertest.RefusalDeltas...)
		}
		return adder(r)
	})
	dir := t.TempDir()
	cache, err := runners.OpenCache(filepath.Join(dir, "cache.db"))
	require.NoError(t, err)
	eng, m, p := setup(t, realx.Config{Concurrency: 2}, srv, nil, addSuite(t, dir, 4, "  kind: exact\n"),
		realx.PlanOptions{Generation: tasks.Generation{Stream: ptr(true)}})
	eng.UseCache(cache, runners.CacheReadWrite)

	run := realx.Run{Dir: filepath.Join(dir, "run"), Model: m}
	out, err := eng.Run(context.Background(), []*realx.Plan{p}, run)
	require.NoError(t, err)
	assert.Equal(t, 4, out.Ran)
	assert.Empty(t, out.Failed, "a refusal is no failure of the run")
	byID := map[string]*reports.Result{}
	for _, r := range records(t, run.Dir) {
		byID[r.ID] = r
	}
	r := byID["q2"]
	require.NotNil(t, r)
	assert.Nil(t, r.Error)
	assert.True(t, r.Graded())
	assert.Equal(t, runnertest.Refusal, r.Refusal)
	assert.Empty(t, r.Output)
	assert.False(t, r.Pass)
	assert.Zero(t, r.Score)
	assert.Equal(t, judges.ReasonRefusal, r.Reason)
	assert.Equal(t, p.JudgeID(), r.JudgeID)
	assert.Equal(t, runners.StopRefusal, r.Stop)
	require.NotNil(t, r.Trajectory)
	turns := r.Trajectory.Turns
	assert.Equal(t, runnertest.Refusal, turns[len(turns)-1].Refusal)
	assert.Equal(t, runners.Usage{Prompt: 17, Completion: 12, Total: 29}, r.Tokens)
	assert.True(t, byID["q0"].Pass)
	assert.Empty(t, byID["q0"].Refusal)

	js := reports.NewJudgeStats()
	for _, r := range byID {
		js.Add("run", r)
	}
	tab := js.Table()
	require.Len(t, tab.Runs, 1)
	assert.Equal(t, 1, tab.Runs[0].Refusals)
	assert.Equal(t, []reports.StepCount{{Step: "exact", Samples: 3, Passes: 2}}, tab.Runs[0].Steps)

	// The refusal is answered from the cache.
	asked := len(srv.Requests())
	again := realx.Run{Dir: filepath.Join(dir, "again"), Model: m}
	_, err = eng.Run(context.Background(), []*realx.Plan{p}, again)
	require.NoError(t, err)
	assert.Len(t, srv.Requests(), asked, "every answer, the refusal too, comes from the cache")
	for _, r := range records(t, again.Dir) {
		if r.ID == "q2" {
			assert.Equal(t, runnertest.Refusal, r.Refusal)
			assert.Equal(t, judges.ReasonRefusal, r.Reason)
		}
	}

	// A rejudge grades it as a refusal again, under the new judge.
	contains := tasks.JudgeSpec{Kind: judges.KindContains}
	rj, err := eng.Rejudge(context.Background(), realx.Rejudge{Src: run.Dir, Judge: &contains})
	require.NoError(t, err)
	for _, r := range records(t, rj.Out) {
		if r.ID == "q2" {
			assert.Equal(t, runnertest.Refusal, r.Refusal)
			assert.Equal(t, judges.ReasonRefusal, r.Reason)
			assert.Equal(t, judges.ID(contains), r.JudgeID)
			assert.False(t, r.Pass)
			assert.Nil(t, r.Error)
		}
	}
}
