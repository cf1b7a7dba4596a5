package runners_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	_ "image/jpeg" // decode sizes of images sent as JPEG
	"image/png"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/runnertest"
	"github.com/realx-bench/realx/runners/tools/imageops"
	"github.com/realx-bench/realx/runners/tools/python"
	"github.com/realx-bench/realx/tasks"
)

// pngImage returns a w×h PNG whose top-left quarter is red and the rest blue.
func pngImage(t testing.TB, w, h int) *runners.Image {
	t.Helper()
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.RGBA{0, 0, 255, 255}
			if x < w/2 && y < h/2 {
				c = color.RGBA{255, 0, 0, 255}
			}
			m.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, m))
	return &runners.Image{Data: buf.Bytes(), MIME: "image/png", Width: w, Height: h}
}

// pythonTool returns the real sandboxed code tool, skipping the test when bwrap or
// /usr/bin/python3 with PIL is missing, or failing it then when REALX_REQUIRE_SANDBOX=1.
func pythonTool(t testing.TB, cfg python.Config) runners.Tool {
	t.Helper()
	if cfg.CallTimeout == 0 {
		cfg.CallTimeout = 30 * time.Second
	}
	tool, err := python.New(cfg)
	if err != nil {
		if os.Getenv("REALX_REQUIRE_SANDBOX") == "1" {
			t.Fatalf("REALX_REQUIRE_SANDBOX=1 but the Python sandbox cannot run: %v", err)
		}
		t.Skipf("skipping: the Python sandbox needs bwrap and /usr/bin/python3 with PIL: %v", err)
	}
	return tool
}

// agentFor returns an agent speaking protocol to a fresh fake endpoint, with tools.
func agentFor(t *testing.T, protocol string, tools ...runners.Tool) (*runners.Agent, *runnertest.Server) {
	t.Helper()
	srv := runnertest.NewServer(t)
	p, ok := runners.ProtocolByName(protocol)
	require.True(t, ok, protocol)
	prompts, err := runners.NewPrompts(p, "", "")
	require.NoError(t, err)
	temp := 0.0
	a := &runners.Agent{
		Model:    runners.NewOpenAI(runners.Endpoint{BaseURL: srv.URL(), Model: "fake-model"}),
		Protocol: p, Tools: tools, Prompts: prompts,
	}
	a.Generation.Temperature = &temp
	return a, srv
}

// sent returns the content of message i of req as the model got it: each text part as it is,
// each image as "[image W×H MIME]".
func sent(t *testing.T, req *runnertest.Request, i int) []string {
	t.Helper()
	var body struct {
		Messages []struct {
			Content json.RawMessage `json:"content"`
		} `json:"messages"`
	}
	require.NoError(t, json.Unmarshal(req.Body, &body))
	require.Less(t, i, len(body.Messages))
	raw := body.Messages[i].Content
	var text string
	if json.Unmarshal(raw, &text) == nil {
		return []string{text}
	}
	var parts []struct {
		Type     string `json:"type"`
		Text     string `json:"text"`
		ImageURL struct {
			URL string `json:"url"`
		} `json:"image_url"`
	}
	require.NoError(t, json.Unmarshal(raw, &parts), string(raw))
	var out []string
	for _, p := range parts {
		if p.Type == "text" {
			out = append(out, p.Text)
			continue
		}
		out = append(out, describeDataURL(t, p.ImageURL.URL))
	}
	return out
}

// describeDataURL decodes an image sent as a data URL into "[image W×H MIME]".
func describeDataURL(t *testing.T, url string) string {
	t.Helper()
	meta, data, ok := strings.Cut(strings.TrimPrefix(url, "data:"), ";base64,")
	require.True(t, ok && strings.HasPrefix(url, "data:"), "not a base64 data URL: %.40s", url)
	b, err := base64.StdEncoding.DecodeString(data)
	require.NoError(t, err)
	cfg, _, err := image.DecodeConfig(bytes.NewReader(b))
	require.NoError(t, err)
	return fmt.Sprintf("[image %d×%d %s]", cfg.Width, cfg.Height, meta)
}

