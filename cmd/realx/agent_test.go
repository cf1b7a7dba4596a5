package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	_ "image/jpeg" // the test suite's photo
	_ "image/png"  // the crops
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/reports"
	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/runnertest"
	"github.com/realx-bench/realx/runners/tools/python"
	"github.com/realx-bench/realx/tasks"
)

// agentSuite is the one-sample agentic suite of the tests: V*'s NBA photo at 560×420.
var agentSuite = filepath.Join("testdata", "agent", "suite.yaml")

// needSandbox skips the test when the Python sandbox cannot run here, or fails it then when
// REALX_REQUIRE_SANDBOX=1.
func needSandbox(t *testing.T) {
	t.Helper()
	if _, err := python.New(python.Config{}); err != nil {
		if os.Getenv("REALX_REQUIRE_SANDBOX") == "1" {
			t.Fatalf("REALX_REQUIRE_SANDBOX=1 but the Python sandbox cannot run: %v", err)
		}
		t.Skipf("skipping: the Python sandbox needs bwrap and /usr/bin/python3 with PIL: %v", err)
	}
}

// imageSize decodes an image sent as a data URL.
func imageSize(t *testing.T, url string) (string, int, int) {
	t.Helper()
	meta, data, ok := strings.Cut(strings.TrimPrefix(url, "data:"), ";base64,")
	require.True(t, ok, "not a base64 data URL")
	b, err := base64.StdEncoding.DecodeString(data)
	require.NoError(t, err)
	cfg, _, err := image.DecodeConfig(bytes.NewReader(b))
	require.NoError(t, err)
	return meta, cfg.Width, cfg.Height
}

