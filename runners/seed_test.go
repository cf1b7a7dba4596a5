package runners_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/runnertest"
	"github.com/realx-bench/realx/runners/tools/imageops"
	"github.com/realx-bench/realx/runners/tools/python"
	"github.com/realx-bench/realx/tasks"
)

// The seed tests play a fixed trajectory through each seed protocol with its defaults and
// compare every request realx sends, byte for byte in its text, with what the seed's own
// evaluation code sends for the same trajectory. The expected requests are in
// testdata/seed/*.json, written by the scripts beside them from the seed repositories' code
// (each script says how); they are never rewritten by -update, since they are not realx's
// output.

// seedRequests reads the expected requests of testdata/seed/name.
func seedRequests(t *testing.T, name string) []map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "seed", name))
	require.NoError(t, err)
	var f struct {
		Requests []map[string]any `json:"requests"`
	}
	require.NoError(t, json.Unmarshal(b, &f))
	return f.Requests
}

// asSeed renders a request as the seed scripts write theirs: each message's role and its
// content as a list of texts and "[image WxH MIME]", with the generation fields.
func asSeed(t *testing.T, req *runnertest.Request) map[string]any {
	t.Helper()
	var msgs []any
	for i, m := range req.Messages {
		var content []any
		for _, part := range sent(t, req, i) {
			if strings.HasPrefix(part, "[image ") {
				part = strings.Replace(part, "×", "x", 1)
			}
			content = append(content, part)
		}
		msgs = append(msgs, map[string]any{"role": m.Role, "content": content})
	}
	out := map[string]any{"messages": msgs}
	for _, k := range []string{"temperature", "max_tokens", "stop"} {
		if v, ok := req.JSON[k]; ok {
			out[k] = v
		}
	}
	return out
}

// seedAgent is an agent of protocol with its defaults (runners.ProtocolDefaults), as a plan
// builds it.
func seedAgent(t *testing.T, protocol string, tools ...runners.Tool) (*runners.Agent, *runnertest.Server) {
	a, srv := agentFor(t, protocol, tools...)
	def := runners.ProtocolDefaults(protocol)
	a.Generation = def.Generation
	a.Budget.MaxTurns = def.MaxTurns
	a.OnCallError = def.OnCallError
	return a, srv
}

// compareSeed checks every request of srv against the seed's.
func compareSeed(t *testing.T, srv *runnertest.Server, name string) {
	t.Helper()
	want := seedRequests(t, name)
	reqs := srv.Requests()
	require.Len(t, reqs, len(want))
	for i, req := range reqs {
		got, err := json.Marshal(asSeed(t, req))
		require.NoError(t, err)
		exp, err := json.Marshal(want[i])
		require.NoError(t, err)
		assert.JSONEq(t, string(exp), string(got), "request %d", i+1)
	}
}

// TestSeedDeepEyesV2 plays DeepEyesV2's evaluation with its own sandbox (python.mode
// deepeyesv2): a print, an expression's value (Out[1]), an exception (IPython's traceback), a
// plt.show() image (fig.tight_layout, smart_resize, JPEG), and code whose indentation the
// evaluation's fixer rewrites (the last print is pulled into the loop), then an answer after an
// unclosed <think>. Every request matches testdata/seed/deepeyesv2.json, which
// testdata/seed/deepeyesv2.py wrote from DeepEyesV2's VLMEvalKit code and the sandbox server's
// cell logic under IPython.
func TestSeedDeepEyesV2(t *testing.T) {
	t.Parallel()
	tool := pythonTool(t, python.Config{Mode: python.ModeDeepEyesV2, DropBlankImages: true})
	a, srv := seedAgent(t, "deepeyesv2", tool)
	// The 64×48 input of the script, prepared as the protocol's image policy says: 56×56.
	m := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for y := range 48 {
		for x := range 64 {
			m.Set(x, y, color.RGBA{uint8(4 * x), uint8(5 * y), 0, 255})
		}
	}
	var buf bytes.Buffer
	require.NoError(t, jpeg.Encode(&buf, m, nil))
	img, err := runners.PrepareImage(buf.Bytes(), runners.ProtocolDefaults("deepeyesv2").Images)
	require.NoError(t, err)
	replies := []string{
		"<think>Print the size.</think>\n<code>\n```python\nprint(image_1.size)\n```",
		"<code>\n```python\nw, h = image_1.size\nw * h\n```\n</code>",
		"<code>\n```python\nsizes = [1, 2]\nprint(sizes[5])\n```",
		"<code>\n```python\nplt.imshow(image_1)\nplt.axis('off')\nplt.show()\n```",
		"<code>\n```python\nfor i in range(2):\n    print(i)\nprint('done')\n```",
		"<think> The image is 56 pixels wide. <think> <answer>56</answer>",
	}
	for _, r := range replies {
		srv.Script(runnertest.Reply{Content: r})
	}
	tr, err := a.Run(context.Background(), &runners.Input{SampleID: "s", Images: []*runners.Image{img},
		User: []runners.Part{{Image: img}, {Text: "What is the size of the image?"}}})
	require.NoError(t, err)
	assert.Equal(t, runners.StopAnswer, tr.Stop)
	assert.Equal(t, "56", tr.Final, "the unclosed <think> does not empty the answer")
	compareSeed(t, srv, "deepeyesv2.json")
}

