package realx_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx"
	"github.com/realx-bench/realx/judges"
	"github.com/realx-bench/realx/reports"
	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/runnertest"
	"github.com/realx-bench/realx/runners/tools/env/tau2"
	"github.com/realx-bench/realx/tasks"
)

// tau2User is a scripted τ2 user: it answers the greeting with the task and repeat it plays,
// and ends the conversation at the agent's first reply.
type tau2User struct{ opener string }

func (u *tau2User) Open(context.Context) (string, *runners.UserTurn, error) {
	return tau2.Greeting, &runners.UserTurn{Parts: []runners.Part{{Text: u.opener}}}, nil
}

func (u *tau2User) Next(context.Context, []runners.Message) (*runners.UserTurn, error) {
	return nil, nil
}

// tau2Agent plays a τ2 agent under native function calling: it makes the gold calls of the
// task the user names ("task airline-3 repeat 0"), one a turn, then tells the user the task's
// communicate_info — save where fail says it errs: "write" (a gold write made with a different
// argument: one more paid bag, another reason to cancel) or "say" (nothing communicated).
func tau2Agent(t *testing.T, ts map[string]tau2.Task, fail map[string]string) func(r *runnertest.Request) runnertest.Reply {
	return func(r *runnertest.Request) runnertest.Reply {
		var id string
		var repeat int
		for _, m := range r.Messages {
			if m.Role == "user" {
				if _, err := fmt.Sscanf(m.Text, "task %s repeat %d", &id, &repeat); err == nil {
					break
				}
			}
		}
		task, ok := ts[id]
		if !ok {
			return runnertest.Reply{Content: "which task?"}
		}
		results := 0
		for _, m := range r.Messages {
			if m.Role == "tool" {
				results++
			}
		}
		how := fail[fmt.Sprintf("%s/%d", id, repeat)]
		if results < len(task.Criteria.Actions) {
			a := task.Criteria.Actions[results]
			args := string(a.Arguments)
			if how == "write" && (a.Name == "update_reservation_baggages" || a.Name == "cancel_pending_order") {
				var m map[string]any
				require.NoError(t, json.Unmarshal(a.Arguments, &m))
				if a.Name == "cancel_pending_order" {
					m["reason"] = "ordered by mistake"
				} else {
					m["nonfree_baggages"] = m["nonfree_baggages"].(float64) + 1
				}
				b, _ := json.Marshal(m)
				args = string(b)
			}
			return runnertest.Reply{ToolCalls: []runners.ToolCall{{ID: fmt.Sprintf("c%d", results), Name: a.Name, Arguments: args}}}
		}
		if how == "say" {
			return runnertest.Reply{Content: "Done. Anything else?"}
		}
		return runnertest.Reply{Content: "Done: " + strings.Join(task.Criteria.CommunicateInfo, " and ") + "."}
	}
}