// roles returns the roles of req's messages.
func roles(req *runnertest.Request) []string {
	out := make([]string, len(req.Messages))
	for i, m := range req.Messages {
		out[i] = m.Role
	}
	return out
}

// stops returns the stop sequences req carries.
func stops(req *runnertest.Request) []any {
	s, _ := req.JSON["stop"].([]any)
	return s
}

const deepEyesV2Format = "You must put your answer inside <answer> </answer> tags, i.e., <answer> answer here </answer>. " +
	"Please reason step by step. Use Python code to process the image if necessary. " +
	"Format strictly as <think> </think> <code> </code> (if code is needed) or <think> <think> <answer> </answer>."

// TestDeepEyesV2CropsInPython plays DeepEyesV2's evaluation loop with the real sandbox in
// realx's mode (python.mode: realx): the model crops image_1 in Python, the server stops at
// </code>, the crop, the cell's last expression, comes back as a PNG image after the "Code
// execution result" block, and the model answers.
func TestDeepEyesV2CropsInPython(t *testing.T) {
	t.Parallel()
	a, srv := agentFor(t, "deepeyesv2", pythonTool(t, python.Config{DropBlankImages: true}))
	blobs := newMemBlobs()
	a.Blobs = blobs
	img := pngImage(t, 64, 48)
	reply1 := "<think>The answer is in the top-left corner; let me crop it.</think>\n<code>\n```python\nimg = image_1.crop((0, 0, 32, 24))\nprint(img.size)\nimg\n```"
	srv.Script(
		runnertest.Reply{Content: reply1, FinishReason: "stop"}, // vLLM leaves the stop string out
		runnertest.Reply{Content: "<think>The crop is red.</think>\n<answer>red</answer>"},
	)
	tr, err := a.Run(context.Background(), &runners.Input{
		SampleID: "s1", Images: []*runners.Image{img},
		User: []runners.Part{{Image: img}, {Text: "What colour is the top-left corner?"}},
	})
	require.NoError(t, err)
	assert.Equal(t, runners.StopAnswer, tr.Stop)
	assert.Equal(t, "red", tr.Final, "the answer as VLMEvalKit reads it")

	reqs := srv.Requests()
	require.Len(t, reqs, 2)
	first := reqs[0]
	assert.Equal(t, []string{"system", "user"}, roles(first))
	system := first.Messages[0].Text
	assert.True(t, strings.HasPrefix(system, "You are an agent"), system)
	assert.Contains(t, system, `the i-th image has already been read into the global variable "image_i"`)
	assert.Contains(t, system, "Your python code should be enclosed within <code> </code> tag.\n \nExample for calling Python code in Jupyter Notebook:\n<code>\n```python\n# python code here\n```\n</code>\n")
	assert.NotContains(t, system, "## search", "no search tool is enabled")
	assert.Equal(t, []string{"[image 64×48 image/png]", "What colour is the top-left corner?\n\n" + deepEyesV2Format}, sent(t, first, 1))
	assert.Equal(t, []any{"</code>", "<|im_end|>"}, stops(first))
	assert.Nil(t, first.JSON["tools"], "tools are declared in the system prompt only")

	second := reqs[1]
	assert.Equal(t, []string{"system", "user", "assistant", "user"}, roles(second))
	assert.Equal(t, reply1+"</code>", second.Messages[2].Text, "the closing tag the server stopped on is restored")
	assert.Equal(t, []string{
		"Code execution result:\nstdout:\n```\n(32, 24)\n\n```\n\nstderr:\n```\n\n```\n\nImages:\n",
		"[image 32×24 image/png]",
	}, sent(t, second, 3))

	require.Len(t, tr.Turns, 4)
	assert.Equal(t, runners.RoleUser, tr.Turns[0].Role)
	assert.Equal(t, []string{sha(img.Data)}, tr.Turns[0].Images)
	call := tr.Turns[1].Calls
	require.Len(t, call, 1)
	assert.Equal(t, "code", call[0].Name)
	assert.JSONEq(t, `{"code":"img = image_1.crop((0, 0, 32, 24))\nprint(img.size)\nimg"}`, call[0].Arguments)
	assert.Equal(t, "crop", call[0].Kind)
	assert.Empty(t, call[0].Error)
	require.Len(t, call[0].Images, 1)
	assert.Equal(t, call[0].Images, tr.Turns[2].Images, "the crop is kept once, by hash")
	assert.Contains(t, blobs.keys(), call[0].Images[0])
	assert.Contains(t, blobs.keys(), sha(img.Data))
	assert.Equal(t, runners.RoleAssistant, tr.Turns[3].Role)
	assert.Positive(t, tr.Usage.Total)
}