// TestRunDeepEyesV2Trajectory runs the agent suite through `realx run` with the real sandbox in
// DeepEyesV2's mode: DeepEyesV2 crops image_1 in Python (the server stopping at </code>), shows
// it with plt.show(), gets it back as a JPEG, and answers. results.jsonl holds the trajectory with images by hash, blobs/ holds
// the images, and `realx report --table tools` shows the code call.
func TestRunDeepEyesV2Trajectory(t *testing.T) {
	needSandbox(t)
	srv := runnertest.NewServer(t)
	crop := "<think>The shooter is on the right; let me zoom in on his jersey.</think>\n<code>\n```python\ncrop = image_1.crop((280, 0, 560, 210))\ncrop = crop.resize((560, 420))\nprint(crop.size)\nplt.imshow(crop)\nplt.axis('off')\nplt.show()\n```"
	srv.Script(
		runnertest.Reply{Content: crop, FinishReason: "stop"},
		runnertest.Reply{Content: "<think>The jersey reads 8.</think>\n<answer>8</answer>"},
	)
	dir := filepath.Join(t.TempDir(), "run")
	r := realxCLI(t, nil, "run", agentSuite, "--model", "fake-model", "--base-url", srv.URL(), "--out", dir, "--progress", "none")
	require.Equal(t, 0, r.code, r.stderr)

	reqs := srv.Requests()
	require.Len(t, reqs, 2)
	first := reqs[0]
	require.Len(t, first.Messages, 2)
	assert.Equal(t, "system", first.Messages[0].Role)
	assert.Contains(t, first.Messages[0].Text, "<code>\n```python\n# python code here\n```\n</code>")
	require.Equal(t, 1, first.Messages[1].Images)
	mime, w, h := imageSize(t, first.Messages[1].ImageURLs[0])
	assert.Equal(t, []any{"image/jpeg", 560, 420}, []any{mime, w, h})
	assert.True(t, strings.HasPrefix(first.Messages[1].Text, "Tell me the number of that player who is shooting.\n\nYou must put your answer inside <answer> </answer> tags"))
	assert.Equal(t, []any{"</code>", "<|im_end|>"}, first.JSON["stop"])
	assert.Equal(t, 0.0, first.JSON["temperature"], "DeepEyesV2's temperature; the suite's max_tokens stands over its 20480")

	second := reqs[1]
	require.Len(t, second.Messages, 4)
	assert.Equal(t, crop+"</code>", second.Messages[2].Text)
	obs := second.Messages[3]
	assert.Equal(t, "user", obs.Role)
	assert.Equal(t, "Code execution result:\nstdout:\n```\n(560, 420)\n\n```\n\nstderr:\n```\n\n```\n\nImages:\n", obs.Text)
	require.Equal(t, 1, obs.Images)
	mime, w, h = imageSize(t, obs.ImageURLs[0])
	assert.Equal(t, "image/jpeg", mime, "the figure comes back as DeepEyesV2's client sent it")
	assert.Zero(t, w%28+h%28, "resized with smart_resize: %d×%d", w, h)

	results := readResults(t, dir)
	require.Len(t, results, 1)
	res := results[0]
	require.Nil(t, res.Error)
	assert.True(t, res.Pass, res.Extracted)
	assert.Equal(t, runners.StopAnswer, res.Stop)
	tr := res.Trajectory
	require.NotNil(t, tr)
	require.Len(t, tr.Turns, 4)
	calls := tr.Turns[1].Calls
	require.Len(t, calls, 1)
	assert.Equal(t, "code", calls[0].Name)
	assert.Equal(t, "crop", calls[0].Kind)
	require.Len(t, calls[0].Images, 1)
	for _, h := range []string{tr.Turns[0].Images[0], calls[0].Images[0]} {
		assert.FileExists(t, filepath.Join(dir, reports.BlobsDir, h))
	}
	assert.Equal(t, calls[0].Images, tr.Turns[2].Images)
	log, err := os.ReadFile(filepath.Join(dir, reports.ResultsFile))
	require.NoError(t, err)
	assert.NotContains(t, string(log), "base64", "no image data in the results log")
	assert.Less(t, len(log), 16<<10)

	m, err := reports.ReadManifest(dir)
	require.NoError(t, err)
	assert.Equal(t, "deepeyesv2", m.Suites[0].Agent.Protocol)

	rep := realxCLI(t, nil, "report", dir, "--table", "tools")
	require.Equal(t, 0, rep.code, rep.stderr)
	assert.Regexp(t, `│ \S+ +│ code +│ +1 │ +1\.00 │`, rep.stdout, "each tool's calls")
	assert.Contains(t, rep.stdout, "│ code:crop │", "the sequence of calls")
	assert.Regexp(t, `overall\s+│\s+\S+\s+│\s+1/1\s+│\s+100\.0\s+│\s+1\.00\s`, rep.stdout)
}

// TestRunDeepEyesFlags runs the suite as DeepEyes by flags (its zoom tool is the protocol's
// default) with a turn budget the model outruns: the budget's stop is recorded and the tools
// report counts it.
func TestRunDeepEyesFlags(t *testing.T) {
	srv := runnertest.NewServer(t)
	srv.Handle(func(*runnertest.Request) runnertest.Reply {
		return runnertest.Reply{Content: "<think>Closer.</think>\n<tool_call>\n{\"name\": \"image_zoom_in_tool\", \"arguments\": {\"bbox_2d\": [280, 0, 560, 210]}}\n</tool_call>"}
	})
	dir := filepath.Join(t.TempDir(), "run")
	r := realxCLI(t, nil, "run", agentSuite, "--model", "m", "--base-url", srv.URL(), "--out", dir, "--progress", "none",
		"--protocol", "deepeyes", "--max-turns", "3")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "protocol deepeyes cannot carry the suite's tools (python); it gets image_zoom_in_tool")
	reqs := srv.Requests()
	require.Len(t, reqs, 3)
	assert.True(t, strings.HasPrefix(reqs[0].Messages[0].Text, "You are a helpful assistant.\n\n# Tools"))
	last := reqs[2].Last()
	assert.Equal(t, "<tool_response>\nThink first, call **image_zoom_in_tool** if needed, then answer. Format strictly as:  <think>...</think>  <tool_call>...</tool_call> (if tools needed)  <answer>...</answer> </tool_response>", last.Text)
	require.Equal(t, 1, last.Images)
	mime, w, h := imageSize(t, last.ImageURLs[0])
	assert.Equal(t, []any{"image/png", 280, 224}, []any{mime, w, h}, "the crop is smart_resized: 210 rounds to 224")

	results := readResults(t, dir)
	require.Len(t, results, 1)
	assert.Equal(t, runners.StopMaxTurns, results[0].Stop)
	assert.Nil(t, results[0].Error, "a budget stop is graded")
	assert.False(t, results[0].Pass)

	rep := realxCLI(t, nil, "report", dir, "--table", "tools", "--format", "json")
	require.Equal(t, 0, rep.code, rep.stderr)
	var table reports.ToolTable
	require.NoError(t, json.Unmarshal([]byte(rep.stdout), &table))
	overall := table.Rows[len(table.Rows)-1]
	assert.Equal(t, 1, overall.BudgetStops)
	assert.Equal(t, 2, overall.Calls)
	assert.Equal(t, 3, overall.Turns)
	assert.Equal(t, map[string]int{"image_zoom_in_tool": 2}, overall.PerTool)
}