// TestTau2 runs four airline and two retail tasks of the shipped tau2-airline and tau2-retail
// suites end to end, three repeats each, with a scripted agent against the fake endpoint and a
// scripted user: the gold actions (with the communicate_info said) score 1; a wrong write scores
// 0 (the database differs), and so does a missing communicate_info where the task's
// reward_basis has COMMUNICATE; pass^k over the repeats is the hand-computed mean of
// C(c,k)/C(n,k). The suites' judge (environment) grades each Episode.
func TestTau2(t *testing.T) {
	t.Parallel()
	ts := map[string]tau2.Task{}
	for _, domain := range []string{"airline", "retail"} {
		d, _ := tau2.Lookup(domain)
		all, err := tau2.ParseTasks(d.Tasks())
		require.NoError(t, err)
		for _, task := range all {
			ts[domain+"-"+task.ID] = task
		}
	}
	ids := map[string][]string{"airline": {"3", "11", "12", "14"}, "retail": {"69", "81"}}
	fail := map[string]string{"airline-11/1": "say", "airline-12/2": "write", "retail-81/1": "write"}

	srv := runnertest.NewServer(t)
	srv.Handle(tau2Agent(t, ts, fail))
	dir := t.TempDir()
	eng, m, airline := setup(t, realx.Config{Concurrency: 2}, srv, nil, "benchmarks/tau2-airline/suite.yaml", realx.PlanOptions{})
	client, err := eng.Connect(m)
	require.NoError(t, err)
	s, ds, err := realx.LoadSuite("benchmarks/tau2-retail/suite.yaml")
	require.NoError(t, err)
	retail, err := eng.NewPlan(s, ds, realx.PlanOptions{Model: client})
	require.NoError(t, err)
	for domain, p := range map[string]*realx.Plan{"airline": airline, "retail": retail} {
		p.Samples = slices.DeleteFunc(p.Samples, func(s tasks.Sample) bool { return !slices.Contains(ids[domain], s.ID) })
		require.Len(t, p.Samples, len(ids[domain]))
		p.Users = func(s *tasks.Sample, repeat int) (runners.UserSource, []string, error) {
			return &tau2User{opener: fmt.Sprintf("task %s-%s repeat %d", domain, s.ID, repeat)}, nil, nil
		}
	}
	run := realx.Run{Dir: filepath.Join(dir, "run"), Model: m, Repeats: 3}
	out, err := eng.Run(context.Background(), []*realx.Plan{airline, retail}, run)
	require.NoError(t, err)
	assert.Equal(t, 18, out.Ran)

	rp, err := reports.NewRepeats("", []int{1, 2, 3})
	require.NoError(t, err)
	for _, r := range records(t, run.Dir) {
		domain := strings.TrimPrefix(r.Suite, "tau2-")
		key := fmt.Sprintf("%s-%s/%d", domain, r.ID, r.Repeat)
		require.Nil(t, r.Error, "%s: %+v", key, r.Error)
		assert.Equal(t, fail[key] == "", r.Pass, "%s: %s", key, r.Reason)
		assert.Equal(t, map[bool]float64{true: 1}[r.Pass], r.Score, key)
		assert.Equal(t, "environment:"+r.Suite, r.Step)
		switch fail[key] {
		case "write":
			assert.Contains(t, r.Reason, "is not the gold actions'", key)
		case "say":
			assert.Contains(t, r.Reason, `"5244" was not communicated`, key)
		}
		if domain == "retail" {
			// Retail 69 and 81 have NL_ASSERTION in their basis and no assertions: the
			// component is 1 with no judge asked (the suite's judge has no key here).
			assert.Contains(t, r.Reason, "NL_ASSERTION 1", key)
		}
		turns := r.Trajectory.Turns
		require.GreaterOrEqual(t, len(turns), 3)
		assert.Equal(t, runners.RoleAssistant, turns[0].Role)
		assert.Equal(t, tau2.Greeting, turns[0].Text, "the conversation opens with the agent's greeting")
		assert.Equal(t, fmt.Sprintf("task %s-%s repeat %d", domain, r.ID, r.Repeat), turns[1].Text)
		assert.Len(t, r.Trajectory.Episode.Calls, len(ts[domain+"-"+r.ID].Criteria.Actions))
		rp.Add("run", r)
	}
	// Airline 3 and 14 and retail 69 pass 3 of 3; airline 11 and 12 and retail 81 pass 2 of
	// 3: pass^1 = (3 + 3 × 2/3)/6, pass^2 = (3 + 3 × C(2,2)/C(3,2))/6 = (3 + 1)/6, pass^3 =
	// (3 + 0)/6.
	tab := rp.Table()
	got := tab.Rows[len(tab.Rows)-1].PassHat
	require.Len(t, got, 3)
	for k, want := range []float64{100 * 5.0 / 6, 100 * 4.0 / 6, 50} {
		assert.InDelta(t, want, got[k].Value, 1e-9, "pass^%d", k+1)
	}
	var buf strings.Builder
	require.NoError(t, reports.Write(&buf, tab, "csv", 2))
	assert.Contains(t, buf.String(), "pass^2,pass^3")
	// Per repeat 6/6, 4/6, 5/6 (mean 83.33, sample std 16.67); pass@1..3; pass^2, pass^3.
	assert.Contains(t, buf.String(), "overall,run,6,3,83.3333,16.6667,83.3333,100.0000,100.0000,66.6667,50.0000,")
}