// TestDeepEyesV2Search reads a <tool_call> as a search, sends it to the tool of that name and
// its result back in <tool_response>; without the tool, the call is an error observation.
func TestDeepEyesV2Search(t *testing.T) {
	t.Parallel()
	search := &runners.StatelessTool{
		Definition: runners.ToolDef{Name: "search", Description: "Web search.",
			Parameters: []byte(`{"type":"object","properties":{"query":{"type":"string"}},"required":["query"]}`)},
		Func: func(_ context.Context, _ *runners.ToolEnv, args json.RawMessage) (*runners.Observation, error) {
			var a struct{ Query string }
			require.NoError(t, json.Unmarshal(args, &a))
			return &runners.Observation{Text: "A Google search for '" + a.Query + "' found 1 results:\n\n## Web Results\n1. [Paris](https://en.wikipedia.org/wiki/Paris)"}, nil
		},
	}
	a, srv := agentFor(t, "deepeyesv2", search)
	call := "<think>I need to look it up.</think>\n<tool_call>\n{\"name\": \"search\", \"arguments\": {\"query\": \"capital of France\"}}\n"
	srv.Script(
		runnertest.Reply{Content: call},
		runnertest.Reply{Content: "<think>Image search too.</think>\n<tool_call>\n{\"name\": \"image_search\"}\n</tool_call>"},
		runnertest.Reply{Content: "<answer>Paris</answer>"},
	)
	tr, err := a.Run(context.Background(), &runners.Input{User: []runners.Part{{Text: "What is the capital of France?"}}})
	require.NoError(t, err)
	reqs := srv.Requests()
	require.Len(t, reqs, 3)
	assert.Equal(t, []any{"</code>", "</tool_call>", "<|im_end|>"}, stops(reqs[0]))
	system := reqs[0].Messages[0].Text
	assert.Contains(t, system, "## search\n")
	assert.Contains(t, system, "you can only call one type of tool in a single round")
	assert.Contains(t, sent(t, reqs[0], 1)[0], "You can conduct search to seek the Internet. Format strictly as <think> </think> <code> </code> (if code is neededs) or <think> </think> <tool_call> </tool_call> (if function call is neededs) or <think> <think> <answer> </answer>.")
	assert.Equal(t, strings.TrimSpace(call)+"</tool_call>", reqs[1].Messages[2].Text, "the reply is kept stripped, its closing tag restored")
	assert.Equal(t, "<tool_response>\nA Google search for 'capital of France' found 1 results:\n\n## Web Results\n1. [Paris](https://en.wikipedia.org/wiki/Paris)\n</tool_response>", reqs[1].Last().Text)
	assert.Equal(t, "<tool_response>\nError: tool \"image_search\" is not available in this run\n</tool_response>", reqs[2].Last().Text)
	require.Len(t, tr.Turns, 6)
	assert.Equal(t, "search", tr.Turns[1].Calls[0].Name)
	assert.Empty(t, tr.Turns[1].Calls[0].Error)
	assert.Equal(t, "image_search", tr.Turns[3].Calls[0].Name)
	assert.Equal(t, `tool "image_search" is not available in this run`, tr.Turns[3].Calls[0].Error)
}

