package runners_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/runnertest"
	"github.com/realx-bench/realx/runners/tools/imageops"
	"github.com/realx-bench/realx/tasks"
)

// codeDef declares the code tool as the python tool does.
var codeDef = runners.ToolDef{Name: "code", Description: "Run Python code in a stateful kernel.",
	Parameters: []byte(`{"type":"object","properties":{"code":{"type":"string","description":"The Python code to run."}},"required":["code"]}`)}

// defTool is a tool that only declares def.
type defTool struct{ def runners.ToolDef }

func (d defTool) Def() runners.ToolDef { return d.def }
func (d defTool) Open(ctx context.Context, env *runners.ToolEnv) (runners.ToolInstance, error) {
	return (&runners.StatelessTool{Definition: d.def}).Open(ctx, env)
}

// TestSystemPrompts renders each protocol's system prompt and question with its usual tools
// into golden files, for review against the seed models' own prompts.
func TestSystemPrompts(t *testing.T) {
	t.Parallel()
	zoom, _ := imageops.ByName(imageops.ZoomInName, imageops.DeepEyesOptions())
	search := defTool{runners.ToolDef{Name: "search", Description: "Search the web.",
		Parameters: []byte(`{"type":"object","properties":{"query":{"type":"string"}},"required":["query"]}`)}}
	imageSearch := defTool{runners.ToolDef{Name: "image_search", Description: "Search the web with the image."}}
	cases := []struct {
		protocol string
		tools    []runners.Tool
		golden   string
	}{
		{"deepeyesv2", []runners.Tool{defTool{codeDef}}, "deepeyesv2.txt"},
		{"deepeyesv2", []runners.Tool{defTool{codeDef}, search, imageSearch}, "deepeyesv2-search.txt"},
		{"deepeyes", []runners.Tool{zoom}, "deepeyes.txt"},
		{"hermes", []runners.Tool{defTool{codeDef}, zoom}, "hermes.txt"},
		{"r1v4", []runners.Tool{defTool{codeDef}, imageSearch}, "r1v4.txt"},
		{"native", []runners.Tool{defTool{codeDef}}, "native.txt"},
	}
	for _, tc := range cases {
		t.Run(tc.golden, func(t *testing.T) {
			a, srv := agentFor(t, tc.protocol, tc.tools...)
			srv.Script(runnertest.Reply{Content: "<answer>done</answer>"})
			_, err := a.Run(context.Background(), &runners.Input{System: "Suite system prompt.", User: []runners.Part{{Text: "QUESTION"}}})
			require.NoError(t, err)
			req := srv.Requests()[0]
			var b strings.Builder
			for _, m := range req.Messages {
				b.WriteString("=== " + m.Role + "\n" + m.Text + "\n")
			}
			runnertest.Golden(t, filepath.Join("testdata", "prompts", tc.golden), []byte(b.String()))
		})
	}
}

func TestNewPrompts(t *testing.T) {
	t.Parallel()
	p, _ := runners.ProtocolByName("hermes")
	_, err := runners.NewPrompts(p, "qwen", "")
	assert.ErrorContains(t, err, `no system template "qwen": realx ships deepeyes, deepeyesv2, hermes, native, pythonic, r1v4`)
	_, err = runners.NewPrompts(p, "", "{{.Question")
	assert.ErrorContains(t, err, "user template: template: user:1: unclosed action")
	_, err = runners.NewPrompts(p, "", "{{.Qestion}}")
	assert.ErrorContains(t, err, "user template: template: user:1:2: executing \"user\" at <.Qestion>: can't evaluate field Qestion")

	// Text of its own, seeing the question; a message without text gets the template's text.
	ps, err := runners.NewPrompts(p, "Tools: {{range .Tools}}{{.Name}} {{end}}", "Q: {{.Question}} (answer in <answer></answer>)")
	require.NoError(t, err)
	a, srv := agentFor(t, "hermes", echoTool())
	a.Prompts = ps
	srv.Script(runnertest.Reply{Content: "ok"}, runnertest.Reply{Content: "ok"})
	img := pngImage(t, 4, 4)
	_, err = a.Run(context.Background(), &runners.Input{User: []runners.Part{{Image: img}, {Text: "why?"}, {Text: "second"}}})
	require.NoError(t, err)
	_, err = a.Run(context.Background(), &runners.Input{User: []runners.Part{{Image: img}}})
	require.NoError(t, err)
	reqs := srv.Requests()
	assert.Equal(t, "Tools: echo ", reqs[0].Messages[0].Text)
	assert.Equal(t, []string{"[image 4×4 image/png]", "Q: why? (answer in <answer></answer>)", "second"}, sent(t, reqs[0], 1))
	assert.Equal(t, []string{"[image 4×4 image/png]", "Q:  (answer in <answer></answer>)"}, sent(t, reqs[1], 1))
}