// TestTau2SimulatedUser plays one airline task with τ2's user simulated by a model on its own
// fake endpoint (Engine.ConnectUser): the user answers the greeting and stops with ###STOP###
// after the agent's reply; its turns are in the trajectory, and the manifest names the user's
// model with the hash of τ2's guidelines.
func TestTau2SimulatedUser(t *testing.T) {
	t.Parallel()
	d, _ := tau2.Lookup("airline")
	all, err := tau2.ParseTasks(d.Tasks())
	require.NoError(t, err)
	ts := map[string]tau2.Task{"3": all[slices.IndexFunc(all, func(x tau2.Task) bool { return x.ID == "3" })]}
	agent := runnertest.NewServer(t)
	agent.Handle(tau2Agent(t, ts, nil))
	user := runnertest.NewServer(t)
	user.Handle(func(r *runnertest.Request) runnertest.Reply {
		if !strings.Contains(r.Messages[0].Text, "<scenario>") || r.Messages[0].Role != "system" {
			return runnertest.Reply{Content: "no scenario"}
		}
		if len(r.Messages) == 2 {
			return runnertest.Reply{Content: "task 3 repeat 0"} // the answer to the greeting
		}
		return runnertest.Reply{Content: "Thank you. ###STOP###"}
	})
	dir := t.TempDir()
	um := &realx.Model{Label: "sim", Endpoint: runners.Endpoint{BaseURL: user.URL(), Model: "sim-user"}}
	eng, err := realx.New(realx.Config{Concurrency: 1})
	require.NoError(t, err)
	t.Cleanup(func() { eng.Close() })
	m := &realx.Model{Label: "m", Endpoint: runners.Endpoint{BaseURL: agent.URL(), Model: "m"}}
	client, err := eng.Connect(m)
	require.NoError(t, err)
	uclient, err := eng.ConnectUser(um)
	require.NoError(t, err)
	s, ds, err := realx.LoadSuite("benchmarks/tau2-airline/suite.yaml")
	require.NoError(t, err)
	ep := realx.UserEndpoint(um, s.Name, tau2.PromptSHA256())
	p, err := eng.NewPlan(s, ds, realx.PlanOptions{Model: client, Users: tau2.Users(uclient, tasks.Generation{}), UserEndpoint: &ep})
	require.NoError(t, err)
	p.Samples = slices.DeleteFunc(p.Samples, func(s tasks.Sample) bool { return s.ID != "3" })
	run := realx.Run{Dir: filepath.Join(dir, "run"), Model: m}
	_, err = eng.Run(context.Background(), []*realx.Plan{p}, run)
	require.NoError(t, err)
	recs := records(t, run.Dir)
	require.Len(t, recs, 1)
	r := recs[0]
	require.Nil(t, r.Error)
	assert.True(t, r.Pass, r.Reason)
	var users []string
	for _, turn := range r.Trajectory.Turns {
		if turn.Role == runners.RoleUser {
			users = append(users, turn.Text)
		}
	}
	assert.Equal(t, []string{"task 3 repeat 0"}, users, "the stop message ends the conversation unsent")

	man, err := reports.ReadManifest(run.Dir)
	require.NoError(t, err)
	i := slices.IndexFunc(man.Endpoints, func(e reports.Endpoint) bool { return e.Role == "user" })
	require.GreaterOrEqual(t, i, 0, "%+v", man.Endpoints)
	assert.Equal(t, "sim-user", man.Endpoints[i].Model)
	assert.Equal(t, tau2.PromptSHA256(), man.Endpoints[i].Prompt)
	assert.Equal(t, "tau2-airline", man.Endpoints[i].Suite)
}