// TestRunWithoutTheAgent runs the agent suite in a single turn with --protocol "" and
// --protocol none, and a suite of its own that says protocol: none, as docs/agents.md has it.
func TestRunWithoutTheAgent(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "data.jsonl", `{"id":"1","question":"Tell me the number of that player who is shooting.","answer":"8"}`+"\n")
	none := writeFile(t, dir, "none.yaml", "name: s\ndata:\n  path: data.jsonl\njudge:\n  kind: em\nagent:\n  protocol: none\n  max_turns: 3\n")
	r := realxCLI(t, nil, "validate", none)
	require.Equal(t, 0, r.code, r.stderr)
	for i, args := range [][]string{{agentSuite, "--protocol", ""}, {agentSuite, "--protocol", "none"}, {none}} {
		srv := runnertest.NewServer(t)
		srv.Script(runnertest.Reply{Content: "It is 8."})
		out := filepath.Join(dir, fmt.Sprint("run", i))
		r := realxCLI(t, nil, append([]string{"run", "--model", "m", "--base-url", srv.URL(), "--out", out, "--progress", "none"}, args...)...)
		require.Equal(t, 0, r.code, "%v: %s", args, r.stderr)
		reqs := srv.Requests()
		require.Len(t, reqs, 1)
		assert.Equal(t, []string{"user"}, []string{reqs[0].Messages[0].Role})
		assert.Equal(t, "Tell me the number of that player who is shooting.", reqs[0].Messages[0].Text)
		assert.Nil(t, reqs[0].JSON["tools"], "no tools are offered")
		res := readResults(t, out)
		require.Len(t, res, 1)
		assert.Equal(t, runners.StopAnswer, res[0].Stop)
		m, err := reports.ReadManifest(out)
		require.NoError(t, err)
		assert.Equal(t, "", m.Suites[0].Agent.Protocol, "none is no protocol")
		assert.Empty(t, m.Suites[0].Agent.Tools)
	}
	// Tools still need a protocol.
	tools := writeFile(t, dir, "tools.yaml", "name: s\ndata:\n  path: data.jsonl\njudge:\n  kind: em\nagent:\n  protocol: none\n  tools: [python]\n")
	r = realxCLI(t, nil, "validate", tools)
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, `tool "python" needs an agent protocol`)
}