// TestPromptTemplatesCannotRunWithoutBound: an agent's system or user template of a suite's
// own text is held to the rules of a suite's prompt templates (tasks.CheckTemplate): a range
// over a number, or any that could loop without bound, is refused when it is parsed, and
// what a template renders is capped at tasks.MaxPromptBytes.
func TestPromptTemplatesCannotRunWithoutBound(t *testing.T) {
	p, _ := runners.ProtocolByName("hermes")
	for _, tc := range []struct{ system, user, want string }{
		{system: "{{range 1000000000000}}x{{end}}", want: "system template: template: system:1:8: a range in a template of a suite goes over a field of the data"},
		{user: "{{.Question}}{{range 1000000000000}}x{{end}}", want: "user template: template: user:1:21: a range in a template of a suite goes over a field of the data"},
		{user: "{{range .Tools}}{{range $.Tools}}{{end}}{{end}}", want: "a range inside a range is not allowed"},
		{system: `{{define "x"}}{{template "x"}}{{end}}`, want: "define and block are not allowed"},
	} {
		_, err := runners.NewPrompts(p, tc.system, tc.user)
		assert.ErrorContains(t, err, tc.want, "%+v", tc)
		problems := runners.CheckAgent(tasks.AgentSpec{Protocol: "hermes", System: tc.system, User: tc.user})
		require.Len(t, problems, 1, "%+v", tc)
		assert.Contains(t, problems[0].Error(), tc.want)
	}

	// Within the rules, a template that repeats a long question is cut at the cap.
	ps, err := runners.NewPrompts(p, "", "{{.Question}} {{.Question}}")
	require.NoError(t, err)
	a, srv := agentFor(t, "hermes", echoTool())
	a.Prompts = ps
	_, err = a.Run(context.Background(), question(strings.Repeat("q", tasks.MaxPromptBytes*3/4)))
	assert.ErrorContains(t, err, "user prompt: user: the prompt is longer than 4 MiB")
	assert.Empty(t, srv.Requests(), "nothing is sent")
}

