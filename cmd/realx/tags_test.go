package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/runners/runnertest"
)

// artistSuite declares ARTIST's tags with no Go code: <python>…</python> runs in the sandbox,
// its result comes back in <output>…</output>, and the answer is in <answer>…</answer>.
const artistSuite = `name: aime24-artist
description: AIME 2024 with ARTIST's tags, the model's Python run in the sandbox.
data:
  path: test.jsonl
  fields: {id: id, question: problem, answer: answer, metadata: [url]}
prompt:
  user: "{{.Question}}"
judge: {kind: math}
agent:
  protocol: tags
  tools: [python]
  max_turns: 4
  system: |-
    You are a helpful assistant that can solve math problems with the help of a Python interpreter.
    Reason inside <think> </think>. To run code, write it inside <python> </python>: its output comes back
    inside <output> </output>. Give the final answer inside <answer> </answer>, as \boxed{}.
  tags:
    calls:
      - {open: "<python>", close: "</python>", function: code}
    observation: {open: "<output>\n", close: "\n</output>"}
    answer: {open: "<answer>", close: "</answer>"}
`

var outputRe = regexp.MustCompile(`(?s)<output>\n(.*)\n</output>`)

// TestRunAIMEWithTags runs AIME 2024 (benchmarks/aime24's 30 problems) in a suite that declares
// ARTIST's tag protocol, against the fake endpoint, with the real sandbox: the model writes
// <python> code (the request stopping at </python>), the sandbox runs it, its printed result
// comes back in <output>, and the model answers with what it read there. Every problem passes
// only if each result made the round trip.
func TestRunAIMEWithTags(t *testing.T) {
	needSandbox(t)
	dir := t.TempDir()
	data, err := os.ReadFile(repoFile("benchmarks", "aime24", "test.jsonl"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "test.jsonl"), data, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "suite.yaml"), []byte(artistSuite), 0o644))
	answers := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var rec struct{ Problem, Answer string }
		require.NoError(t, json.Unmarshal(sc.Bytes(), &rec))
		answers[rec.Problem] = rec.Answer
	}
	require.Len(t, answers, 30)

	srv := runnertest.NewServer(t)
	srv.Handle(func(r *runnertest.Request) runnertest.Reply {
		last := r.Last()
		if m := outputRe.FindStringSubmatch(last.Text); m != nil {
			return runnertest.Reply{Content: "<think>The code printed it.</think>\n<answer>\\boxed{" + strings.TrimSpace(m[1]) + "}</answer>"}
		}
		gold, ok := answers[last.Text]
		if !ok {
			return runnertest.Reply{Status: 400}
		}
		// The server stops at </python>, which it leaves out.
		return runnertest.Reply{Content: fmt.Sprintf("<think>Let me compute.</think>\n<python>\nx = %s\nprint(x %% 1000)\n", strings.TrimLeft(gold, "0")+"+0")}
	})
	out := filepath.Join(dir, "run")
	r := realxCLI(t, nil, "run", filepath.Join(dir, "suite.yaml"), "--model", "fake", "--base-url", srv.URL(), "--out", out,
		"--progress", "none", "--concurrency", "4")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "30/30", "every problem passes")

	reqs := srv.Requests()
	require.Len(t, reqs, 60)
	first := reqs[0]
	assert.Equal(t, []any{"</python>"}, first.JSON["stop"])
	assert.Contains(t, first.Messages[0].Text, "inside <python> </python>")
	var second *runnertest.Request
	for _, q := range reqs {
		if len(q.Messages) == 4 {
			second = q
			break
		}
	}
	require.NotNil(t, second)
	assert.True(t, strings.HasSuffix(second.Messages[2].Text, "print(x % 1000)\n</python>"), "the close tag is put back: %q", second.Messages[2].Text)
	assert.Equal(t, "user", second.Messages[3].Role)
	assert.Regexp(t, `^<output>\n\d+\n</output>$`, second.Messages[3].Text)

	results, err := os.ReadFile(filepath.Join(out, "results.jsonl"))
	require.NoError(t, err)
	assert.Equal(t, 30, strings.Count(string(results), `"name":"code"`), "each sample ran its code once")
	assert.Equal(t, 30, strings.Count(string(results), `"pass":true`))
}
