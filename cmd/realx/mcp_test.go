package main

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/reports"
	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/runnertest"
	"github.com/realx-bench/realx/runners/tools/mcp/mcptest"
)

// mcpSuite writes a suite in a new directory whose agent calls two MCP servers: the test
// binary over stdio (local: echo, env, pid; given the variable MCP_DEMO_TOKEN, set to token)
// and the test server over HTTP (web: add, image), which it starts. Each of its two samples
// asks for a sum. It returns the suite's path, its directory and the web server.
func mcpSuite(t *testing.T, token string) (suite, dir string, web *httptest.Server) {
	t.Helper()
	web = httptest.NewServer(mcptest.Handler())
	t.Cleanup(web.Close)
	dir = t.TempDir()
	url := web.URL
	t.Setenv("MCP_DEMO_TOKEN", token)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "d.jsonl"), []byte(`{"id": "a", "question": "add 2 and 3", "answer": "5"}
{"id": "b", "question": "add 4 and 5", "answer": "9"}
`), 0o644))
	suite = filepath.Join(dir, "suite.yaml")
	require.NoError(t, os.WriteFile(suite, []byte(fmt.Sprintf(`name: mcp-demo
data: {path: d.jsonl}
prompt: {user: "{{.Question}}"}
judge: {kind: exact}
agent:
  protocol: native
  mcp:
    - name: local
      command: [%q, %q]
      tools: [echo, env, pid]
      env: [MCP_DEMO_TOKEN]
    - name: web
      url: %s
      tools: [add, image]
`, os.Args[0], mcptest.Arg, url)), 0o644))
	return suite, dir, web
}

// mcpModel plays a model under native function calling: it calls pid, env and echo on the
// local server, then add and image on the web server, then answers with the sum.
func mcpModel(r *runnertest.Request) runnertest.Reply {
	tools := 0
	var sum string
	for _, m := range r.Messages {
		if m.Role == "tool" {
			tools++
			sum = m.Text
		}
	}
	var a, b int
	fmt.Sscanf(r.Messages[0].Text, "add %d and %d", &a, &b)
	calls := func(cs ...runners.ToolCall) runnertest.Reply { return runnertest.Reply{ToolCalls: cs} }
	switch tools {
	case 0:
		return calls(runners.ToolCall{ID: "1", Name: "pid", Arguments: `{}`}, runners.ToolCall{ID: "2", Name: "env", Arguments: `{}`},
			runners.ToolCall{ID: "3", Name: "echo", Arguments: `{"text": "hello"}`})
	case 3:
		return calls(runners.ToolCall{ID: "4", Name: "image", Arguments: `{}`}, runners.ToolCall{ID: "5", Name: "add", Arguments: fmt.Sprintf(`{"a": %d, "b": %d}`, a, b)})
	}
	return runnertest.Reply{Content: sum}
}

// TestRunWithMCPServers is issue 16's MCP test: `realx run` starts a small MCP server over
// stdio (the test binary) and reaches one over HTTP, a scripted agent calls their tools — text,
// an image, the server's environment — and after the run the server's process, and the child
// it left in its process group, are gone. Its environment held only what realx gives it and
// the variable allowed, whose value never reached the record. The run is then replayed from
// its store with no server started and without --allow-mcp-command.
func TestRunWithMCPServers(t *testing.T) {
	suite, dir, web := mcpSuite(t, "token-value-never-recorded")
	t.Setenv("OPENAI_API_KEY", "sk-realx-key-never-given-to-servers")
	srv := runnertest.NewServer(t)
	srv.Handle(mcpModel)
	base := []string{"run", suite, "--model", "fake", "--base-url", srv.URL(), "--progress", "none", "--concurrency", "1"}
	store := filepath.Join(dir, "store")
	out := filepath.Join(dir, "run")
	r := realxCLI(t, nil, append(base, "--out", out, "--allow-mcp-command", "--mcp-env", "MCP_DEMO_TOKEN", "--allow-private-urls",
		"--mcp-mode", "record", "--mcp-store", store)...)
	require.Equal(t, 0, r.code, r.stderr)
	recs := readResults(t, out)
	require.Len(t, recs, 2)
	for _, rec := range recs {
		assert.True(t, rec.Pass, "%s: %s", rec.ID, rec.Output)
		calls := map[string]runners.Call{}
		for _, turn := range rec.Trajectory.Turns {
			for _, c := range turn.Calls {
				calls[c.Name] = c
			}
		}
		assert.Equal(t, "echo: hello", calls["echo"].Output)
		assert.Len(t, calls["image"].Images, 1)
		env := calls["env"].Output
		assert.Contains(t, env, "MCP_DEMO_TOKEN=[redacted]")
		assert.NotContains(t, env, "OPENAI_API_KEY")
		var pids mcptest.PIDs
		require.NoError(t, json.Unmarshal([]byte(calls["pid"].Output), &pids))
		mcptest.WaitGone(t, pids.PID)
		mcptest.WaitGone(t, pids.Child)
	}
	results, err := os.ReadFile(filepath.Join(out, reports.ResultsFile))
	require.NoError(t, err)
	assert.NotContains(t, string(results), "token-value-never-recorded")
	manifest, err := os.ReadFile(filepath.Join(out, "manifest.json"))
	require.NoError(t, err)
	assert.Contains(t, string(manifest), `"mcp"`, "the manifest names the servers")

	// Replayed from the store: no server starts, so no leave is needed; the model's turns are
	// answered alike.
	web.Close()
	replay := filepath.Join(dir, "replay")
	r = realxCLI(t, nil, append(base, "--out", replay, "--mcp-env", "MCP_DEMO_TOKEN", "--allow-private-urls", "--mcp-mode", "replay", "--mcp-store", store)...)
	require.Equal(t, 0, r.code, r.stderr)
	for _, rec := range readResults(t, replay) {
		assert.True(t, rec.Pass, rec.ID)
	}
}