func TestCheckAgent(t *testing.T) {
	t.Parallel()
	cases := []struct {
		spec tasks.AgentSpec
		want []string
	}{
		{tasks.AgentSpec{}, nil},
		{tasks.AgentSpec{Protocol: "deepeyesv2", Tools: []string{"python"}, System: "deepeyesv2", User: "deepeyesv2"}, nil},
		{tasks.AgentSpec{Protocol: "hermes", Tools: []string{"python", "crop"}, System: "You are {{.System}}."}, nil},
		// The search tools are known and carried.
		{tasks.AgentSpec{Protocol: "hermes", Tools: []string{"python", "search"}}, nil},
		{tasks.AgentSpec{Protocol: "r1v4", Tools: []string{"python", "image_search", "text_search", "web_visit"}}, nil},
		{tasks.AgentSpec{Protocol: "deepeyesv2", Tools: []string{"python", "search", "image_search"}}, nil},
		{tasks.AgentSpec{Protocol: "mcp"}, []string{`agent.protocol: unknown protocol "mcp": the protocols are deepeyes, deepeyesv2, hermes, native, pythonic, r1v4, tags`}},
		// Environments, MCP servers and user turns need a protocol, the first two one that
		// carries any function; the tag protocol needs its tags.
		{tasks.AgentSpec{Protocol: "native", Environment: &tasks.EnvironmentSpec{Name: "kv"}, MCP: []tasks.MCPServer{{Name: "m"}}, Turns: "turns"}, nil},
		{tasks.AgentSpec{Environment: &tasks.EnvironmentSpec{Name: "kv"}, Turns: "turns"}, []string{
			`agent.environment: agent.environment needs an agent protocol: set agent.protocol`,
			`agent.turns: agent.turns needs an agent protocol: set agent.protocol`,
		}},
		{tasks.AgentSpec{Protocol: "r1v4", MCP: []tasks.MCPServer{{Name: "m"}}}, []string{
			`agent.mcp: protocol r1v4 cannot carry the functions of agent.mcp: it writes calls to its own tools only (native, hermes, and tags with a json call form carry any function)`,
		}},
		{tasks.AgentSpec{Protocol: "tags"}, []string{`agent.protocol: protocol tags needs agent.tags: the call, observation and answer tags of the model`}},
		{tasks.AgentSpec{Protocol: "tags", Tools: []string{"python", "crop"}, Environment: &tasks.EnvironmentSpec{Name: "kv"},
			Tags: &tasks.TagSpec{Calls: []tasks.TagCall{{Open: "<python>", Close: "</python>", Function: "code"}}}}, []string{
			`agent.environment: protocol tags cannot carry the functions of agent.environment: it writes calls to its own tools only (native, hermes, and tags with a json call form carry any function)`,
			`agent.tools[1]: protocol tags cannot carry tool "crop" (it carries python)`,
		}},
		{tasks.AgentSpec{Protocol: "native", Tools: []string{"python", "python"}}, []string{`agent.tools[1]: tool "python" is listed twice`}},
		{tasks.AgentSpec{Protocol: "deepeyesv2", Tools: []string{"crop", "text_search"}}, []string{
			`agent.tools[0]: protocol deepeyesv2 cannot carry tool "crop" (it carries image_search, python, search)`,
			`agent.tools[1]: protocol deepeyesv2 cannot carry tool "text_search" (it carries image_search, python, search)`,
		}},
		{tasks.AgentSpec{Protocol: "r1v4", Tools: []string{"search"}}, []string{
			`agent.tools[0]: protocol r1v4 cannot carry tool "search" (it carries image_search, python, text_search, web_visit)`,
		}},
		{tasks.AgentSpec{Tools: []string{"crop"}, System: "hermes"}, []string{
			`agent.tools[0]: tool "crop" needs an agent protocol: set agent.protocol (a single turn calls no tools)`,
			`agent.system: agent.system needs an agent protocol: set agent.protocol, or use prompt.system for a single turn`,
		}},
		{tasks.AgentSpec{Protocol: "native", User: "nope"}, []string{`agent.user: no user template "nope": realx ships deepeyes, deepeyesv2, plain (or write the template's text)`}},
	}
	for _, tc := range cases {
		var got []string
		for _, p := range runners.CheckAgent(tc.spec) {
			got = append(got, p.Error())
		}
		assert.Equal(t, tc.want, got, "%+v", tc.spec)
	}
}

// TestCheckPositions reports agent problems at their place in the suite file.
func TestCheckPositions(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "d.jsonl"), []byte(`{"id":"1","question":"q","answer":"a"}`+"\n"), 0o644))
	path := filepath.Join(dir, "s.yaml")
	require.NoError(t, os.WriteFile(path, []byte("name: s\ndata: {path: d.jsonl}\njudge: {kind: em}\nagent:\n  protocol: deepeyes\n  tools:\n    - image_zoom_in_tool\n    - python\n"), 0o644))
	s, err := tasks.LoadFile(path)
	require.NoError(t, err)
	errs := runners.Check(s)
	require.Len(t, errs, 1)
	assert.Equal(t, path+`:8:7: protocol deepeyes cannot carry tool "python" (it carries image_zoom_in_tool)`, errs[0].Error())
}