// deepEyesSystem is DeepEyes' V* system prompt as its evaluation writes it, "bbox" required
// as published (the tool itself requires bbox_2d).
const deepEyesSystem = `You are a helpful assistant.

# Tools
You may call one or more functions to assist with the user query.
You are provided with function signatures within <tools></tools> XML tags:
<tools>
{"type":"function","function":{"name":"image_zoom_in_tool","description":"Zoom in on a specific region of an image by cropping it based on a bounding box (bbox) and an optional object label.","parameters":{"type":"object","properties":{"bbox_2d":{"type":"array","items":{"type":"number"},"minItems":4,"maxItems":4,"description":"The bounding box of the region to zoom in, as [x1, y1, x2, y2], where (x1, y1) is the top-left corner and (x2, y2) is the bottom-right corner."},"label":{"type":"string","description":"The name or label of the object in the specified bounding box (optional)."}},"required":["bbox"]}}}
</tools>

# How to call a tool
Return a json object with function name and arguments within <tool_call></tool_call> XML tags:
<tool_call>
{"name": <function-name>, "arguments": <args-json-object>}
</tool_call>

**Example**:  
<tool_call>  
{"name": "image_zoom_in_tool", "arguments": {"bbox_2d": [10, 20, 100, 200], "label": "the apple on the desk"}}  
</tool_call>`

const deepEyesInstruction = "\nThink first, call **image_zoom_in_tool** if needed, then answer. Format strictly as:  <think>...</think>  <tool_call>...</tool_call> (if tools needed)  <answer>...</answer> "

// TestDeepEyesZoomsIn plays DeepEyes' V* loop: image_zoom_in_tool with bbox_2d in pixels of
// the image as sent, the crop back as ["<tool_response>", image, instruction, "</tool_response>"].
func TestDeepEyesZoomsIn(t *testing.T) {
	t.Parallel()
	zoom, ok := imageops.ByName(imageops.ZoomInName, imageops.DeepEyesOptions())
	require.True(t, ok)
	a, srv := agentFor(t, "deepeyes", zoom)
	img := pngImage(t, 280, 224)
	reply1 := "<think>The corner is small.</think>\n<tool_call>\n{\"name\": \"image_zoom_in_tool\", \"arguments\": {\"bbox_2d\": [0, 0, 112, 84], \"label\": \"corner\"}}\n</tool_call>"
	srv.Script(runnertest.Reply{Content: reply1}, runnertest.Reply{Content: "<think>It is red.</think>\n<answer>A</answer>"})
	question := "Question: What colour is the corner?\nOptions: \nA. red\nB. blue\n"
	tr, err := a.Run(context.Background(), &runners.Input{
		Images: []*runners.Image{img}, User: []runners.Part{{Image: img}, {Text: question}},
	})
	require.NoError(t, err)
	assert.Equal(t, runners.StopAnswer, tr.Stop)
	reqs := srv.Requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, deepEyesSystem, reqs[0].Messages[0].Text)
	assert.Equal(t, []string{"[image 280×224 image/png]", question + deepEyesInstruction}, sent(t, reqs[0], 1))
	assert.Equal(t, []any{"<|im_end|>"}, stops(reqs[0]))
	assert.Equal(t, []string{"system", "user", "assistant", "user"}, roles(reqs[1]))
	assert.Equal(t, reply1, reqs[1].Messages[2].Text)
	assert.Equal(t, []string{"<tool_response>", "[image 112×84 image/png]", deepEyesInstruction, "</tool_response>"}, sent(t, reqs[1], 3))
	c := tr.Turns[1].Calls
	require.Len(t, c, 1)
	assert.Equal(t, "image_zoom_in_tool", c[0].Name)
	assert.Equal(t, "crop", c[0].Kind)
	assert.Len(t, c[0].Images, 1)
}