// TestTau2NLAssertions runs retail tasks 2 and 3 (DB and NL_ASSERTION, with assertions) and
// 69 (NL_ASSERTION without assertions) of the shipped tau2-retail suite with the gold actions,
// its NL judge on a fake endpoint named by the judge override (--judge-model,
// --judge-base-url): the judge is asked once for each task with assertions, with τ2's system
// text and the conversation, and finds task 2's met (reward 1) and task 3's not (reward 0,
// though the database matches); task 69 passes without a call. Then without a judge endpoint
// (the suite's openai:gpt-4.1-2025-04-14, its key variable empty) tasks 2 and 3 are judge
// errors naming the flags — ungraded, 1 of 3 graded — and task 69 still passes.
func TestTau2NLAssertions(t *testing.T) {
	t.Parallel()
	d, _ := tau2.Lookup("retail")
	all, err := tau2.ParseTasks(d.Tasks())
	require.NoError(t, err)
	ts := map[string]tau2.Task{}
	for _, task := range all {
		ts["retail-"+task.ID] = task
	}
	ids := []string{"2", "3", "69"}
	srv := runnertest.NewServer(t)
	srv.Handle(tau2Agent(t, ts, nil))
	judge := runnertest.NewServer(t)
	judge.Handle(func(r *runnertest.Request) runnertest.Reply {
		if len(r.Messages) != 2 || r.Messages[0].Role != "system" || !strings.Contains(r.Messages[0].Text, "metExpectation") {
			return runnertest.Reply{Content: "not τ2's prompt"}
		}
		met := !strings.Contains(r.Messages[1].Text, "user: task retail-3 repeat 0")
		return runnertest.Reply{Content: fmt.Sprintf(`{"results": [{"expectedOutcome": "x", "reasoning": "r", "metExpectation": %t}]}`, met)}
	})
	run := func(jc realx.JudgeConfig) (string, map[string]*reports.Result, *realx.Outcome) {
		t.Helper()
		jc.Getenv = func(string) string { return "" }
		eng, m, p := setup(t, realx.Config{Concurrency: 2, Judges: jc}, srv, nil, "benchmarks/tau2-retail/suite.yaml", realx.PlanOptions{})
		p.Samples = slices.DeleteFunc(p.Samples, func(s tasks.Sample) bool { return !slices.Contains(ids, s.ID) })
		require.Len(t, p.Samples, len(ids))
		p.Users = func(s *tasks.Sample, repeat int) (runners.UserSource, []string, error) {
			return &tau2User{opener: fmt.Sprintf("task retail-%s repeat %d", s.ID, repeat)}, nil, nil
		}
		r := realx.Run{Dir: filepath.Join(t.TempDir(), "run"), Model: m}
		out, err := eng.Run(context.Background(), []*realx.Plan{p}, r)
		require.NoError(t, err)
		recs := map[string]*reports.Result{}
		for _, rec := range records(t, r.Dir) {
			recs[rec.ID] = rec
		}
		return r.Dir, recs, out
	}

	_, recs, _ := run(realx.JudgeConfig{Override: judges.Override{Model: "nl-judge", BaseURL: judge.URL()}})
	for id, pass := range map[string]bool{"2": true, "3": false, "69": true} {
		r := recs[id]
		require.NotNil(t, r, id)
		require.Nil(t, r.Error, "%s: %+v", id, r.Error)
		assert.Equal(t, pass, r.Pass, "%s: %s", id, r.Reason)
	}
	assert.Contains(t, recs["2"].Reason, "reward 1 (DB 1, NL_ASSERTION 1)")
	assert.Contains(t, recs["3"].Reason, "reward 0 (DB 1, NL_ASSERTION 0): NL assertion not met")
	asked := judge.Requests()
	require.Len(t, asked, 2, "one call per task with assertions")
	for _, r := range asked {
		assert.Equal(t, "nl-judge", r.Model)
		assert.Equal(t, 0.0, r.JSON["temperature"])
		assert.Contains(t, r.Messages[1].Text, "assistant: "+tau2.Greeting+"\nuser: task retail-")
		assert.Contains(t, r.Messages[1].Text, "expectedOutcomes:\n        ['")
	}

	dir, recs, out := run(realx.JudgeConfig{})
	assert.Equal(t, 2, out.Failed[reports.ErrJudge])
	for _, id := range []string{"2", "3"} {
		r := recs[id]
		require.NotNil(t, r.Error, id)
		assert.Equal(t, reports.ErrJudge, r.Error.Class)
		assert.Contains(t, r.Error.Message, "OPENAI_API_KEY is empty")
		assert.Contains(t, r.Error.Message, "--judge-base-url")
		assert.False(t, r.Graded())
	}
	assert.True(t, recs["69"].Pass, recs["69"].Reason)
	assert.Len(t, judge.Requests(), 2, "no call without an endpoint")

	man, err := reports.ReadManifest(dir)
	require.NoError(t, err)
	acc, err := reports.NewAccuracy("")
	require.NoError(t, err)
	acc.AddRun("run")
	acc.Expect("run", reports.ExpectedOf(man))
	for _, r := range recs {
		acc.Add("run", r)
	}
	cell := acc.Table().Overall.Cells[0]
	assert.Equal(t, 1, cell.Graded)
	assert.Equal(t, 3, cell.Expected)
}