// TestParseReplies reads calls and answers out of replies shaped like each seed model's.
func TestParseReplies(t *testing.T) {
	t.Parallel()
	parse := func(protocol, content string) *runners.Step {
		p, ok := runners.ProtocolByName(protocol)
		require.True(t, ok)
		return p.Parse(&runners.ChatResponse{Content: content}, 1)
	}
	// DeepEyesV2: the first <code> block, inside its ```python fence; code wins over a tool call.
	st := parse("deepeyesv2", "  <think>a</think>\n<code>\n```python\nx = 1\nprint(x)\n```\n</code>\n<tool_call>{\"name\":\"search\"}</tool_call>\n")
	require.Len(t, st.Calls, 1)
	assert.Equal(t, runners.ToolCall{Name: "code", Arguments: `{"code":"x = 1\nprint(x)"}`}, st.Calls[0].ToolCall)
	assert.Equal(t, "<think>a</think>\n<code>\n```python\nx = 1\nprint(x)\n```\n</code>\n<tool_call>{\"name\":\"search\"}</tool_call>", st.Message.Text())
	// No fence: the block's text is the code.
	st = parse("deepeyesv2", "<code>print(2)")
	assert.Equal(t, `{"code":"print(2)"}`, st.Calls[0].Arguments)
	assert.Equal(t, "<code>print(2)</code>", st.Message.Text())
	// An answer ends the sample, whatever else the reply holds.
	st = parse("deepeyesv2", "<answer>4</answer>")
	assert.True(t, st.Answer)
	assert.Empty(t, st.Calls)
	// Without search (VLMEvalKit) a <tool_call> is no action; a bare fence cuts the code short.
	st = parse("deepeyesv2", "<tool_call>{\"name\": \"search\", \"arguments\": {\"query\": \"a\"}}</tool_call>")
	assert.Empty(t, st.Calls)
	assert.False(t, st.Answer)
	st = parse("deepeyesv2", "<code>\nx = 1\n```\nprint(x)\n```</code>")
	assert.Equal(t, `{"code":"x = 1"}`, st.Calls[0].Arguments)
	// With search (the RL environment): only search and image_search go in <tool_call>, and
	// image_search takes no "arguments" key (null aside), {} included; the errors are the
	// environment's.
	bound, ok := runners.ProtocolByName("deepeyesv2")
	require.True(t, ok)
	searching := bound.(interface {
		Bind([]runners.ToolDef) runners.Protocol
	}).Bind([]runners.ToolDef{{Name: "code"}, {Name: "search"}})
	parseS := func(content string) *runners.Step { return searching.Parse(&runners.ChatResponse{Content: content}, 1) }
	st = parseS("<tool_call>{\"name\": \"code\", \"arguments\": {\"code\": \"1\"}}</tool_call>")
	assert.Equal(t, `Invalid tool call name: {"name": "code", "arguments": {"code": "1"}}.`, st.Calls[0].Err)
	for _, args := range []string{`{"q": 1}`, `{}`} {
		st = parseS("<tool_call>{\"name\": \"image_search\", \"arguments\": " + args + "}</tool_call>")
		assert.Equal(t, `Invalid tool call parameters for image search: {"name": "image_search", "arguments": `+args+`}.`, st.Calls[0].Err)
	}
	for _, body := range []string{`{"name": "image_search"}`, `{"name": "image_search", "arguments": null}`} {
		st = parseS("<tool_call>" + body + "</tool_call>")
		assert.Empty(t, st.Calls[0].Err, body)
	}
	// With search the code is the last ```python fence of the last <code> block; none is no action.
	st = parseS("<code>\n```python\nx = 1\n```\n</code><code>\n```python\ny = 2\n```\n</code>")
	assert.Equal(t, `{"code":"y = 2"}`, st.Calls[0].Arguments)
	assert.Empty(t, parseS("<code>print(2)</code>").Calls)
	st = parseS("<tool_call>{\"name\": \"search\", \"arguments\": {\"query\": \"a\"}}</tool_call><tool_call>{\"name\": \"search\", \"arguments\": {\"query\": \"b\"}}</tool_call>")
	require.Len(t, st.Calls, 1, "one call per turn: the last")
	assert.Equal(t, `{"query":"b"}`, st.Calls[0].Arguments)
	// Neither: no action.
	st = parse("deepeyesv2", "<think>hmm</think>")
	assert.False(t, st.Answer)
	assert.Empty(t, st.Calls)

	// DeepEyes: the first <tool_call> only; </answer> is final.
	st = parse("deepeyes", "<tool_call>{\"name\": \"image_zoom_in_tool\", \"arguments\": {\"bbox_2d\": [1, 2, 3, 4]}}</tool_call><tool_call>{\"name\": \"x\"}</tool_call>")
	require.Len(t, st.Calls, 1)
	assert.Equal(t, `{"bbox_2d":[1,2,3,4]}`, st.Calls[0].Arguments)
	assert.True(t, parse("deepeyes", "<think>x</think> <answer>B</answer>").Answer)

	// Hermes: arguments as a JSON string, or "parameters", or none.
	st = parse("hermes", "<tool_call>{\"name\": \"a\", \"arguments\": \"{\\\"k\\\": 1}\"}</tool_call><tool_call>{\"name\": \"b\", \"parameters\": {\"k\": 2}}</tool_call><tool_call>{\"name\": \"c\"}</tool_call>")
	require.Len(t, st.Calls, 3)
	assert.Equal(t, []string{`{"k":1}`, `{"k":2}`, `{}`}, []string{st.Calls[0].Arguments, st.Calls[1].Arguments, st.Calls[2].Arguments})
	assert.True(t, parse("hermes", "The answer is 4.").Answer)
	assert.False(t, parse("hermes", "  \n").Answer, "an empty reply is no answer")

	// Native: a call without a name is malformed; ids are made up when the server gives none.
	p, _ := runners.ProtocolByName("native")
	st = p.Parse(&runners.ChatResponse{ToolCalls: []runners.ToolCall{{Name: "a", Arguments: "{}"}, {ID: "x", Arguments: "{}"}}}, 3)
	require.Len(t, st.Calls, 2)
	assert.Equal(t, "call_3_0", st.Calls[0].ID)
	assert.Equal(t, runners.InvalidCallName, st.Calls[1].Name)
	assert.NotEmpty(t, st.Calls[1].Err)
	assert.Equal(t, []runners.ToolCall{{ID: "call_3_0", Name: "a", Arguments: "{}"}, {ID: "x", Arguments: "{}"}}, st.Message.ToolCalls)
	assert.False(t, st.Answer)

	// R1V4: the tool call the server stopped in gets its closing tag back.
	st = parse("r1v4", "<think>x</think>\n<tool_call>{\"name\": \"text_search\", \"arguments\": {\"queries\": [\"a\"]}}")
	assert.Equal(t, "<think>x</think>\n<tool_call>{\"name\": \"text_search\", \"arguments\": {\"queries\": [\"a\"]}}</tool_call>", st.Message.Text())
	assert.Equal(t, "text_search", st.Calls[0].Name)
	assert.True(t, parse("r1v4", "<think>x</think>\n<answer>y</answer>").Answer)
}