// TestSeedDeepEyes plays DeepEyes' V* evaluation: its prompt with the V* option layout (the
// suite's text kept verbatim, blank lines and all), a zoom whose crop comes back resized by its
// smart_resize, and the answer. Every request matches testdata/seed/deepeyes.json, which
// testdata/seed/deepeyes.py wrote from eval/eval_vstar.py.
func TestSeedDeepEyes(t *testing.T) {
	t.Parallel()
	opt := imageops.DeepEyesOptions()
	opt.PIL = true
	zoom, ok := imageops.ByName(imageops.ZoomInName, opt)
	require.True(t, ok)
	a, srv := seedAgent(t, "deepeyes", zoom)
	m := image.NewRGBA(image.Rect(0, 0, 112, 84))
	for i := range m.Pix {
		m.Pix[i] = []uint8{200, 30, 30, 255}[i%4]
	}
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, m))
	img, err := runners.PrepareImage(buf.Bytes(), runners.ProtocolDefaults("deepeyes").Images)
	require.NoError(t, err)
	// The V* prompt as a suite renders it with prompt.verbatim.
	suite := &tasks.Suite{Prompt: tasks.PromptSpec{Verbatim: true,
		User: "Question: {{.Question}}\nOptions: \n{{range .Choices}}{{.Letter}}. {{.Text}}\n{{end}}\n"}}
	p, err := suite.Render(&tasks.Sample{ID: "1", Question: "What colour is the corner?", Choices: []string{"red", "blue"}, Images: []tasks.ImageRef{{Ref: "x.png"}}})
	require.NoError(t, err)
	require.Len(t, p.User, 2)
	srv.Script(
		runnertest.Reply{Content: "<think>The corner is small.</think>\n<tool_call>\n{\"name\": \"image_zoom_in_tool\", \"arguments\": {\"bbox_2d\": [0, 0, 56, 42], \"label\": \"corner\"}}\n</tool_call>"},
		runnertest.Reply{Content: "<think>It is red.</think>\n<answer>A</answer>"},
	)
	tr, err := a.Run(context.Background(), &runners.Input{Images: []*runners.Image{img},
		User: []runners.Part{{Image: img}, {Text: p.User[1].Text}}})
	require.NoError(t, err)
	assert.Equal(t, "A", tr.Final)
	compareSeed(t, srv, "deepeyes.json")
}

// TestSeedR1V4 plays Skywork-R1V4's format: the system prompt of its paper's Table 1 with no
// tool block, a code call and its observation as r1v4/parse_utils.py reads them
// ({"result": …, "type": "code"} in <observation>), and the answer. R1V4's evaluation code is not
// published: the expected texts are the paper's prompt and the repository's trajectories'.
func TestSeedR1V4(t *testing.T) {
	t.Parallel()
	code := &runners.StatelessTool{
		Definition: runners.ToolDef{Name: "code", Parameters: []byte(`{"type":"object","properties":{"code":{"type":"string"}},"required":["code"]}`)},
		Func: func(context.Context, *runners.ToolEnv, json.RawMessage) (*runners.Observation, error) {
			return &runners.Observation{Text: "(56, 56)\n", Stdout: "(56, 56)\n"}, nil
		},
	}
	a, srv := seedAgent(t, "r1v4", code)
	srv.Script(runnertest.Reply{Content: "<think>Size.</think><tool_call>{\"name\": \"code\", \"arguments\": {\"code\": \"print(image_1.size)\"}}"},
		runnertest.Reply{Content: "<think>Done.</think><answer>56</answer>"})
	tr, err := a.Run(context.Background(), question("How wide is it?"))
	require.NoError(t, err)
	assert.Equal(t, "56", tr.Final)
	reqs := srv.Requests()
	require.Len(t, reqs, 2)
	system := reqs[0].Messages[0].Text
	assert.True(t, strings.HasPrefix(system, "Answer the user's question based on the provided image. Here are some tools you can use if needed:\n\n1. Image search."), system)
	assert.True(t, strings.HasSuffix(system, "- <think>...</think><answer>your answer here</answer>\nYOU MUST include your reasoning within <think>...</think> before taking any action."), system)
	for _, call := range []string{
		`{"name": "image_search", "arguments": {"image_paths": ["local image path 1", "local image path 2"]}}`,
		`{"name": "text_search", "arguments": {"queries": ["your search query 1", "your search query 2"]}}`,
		`{"name": "web_visit", "arguments": {"urls": ["target url 1", "target url 2"]}}`,
		`{"name": "code", "arguments": {"code": "your python code here"}}`,
	} {
		assert.Contains(t, system, "- <think>...</think><tool_call>"+call+"</tool_call>\n")
	}
	assert.NotContains(t, system, "<tools>")
	assert.Equal(t, []string{"How wide is it?"}, sent(t, reqs[0], 1))
	assert.Equal(t, `<observation>{"result": "(56, 56)\n", "type": "code"}</observation>`, reqs[1].Last().Text)
	assert.Equal(t, fmt.Sprint([]any{"</tool_call>"}), fmt.Sprint(stops(reqs[0])))
}
