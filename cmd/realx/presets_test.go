package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/runners/runnertest"
)

// TestRunWithAPreset: --model NAME --base-url URL is all a seed model needs to run in the
// protocol it was trained on, whatever the suite names (here none); --protocol still wins.
func TestRunWithAPreset(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "data.jsonl", arithData)
	suite := writeFile(t, dir, "suite.yaml", "name: arith\ndata: {path: data.jsonl}\njudge: {kind: math}\n")
	model := runnertest.NewServer(t)
	model.Handle(func(r *runnertest.Request) runnertest.Reply { return runnertest.Reply{Content: "<answer>4</answer>"} })

	r := realxCLI(t, nil, "run", suite, "--model", "deepeyes-7b", "--base-url", model.URL(), "--out", filepath.Join(dir, "de"), "--progress", "none", "--limit", "1")
	require.Equal(t, 0, r.code, r.stderr)
	req := model.Requests()[0]
	assert.Equal(t, "ChenShawn/DeepEyes-7B", req.Model)
	require.Equal(t, "system", req.Messages[0].Role)
	assert.Contains(t, req.Messages[0].Text, "image_zoom_in_tool", "DeepEyes' protocol and its tool")
	assert.FileExists(t, filepath.Join(dir, "de", "results.jsonl"))

	r = realxCLI(t, nil, "run", suite, "--model", "deepeyes-7b", "--base-url", model.URL(), "--protocol", "native", "--out", filepath.Join(dir, "native"), "--progress", "none", "--limit", "1")
	require.Equal(t, 0, r.code, r.stderr)
	last := model.Requests()[len(model.Requests())-1]
	assert.False(t, strings.Contains(last.Messages[0].Text, "image_zoom_in_tool"), "--protocol wins over the preset's")
}