// TestObservationsOfErrors renders failed calls in each protocol's own way.
func TestObservationsOfErrors(t *testing.T) {
	t.Parallel()
	failed := runners.Observation{Text: "Error: boom", Error: "boom"}
	pyErr := runners.Observation{Text: "stderr:\nTraceback…\nZeroDivisionError: division by zero", Stderr: "Traceback…\nZeroDivisionError: division by zero", Error: "ZeroDivisionError: division by zero"}
	obs := func(protocol, name string, o runners.Observation) []string {
		p, _ := runners.ProtocolByName(protocol)
		msgs := p.Observe([]runners.Outcome{{Call: runners.ParsedCall{ToolCall: runners.ToolCall{ID: "c1", Name: name}}, Obs: &o}})
		var out []string
		for _, m := range msgs {
			out = append(out, string(m.Role)+": "+m.Text())
		}
		return out
	}
	assert.Equal(t, []string{"user: Code execution result:\nstdout:\n```\n\n```\n\nstderr:\n```\nError: boom\n```\n\nImages:\n"}, obs("deepeyesv2", "code", failed))
	assert.Equal(t, []string{"user: Code execution result:\nstdout:\n```\n\n```\n\nstderr:\n```\nTraceback…\nZeroDivisionError: division by zero\n```\n\nImages:\n"}, obs("deepeyesv2", "code", pyErr))
	assert.Equal(t, []string{"user: <tool_response>Error: boom" + deepEyesInstruction + "</tool_response>"}, obs("deepeyes", "image_zoom_in_tool", failed))
	assert.Equal(t, []string{`user: <observation>{"error": "boom", "type": "web_visit"}</observation>`}, obs("r1v4", "web_visit", failed))
	assert.Equal(t, []string{"user: <observation>{\"error\": \"stderr:\\nTraceback…\\nZeroDivisionError: division by zero\", \"type\": \"code\"}</observation>"}, obs("r1v4", "code", pyErr))
	assert.Equal(t, []string{`user: <observation>[{"title": "t", "url": "u"}]</observation>`}, obs("r1v4", "text_search", runners.Observation{Text: `[{"title": "t", "url": "u"}]`}))
	assert.Equal(t, []string{"tool: Error: boom"}, obs("native", "crop", failed))
	assert.Equal(t, []string{"tool: (no output)"}, obs("native", "crop", runners.Observation{}))
}