// TestSuiteMCPNeedsLeave refuses, before any model call and with exit 2, a suite's MCP command
// without --allow-mcp-command, a variable it names without --mcp-env, and a server URL on a
// loopback address without --allow-private-urls; `realx validate` warns of the command.
func TestSuiteMCPNeedsLeave(t *testing.T) {
	suite, dir, _ := mcpSuite(t, "token-value")
	srv := runnertest.NewServer(t)
	base := []string{"run", suite, "--model", "fake", "--base-url", srv.URL(), "--progress", "none", "--out", filepath.Join(dir, "refused")}

	r := realxCLI(t, nil, base...)
	require.Equal(t, 2, r.code, r.stderr)
	assert.Contains(t, r.stderr, "suite.yaml:9:16: agent.mcp[0].command runs "+os.Args[0]+", a program of the suite's choosing, on this machine with no sandbox: realx starts it only with --allow-mcp-command")
	assert.Contains(t, r.stderr, "suite.yaml:11:13: agent.mcp[0].env: the variable MCP_DEMO_TOKEN goes to the server only when you allow it: --mcp-env MCP_DEMO_TOKEN")

	// The web server's address is loopback: refused without --allow-private-urls, and the
	// local server, started by then, is stopped with the run.
	r = realxCLI(t, nil, append(base, "--allow-mcp-command", "--mcp-env", "MCP_DEMO_TOKEN")...)
	require.Equal(t, 2, r.code, r.stderr)
	assert.Contains(t, r.stderr, "suite.yaml:12:7: MCP server web: connecting")
	assert.Contains(t, r.stderr, "is loopback")
	assert.Empty(t, srv.Requests())

	r = realxCLI(t, nil, "validate", suite)
	assert.Contains(t, r.stderr, "suite.yaml:9:16: warning: MCP server local runs "+os.Args[0]+", a program of the suite's choosing, with no sandbox: realx run starts it only with --allow-mcp-command")
}

// TestMCPServerFlag adds a server of the user's own with --mcp-server: its command runs
// without --allow-mcp-command, and a malformed value is a usage error.
func TestMCPServerFlag(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "d.jsonl"), []byte(`{"id": "a", "question": "say hi", "answer": "echo: hi"}`+"\n"), 0o644))
	suite := filepath.Join(dir, "suite.yaml")
	require.NoError(t, os.WriteFile(suite, []byte("name: flag\ndata: {path: d.jsonl}\njudge: {kind: exact}\nagent: {protocol: hermes}\n"), 0o644))
	srv := runnertest.NewServer(t)
	srv.Script(runnertest.Reply{Content: "<tool_call>\n{\"name\": \"echo\", \"arguments\": {\"text\": \"hi\"}}\n</tool_call>"})
	srv.Handle(func(r *runnertest.Request) runnertest.Reply {
		return runnertest.Reply{Content: strings.TrimSuffix(strings.TrimPrefix(r.Last().Text, "<tool_response>\n"), "\n</tool_response>")}
	})
	r := realxCLI(t, nil, "run", suite, "--model", "fake", "--base-url", srv.URL(), "--progress", "none", "--out", filepath.Join(dir, "run"),
		"--mcp-server", "mine="+os.Args[0]+" "+mcptest.Arg)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, srv.Requests()[0].Messages[0].Text, `"name": "echo"`, "the server's tools are declared in hermes' tool block")
	assert.Contains(t, r.stdout, "1/1")

	r = realxCLI(t, nil, "run", suite, "--model", "fake", "--base-url", srv.URL(), "--mcp-server", "Bad Name")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, `--mcp-server "Bad Name": write NAME=URL or NAME=PROGRAM ARGS…`)

	// Two servers with tools of one name are refused (as is a tool named as a suite tool).
	web := httptest.NewServer(mcptest.Handler())
	defer web.Close()
	r = realxCLI(t, nil, "run", suite, "--model", "fake", "--base-url", srv.URL(), "--out", filepath.Join(dir, "twice"),
		"--mcp-server", "one="+web.URL, "--mcp-server", "two="+web.URL)
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, `tool "add" is both mcp:one's and mcp:two's`)
}