// TestRunAgentConfigErrors stops the run with exit 2, before any model call, for each mistake
// in the agent block or the agent flags.
func TestRunAgentConfigErrors(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "data.jsonl", `{"id":"1","question":"q","answer":"1"}`+"\n")
	suite := func(agent string) string {
		return writeFile(t, dir, fmt.Sprintf("s%d.yaml", len(agent)), "name: s\ndata:\n  path: data.jsonl\njudge:\n  kind: em\nagent:\n"+agent)
	}
	cases := []struct {
		name  string
		args  []string
		wants []string
	}{
		{"unknown protocol", []string{suite("  protocol: react\n")}, []string{`:7:13: unknown protocol "react": the protocols are deepeyes, deepeyesv2, hermes, native, pythonic, r1v4`}},
		{"unknown tool", []string{suite("  protocol: hermes\n  tools: [python, browser, code]\n")}, []string{
			`:8:19: unknown tool "browser"`, `:8:28: unknown tool "code": the Python tool is listed as "python"`}},
		{"not carried", []string{suite("  protocol: deepeyes\n  tools: [python]\n")}, []string{
			`:8:11: protocol deepeyes cannot carry tool "python" (it carries image_zoom_in_tool)`}},
		{"tools without protocol", []string{suite("  tools: [crop]\n")}, []string{`tool "crop" needs an agent protocol`}},
		{"unknown template", []string{suite("  protocol: hermes\n  system: qwen\n")}, []string{`:8:11: no system template "qwen"`}},
		{"bad template text", []string{suite("  protocol: hermes\n  user: \"{{.Question\"\n")}, []string{`:8:9: user template: template: user:1: unclosed action`}},
		{"flag protocol", []string{agentSuite, "--protocol", "react"}, []string{`--protocol: unknown protocol "react"`}},
		{"flag tools", []string{agentSuite, "--tools", "python,crop"}, []string{`--tools: protocol deepeyesv2 cannot carry tool "crop"`}},
		{"flag budget", []string{agentSuite, "--max-turns", "-1"}, []string{`--max-turns cannot be negative`}},
		{"flag on-no-action", []string{agentSuite, "--on-no-action", "again"}, []string{`--on-no-action "again" is not one of stop, reprompt, retry`}},
		{"search without a backend", []string{agentSuite, "--tools", "python,search"}, []string{`search: suite agent-demo calls search tools, and nothing can answer them: name a provider (--search-provider`}},
		{"search mode", []string{agentSuite, "--search", "offline"}, []string{`--search: unknown search mode "offline"`}},
		{"search provider", []string{agentSuite, "--search-provider", "bing"}, []string{`--search-provider: unknown search provider "bing"`}},
		{"sandbox url", []string{agentSuite, "--sandbox-url", "localhost:8080"}, []string{`--sandbox-url "localhost:8080" is not an http(s) URL`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := runnertest.NewServer(t)
			args := append([]string{"run"}, tc.args...)
			args = append(args, "--model", "m", "--base-url", srv.URL(), "--out", filepath.Join(t.TempDir(), "run"))
			r := realxCLI(t, nil, args...)
			assert.Equal(t, 2, r.code, r.stderr)
			for _, w := range tc.wants {
				assert.Contains(t, r.stderr, w)
			}
			if strings.HasPrefix(tc.wants[0], "--") {
				assert.NotContains(t, r.stderr, agentSuite, "a flag's problem is the flag's, not the suite's")
			}
			assert.Empty(t, srv.Requests())
		})
	}
}

// TestRunRefusesCodeWithoutSandbox exits 2 before any model call when bwrap is missing and
// --unsafe-no-sandbox is not given.
func TestRunRefusesCodeWithoutSandbox(t *testing.T) {
	t.Setenv("PATH", t.TempDir()) // no bwrap
	srv := runnertest.NewServer(t)
	r := realxCLI(t, nil, "run", agentSuite, "--model", "m", "--base-url", srv.URL(), "--out", filepath.Join(t.TempDir(), "run"))
	assert.Equal(t, 2, r.code, r.stderr)
	assert.Contains(t, r.stderr, "tool python: bubblewrap (bwrap) not found: install it, or pass --unsafe-no-sandbox")
	assert.Empty(t, srv.Requests())
}