// TestNativeParallelCalls runs two native tool calls of one turn, both, in order: each result
// in a tool message, the crop's image after them in a user message that names the call.
func TestNativeParallelCalls(t *testing.T) {
	t.Parallel()
	crop, ok := imageops.ByName(imageops.CropName, imageops.Options{})
	require.True(t, ok)
	a, srv := agentFor(t, "native", crop, echoTool())
	img := pngImage(t, 64, 48)
	srv.Script(
		runnertest.Reply{Content: "Let me look closer.", ToolCalls: []runners.ToolCall{
			{ID: "call_a", Name: "crop", Arguments: `{"bbox_2d":[0,0,32,24]}`},
			{ID: "call_b", Name: "echo", Arguments: `{"text":"hi"}`},
		}},
		runnertest.Reply{Content: "The corner is red."},
	)
	tr, err := a.Run(context.Background(), &runners.Input{
		System: "Be brief.", Images: []*runners.Image{img}, User: []runners.Part{{Image: img}, {Text: "Corner colour?"}},
	})
	require.NoError(t, err)
	assert.Equal(t, runners.StopAnswer, tr.Stop)
	reqs := srv.Requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, "Be brief.", reqs[0].Messages[0].Text)
	tools, _ := reqs[0].JSON["tools"].([]any)
	require.Len(t, tools, 2)
	assert.Equal(t, "crop", tools[0].(map[string]any)["function"].(map[string]any)["name"])

	second := reqs[1]
	assert.Equal(t, []string{"system", "user", "assistant", "tool", "tool", "user"}, roles(second))
	assert.Equal(t, []runners.ToolCall{
		{ID: "call_a", Name: "crop", Arguments: `{"bbox_2d":[0,0,32,24]}`},
		{ID: "call_b", Name: "echo", Arguments: `{"text":"hi"}`},
	}, second.Messages[2].ToolCalls)
	assert.Equal(t, "Let me look closer.", second.Messages[2].Text)
	assert.Equal(t, "call_a", second.Messages[3].ToolCallID)
	assert.Equal(t, "Image 1 is the region [0, 0, 32, 24] of image 0, at 32×24 pixels.\n\n[1 image returned: in the next user message]", second.Messages[3].Text)
	assert.Equal(t, 0, second.Messages[3].Images)
	assert.Equal(t, "call_b", second.Messages[4].ToolCallID)
	assert.Equal(t, "echo: hi", second.Messages[4].Text)
	assert.Equal(t, []string{"Image returned by call call_a (crop):", "[image 32×24 image/png]"}, sent(t, second, 5))

	calls := tr.Turns[1].Calls
	require.Len(t, calls, 2)
	assert.Equal(t, []string{"crop", "echo"}, []string{calls[0].Name, calls[1].Name})
	assert.Equal(t, "echo: hi", calls[1].Output)
	// user, assistant, tool, tool, user (images), assistant
	assert.Equal(t, []runners.Role{"user", "assistant", "tool", "tool", "user", "assistant"}, turnRoles(tr))
}

// TestHermesToolCallsInText reads <tool_call> blocks out of the text, declares the tools in the
// system prompt as Qwen's template does, and sends the results in <tool_response> blocks.
func TestHermesToolCallsInText(t *testing.T) {
	t.Parallel()
	a, srv := agentFor(t, "hermes", echoTool())
	srv.Script(
		runnertest.Reply{Content: "<tool_call>\n{\"name\": \"echo\", \"arguments\": {\"text\": \"red\"}}\n</tool_call>\n<tool_call>\n{\"name\": \"echo\", \"arguments\": {\"text\": \"blue\"}}\n</tool_call>"},
		runnertest.Reply{Content: "Both were echoed."},
	)
	tr, err := a.Run(context.Background(), &runners.Input{System: "You are careful.", User: []runners.Part{{Text: "Echo red and blue."}}})
	require.NoError(t, err)
	assert.Equal(t, runners.StopAnswer, tr.Stop)
	reqs := srv.Requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, `You are careful.

# Tools

You may call one or more functions to assist with the user query.

You are provided with function signatures within <tools></tools> XML tags:
<tools>
{"type": "function", "function": {"name": "echo", "description": "Echo the text.", "parameters": {"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]}}}
</tools>

For each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:
<tool_call>
{"name": <function-name>, "arguments": <args-json-object>}
</tool_call>`, reqs[0].Messages[0].Text)
	assert.Equal(t, "Echo red and blue.", reqs[0].Messages[1].Text)
	assert.Nil(t, reqs[0].JSON["tools"])
	assert.Equal(t, []string{"system", "user", "assistant", "user"}, roles(reqs[1]))
	assert.Equal(t, "<tool_response>\necho: red\n</tool_response>\n<tool_response>\necho: blue\n</tool_response>", reqs[1].Last().Text)
	assert.Len(t, tr.Turns[1].Calls, 2)
}

