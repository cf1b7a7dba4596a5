package main

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/reports"
	"github.com/realx-bench/realx/runners/runnertest"
	"github.com/realx-bench/realx/runners/tools/env/tau2"
)

// TestRunTau2 runs the first airline task with the agent and the simulated user on two fake
// endpoints (--user-model, --user-base-url): the user answers the greeting and stops at the
// agent's reply; task 0 needs no write and nothing said, so it passes; the manifest names the
// user's model with the hash of τ2's guidelines. A τ2 suite without --user-model is refused
// before any call.
func TestRunTau2(t *testing.T) {
	t.Parallel()
	agent := runnertest.NewServer(t)
	agent.Handle(func(r *runnertest.Request) runnertest.Reply {
		return runnertest.Reply{Content: "I cannot cancel that reservation."}
	})
	user := runnertest.NewServer(t)
	user.Handle(func(r *runnertest.Request) runnertest.Reply {
		if !strings.Contains(r.Messages[0].Text, "<scenario>") {
			return runnertest.Reply{Content: "no scenario"}
		}
		if len(r.Messages) == 2 {
			return runnertest.Reply{Content: "Please cancel EHGLP3."}
		}
		return runnertest.Reply{Content: "OK. ###STOP###"}
	})
	dir := t.TempDir()
	r := realxCLI(t, nil, "run", "tau2-airline", "--model", "agent-m", "--base-url", agent.URL(), "--out", filepath.Join(dir, "refused"))
	assert.Equal(t, 2, r.code, r.stderr)
	assert.Contains(t, r.stderr, "suite tau2-airline is played with τ2's simulated user: give the model that plays it with --user-model")
	assert.Empty(t, agent.Requests())

	out := filepath.Join(dir, "run")
	r = realxCLI(t, nil, "run", "tau2-airline", "--model", "agent-m", "--base-url", agent.URL(), "--limit", "1",
		"--user-model", "user-m", "--user-base-url", user.URL(), "--out", out)
	require.Equal(t, 0, r.code, r.stderr)
	results := readResults(t, out)
	require.Len(t, results, 1)
	res := results[0]
	require.Nil(t, res.Error)
	assert.True(t, res.Pass, res.Reason)
	assert.Equal(t, "Please cancel EHGLP3.", res.Trajectory.Turns[1].Text)
	assert.Len(t, user.Requests(), 2)

	man, err := reports.ReadManifest(out)
	require.NoError(t, err)
	i := slices.IndexFunc(man.Endpoints, func(e reports.Endpoint) bool { return e.Role == "user" })
	require.GreaterOrEqual(t, i, 0, "%+v", man.Endpoints)
	assert.Equal(t, "user-m", man.Endpoints[i].Model)
	assert.Equal(t, tau2.PromptSHA256(), man.Endpoints[i].Prompt)
	assert.Equal(t, "--user-base-url", man.Endpoints[i].URLFrom)
	// The simulated user is sent at temperature 0, τ2's default.
	assert.Equal(t, 0.0, user.Requests()[0].JSON["temperature"])

	// A rejudge grades the recorded episode again, its database rebuilt from the recorded calls.
	again := filepath.Join(dir, "again")
	r = realxCLI(t, nil, "rejudge", out, "--out", again, "--progress", "none")
	require.Equal(t, 0, r.code, r.stderr)
	rejudged := readResults(t, again)
	require.Len(t, rejudged, 1)
	assert.True(t, rejudged[0].Pass, rejudged[0].Reason)
	assert.Equal(t, res.Reason, rejudged[0].Reason)

	// With the response cache, the user's turns are recorded, and a second run replays them
	// without asking the user's endpoint.
	cache := filepath.Join(dir, "cache.sqlite")
	for i, mode := range []string{"readwrite", "read"} {
		before := len(user.Requests())
		r = realxCLI(t, nil, "run", "tau2-airline", "--model", "agent-m", "--base-url", agent.URL(), "--limit", "1",
			"--user-model", "user-m", "--user-base-url", user.URL(), "--cache", mode, "--cache-path", cache,
			"--out", filepath.Join(dir, "cached", mode))
		require.Equal(t, 0, r.code, r.stderr)
		assert.Equal(t, []int{2, 0}[i], len(user.Requests())-before, mode)
		replayed := readResults(t, filepath.Join(dir, "cached", mode))
		require.Len(t, replayed, 1)
		assert.Equal(t, "Please cancel EHGLP3.", replayed[0].Trajectory.Turns[1].Text, mode)
	}
}