// TestRunToolFailureIsNotAWrongAnswer records a sandbox that cannot be reached as a tool error
// of the sample, not as a wrong answer.
func TestRunToolFailureIsNotAWrongAnswer(t *testing.T) {
	srv := runnertest.NewServer(t)
	srv.Script(runnertest.Reply{Content: "<code>\n```python\nprint(1)\n```"})
	dir := filepath.Join(t.TempDir(), "run")
	r := realxCLI(t, nil, "run", agentSuite, "--model", "m", "--base-url", srv.URL(), "--out", dir, "--progress", "none",
		"--sandbox-url", "http://127.0.0.1:1/jupyter_sandbox")
	require.Equal(t, exitIncomplete, r.code, r.stderr)
	assert.Contains(t, r.stderr, "incomplete: none of the 1 samples has a verdict (1 tool)")
	res := readResults(t, dir)
	require.Len(t, res, 1)
	require.NotNil(t, res[0].Error)
	assert.Equal(t, reports.ErrTool, res[0].Error.Class, res[0].Error.Message)
	assert.Equal(t, runners.StopError, res[0].Stop)
	require.NotNil(t, res[0].Trajectory)
	calls := res[0].Trajectory.Turns[1].Calls
	require.Len(t, calls, 1)
	assert.NotEmpty(t, calls[0].Error)
}

// TestRunRecordsTheSandboxContainment runs the agent suite with the sandbox and without: the
// manifest records the containment the python tool had, and stderr warns, once, when it is
// weaker than full (always without the sandbox).
func TestRunRecordsTheSandboxContainment(t *testing.T) {
	needSandbox(t)
	tool, err := python.New(python.Config{})
	require.NoError(t, err)
	want := tool.Containment()
	for _, unsafe := range []bool{false, true} {
		srv := runnertest.NewServer(t)
		srv.Script(runnertest.Reply{Content: "<answer>8</answer>"})
		dir := filepath.Join(t.TempDir(), "run")
		args := []string{"run", agentSuite, "--model", "m", "--base-url", srv.URL(), "--out", dir, "--progress", "none"}
		if unsafe {
			args = append(args, "--unsafe-no-sandbox")
		}
		r := realxCLI(t, nil, args...)
		require.Equal(t, 0, r.code, r.stderr)
		m, err := reports.ReadManifest(dir)
		require.NoError(t, err)
		got := m.Suites[0].Sandbox
		require.NotNil(t, got)
		if unsafe {
			assert.Equal(t, "none", got.Sandbox)
			assert.Equal(t, 1, strings.Count(r.stderr, "realx: warning: python sandbox weaker than full: no sandbox"), r.stderr)
			continue
		}
		assert.Equal(t, want, *got)
		assert.Equal(t, "bwrap", got.Sandbox)
		if w := want.Warning(); w != "" {
			assert.Equal(t, 1, strings.Count(r.stderr, "realx: warning: "+w+"\n"), r.stderr)
		} else {
			assert.NotContains(t, r.stderr, "weaker than full")
			assert.True(t, got.Seccomp)
			assert.NotEqual(t, python.CgroupNone, got.Cgroup)
		}
	}
}

// TestSearchEquivalents: a search suite's tools, under a protocol that cannot carry them, are
// the protocol's own search tools that do their work; a tool with no equivalent leaves the
// protocol's defaults.
func TestSearchEquivalents(t *testing.T) {
	proto := func(name string) runners.Protocol {
		p, ok := runners.ProtocolFor(tasks.AgentSpec{Protocol: name})
		require.True(t, ok, name)
		return p
	}
	for _, tc := range []struct {
		protocol string
		tools    []string
		want     []string
	}{
		{"r1v4", []string{"python", "search", "image_search"}, []string{"python", "text_search", "web_visit", "image_search"}},
		{"deepeyesv2", []string{"python", "image_search", "text_search", "web_visit"}, []string{"python", "image_search", "search"}},
		{"deepeyes", []string{"python", "search"}, nil},
		{"r1v4", []string{"image_zoom_in_tool", "search"}, nil},
	} {
		assert.Equal(t, tc.want, searchEquivalents(proto(tc.protocol), tc.tools), "%s %v", tc.protocol, tc.tools)
	}
}