// TestR1V4Observation stops at </tool_call>, restores it, and wraps the code result in
// <observation> as R1V4's trajectories do.
func TestR1V4Observation(t *testing.T) {
	t.Parallel()
	code := &runners.StatelessTool{
		Definition: runners.ToolDef{Name: "code", Description: "Run Python.",
			Parameters: []byte(`{"type":"object","properties":{"code":{"type":"string"}},"required":["code"]}`)},
		Func: func(context.Context, *runners.ToolEnv, json.RawMessage) (*runners.Observation, error) {
			return &runners.Observation{Text: "hello\n", Stdout: "hello\n", Kind: "other"}, nil
		},
	}
	a, srv := agentFor(t, "r1v4", code)
	call := "<think>\nI will print.\n</think>\n<tool_call>{\"name\": \"code\", \"arguments\": {\"code\": \"print('hello')\"}}"
	srv.Script(runnertest.Reply{Content: call}, runnertest.Reply{Content: "<think>\nDone.\n</think>\n<answer>\nhello\n</answer>"})
	tr, err := a.Run(context.Background(), &runners.Input{User: []runners.Part{{Text: "Say hello with code."}}})
	require.NoError(t, err)
	assert.Equal(t, runners.StopAnswer, tr.Stop)
	reqs := srv.Requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, []any{"</tool_call>"}, stops(reqs[0]))
	system := reqs[0].Messages[0].Text
	assert.Contains(t, system, `<tool_call>{"name": "code", "arguments": {"code": "your python code here"}}</tool_call>`)
	assert.Contains(t, system, "placed within <observation>...</observation>")
	assert.NotContains(t, system, "Run Python.", "no tool block: the paper's prompt names the tools")
	assert.Equal(t, "Say hello with code.", reqs[0].Messages[1].Text)
	assert.Equal(t, strings.TrimSpace(call)+"</tool_call>", reqs[1].Messages[2].Text, "the reply is kept stripped, its closing tag restored")
	assert.Equal(t, `<observation>{"result": "hello\n", "type": "code"}</observation>`, reqs[1].Last().Text)
	assert.Equal(t, "user", reqs[1].Last().Role)
}

// echoTool is a tool that echoes its "text" argument.
func echoTool() runners.Tool {
	return &runners.StatelessTool{
		Definition: runners.ToolDef{Name: "echo", Description: "Echo the text.",
			Parameters: []byte(`{"type":"object","properties":{"text":{"type":"string"}},"required":["text"]}`)},
		Func: func(_ context.Context, _ *runners.ToolEnv, args json.RawMessage) (*runners.Observation, error) {
			var a struct{ Text string }
			if err := json.Unmarshal(args, &a); err != nil {
				return nil, err
			}
			return &runners.Observation{Text: "echo: " + a.Text}, nil
		},
	}
}

func turnRoles(tr *runners.Trajectory) []runners.Role {
	out := make([]runners.Role, len(tr.Turns))
	for i, t := range tr.Turns {
		out[i] = t.Role
	}
	return out
}

// TestProtocolNamesAreTasks keeps the protocols a suite's prompt.protocols may name (package
// tasks cannot import runners) those of the runners.
func TestProtocolNamesAreTasks(t *testing.T) {
	t.Parallel()
	assert.Equal(t, runners.Protocols, tasks.ProtocolNames)
}
