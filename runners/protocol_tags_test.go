package runners_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/runnertest"
	"github.com/realx-bench/realx/tasks"
)

// artistTags are ARTIST's tags: <python>…</python> answered by <output>…</output>, the answer
// in <answer>.
var artistTags = tasks.TagSpec{
	Calls:       []tasks.TagCall{{Open: "<python>", Close: "</python>", Function: "code"}},
	Observation: tasks.TagPair{Open: "<output>\n", Close: "\n</output>"},
	Answer:      &tasks.TagPair{Open: "<answer>", Close: "</answer>"},
}

// toraTags are ToRA's: a ```python fence, the request stopped at ```output, the result in an
// ```output fence; the answer is the reply without a call.
var toraTags = tasks.TagSpec{
	Calls:       []tasks.TagCall{{Open: "```python", Close: "```", Function: "code"}},
	Observation: tasks.TagPair{Open: "```output\n", Close: "\n```"},
	Stop:        []string{"```output"},
}

func TestTagProtocolParse(t *testing.T) {
	t.Parallel()
	artist := runners.NewTagProtocol(artistTags)
	tora := runners.NewTagProtocol(toraTags)
	mixed := runners.NewTagProtocol(tasks.TagSpec{
		Calls: []tasks.TagCall{
			{Open: "<search>", Close: "</search>", Function: "lookup", Argument: "query"},
			{Open: "<tool_call>", Close: "</tool_call>", JSON: true},
		},
		Answer: &tasks.TagPair{Open: "<answer>", Close: "</answer>"},
	})
	for _, tc := range []struct {
		name   string
		p      runners.Protocol
		reply  string
		kept   string
		calls  []runners.ToolCall
		errs   int
		answer bool
		graded string
	}{
		{name: "artist call, stopped on the close tag", p: artist, reply: "<think>compute</think>\n<python>\nprint(6*7)\n",
			kept:  "<think>compute</think>\n<python>\nprint(6*7)\n</python>",
			calls: []runners.ToolCall{{Name: "code", Arguments: `{"code":"print(6*7)"}`}}},
		{name: "artist answer", p: artist, reply: "so <answer> \\boxed{42} </answer>", kept: "so <answer> \\boxed{42} </answer>", answer: true, graded: `\boxed{42}`},
		{name: "artist answer wins over a call", p: artist, reply: "<python>1</python><answer>1</answer>", kept: "<python>1</python><answer>1</answer>", answer: true, graded: "1"},
		{name: "artist neither", p: artist, reply: "I think it is 42.", kept: "I think it is 42."},
		{name: "tora call stopped at output", p: tora, reply: "Let me compute.\n```python\nx = 6*7\nprint(x)\n```\n",
			kept:  "Let me compute.\n```python\nx = 6*7\nprint(x)\n```\n",
			calls: []runners.ToolCall{{Name: "code", Arguments: `{"code":"x = 6*7\nprint(x)"}`}}},
		{name: "tora answer", p: tora, reply: "So the answer is $\\boxed{42}$.", kept: "So the answer is $\\boxed{42}$.", answer: true, graded: "So the answer is $\\boxed{42}$."},
		{name: "tora unclosed fence is not restored", p: tora, reply: "```python\nprint(1)", kept: "```python\nprint(1)",
			calls: []runners.ToolCall{{Name: "code", Arguments: `{"code":"print(1)"}`}}},
		{name: "two forms in order", p: mixed, reply: `<tool_call>{"name": "f", "arguments": {"a": 1}}</tool_call> then <search>eiffel</search>`,
			kept:  `<tool_call>{"name": "f", "arguments": {"a": 1}}</tool_call> then <search>eiffel</search>`,
			calls: []runners.ToolCall{{Name: "f", Arguments: `{"a":1}`}, {Name: "lookup", Arguments: `{"query":"eiffel"}`}}},
		{name: "broken JSON call", p: mixed, reply: `<tool_call>{"name": "f", </tool_call>`, kept: `<tool_call>{"name": "f", </tool_call>`,
			calls: []runners.ToolCall{{Name: "f", Arguments: `{"name": "f",`}}, errs: 1},
	} {
		st := tc.p.Parse(&runners.ChatResponse{Content: tc.reply}, 1)
		assert.Equal(t, tc.kept, st.Message.Text(), tc.name)
		var calls []runners.ToolCall
		errs := 0
		for _, c := range st.Calls {
			calls = append(calls, c.ToolCall)
			if c.Err != "" {
				errs++
			}
		}
		assert.Equal(t, tc.calls, calls, tc.name)
		assert.Equal(t, tc.errs, errs, tc.name)
		assert.Equal(t, tc.answer, st.Answer, tc.name)
		if tc.answer {
			assert.Equal(t, tc.graded, tc.p.(interface{ Answer(string) string }).Answer(st.Message.Text()), tc.name)
		}
	}
	assert.True(t, artist.Carries("code"))
	assert.False(t, artist.Carries("lookup"))
	assert.False(t, runners.CarriesAny(artist))
	assert.True(t, runners.CarriesAny(mixed))
	assert.Equal(t, []string{"python"}, artist.DefaultTools())
	assert.Equal(t, "Please continue: call a tool within <python> </python>, or give your final answer within <answer> </answer>.", artist.Nudge())
}

// TestTagProtocolLoop runs ARTIST's format through the agent: the request stops at </python>,
// the result goes back in <output>, and the answer's text is graded.
func TestTagProtocolLoop(t *testing.T) {
	t.Parallel()
	srv := runnertest.NewServer(t)
	srv.Script(
		runnertest.Reply{Content: "<think>echo it</think><python>\nhello\n"},
		runnertest.Reply{Content: "<answer>\\boxed{7}</answer>"},
	)
	spec := artistTags
	spec.Calls = []tasks.TagCall{{Open: "<python>", Close: "</python>", Function: "echo", Argument: "text"}}
	p, ok := runners.ProtocolFor(tasks.AgentSpec{Protocol: "tags", Tags: &spec})
	require.True(t, ok)
	a := &runners.Agent{Model: runners.NewOpenAI(runners.Endpoint{BaseURL: srv.URL(), Model: "m"}), Protocol: p, Tools: []runners.Tool{echoTool()}}
	tr, err := a.Run(context.Background(), question("say hello"))
	require.NoError(t, err)
	assert.Equal(t, runners.StopAnswer, tr.Stop)
	assert.Equal(t, `\boxed{7}`, tr.Final)
	reqs := srv.Requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, []any{"</python>"}, stops(reqs[0]))
	msgs := reqs[1].Messages
	assert.Equal(t, "<think>echo it</think><python>\nhello\n</python>", msgs[len(msgs)-2].Text)
	assert.Equal(t, "<output>\necho: hello\n</output>", msgs[len(msgs)-1].Text)
	assert.Equal(t, "user", msgs[len(msgs)-1].Role)
}

// FuzzTagProtocol puts arbitrary replies through tag protocols of fuzzed tags: no panic; the
// calls read out are bounded by the reply and their arguments are JSON objects unless marked
// malformed; the kept reply parses to the same step (a restored close tag reads the same);
// and a call written in a form's own tags reads back as written.
func FuzzTagProtocol(f *testing.F) {
	f.Add("<python>\nprint(1)\n", "<python>", "</python>", "<answer>", "print(2)", false)
	f.Add("```python\nx=1\n```\n```output", "```python", "```", "", "x", false)
	f.Add(`<tool_call>{"name": "a", "arguments": {}}</tool_call>`, "<tool_call>", "</tool_call>", "<answer>", `{"name": "b"}`, true)
	f.Add("<a><a></a>", "<a>", "</a>", "<a>", "", false)
	f.Add("", "", "", "", "", true)
	f.Add("\xff<p>\xfe", "<p>", "</p>", "</p>", "\xfe", false)
	f.Fuzz(func(t *testing.T, reply, open, close, answer, body string, isJSON bool) {
		if open == "" || close == "" || len(open) > tasks.MaxTagBytes || len(close) > tasks.MaxTagBytes || len(answer) > tasks.MaxTagBytes {
			return // the suite's checks refuse such tags
		}
		spec := tasks.TagSpec{Calls: []tasks.TagCall{{Open: open, Close: close, JSON: isJSON}}, Observation: tasks.TagPair{Open: "<o>", Close: "</o>"}}
		if !isJSON {
			spec.Calls[0].Function = "code"
		}
		if answer != "" {
			spec.Answer = &tasks.TagPair{Open: answer, Close: "/" + answer}
		}
		p := runners.NewTagProtocol(spec)
		st := p.Parse(&runners.ChatResponse{Content: reply}, 1)
		text := st.Message.Text()
		if len(text) > len(reply)+len(close) {
			t.Fatalf("the kept reply (%d bytes) is longer than the reply and a close tag (%d)", len(text), len(reply))
		}
		if len(st.Calls) > len(reply)/len(open)+1 {
			t.Fatalf("%d calls out of %d bytes", len(st.Calls), len(reply))
		}
		for _, c := range st.Calls {
			var obj map[string]any
			if c.Err == "" && (json.Unmarshal([]byte(c.Arguments), &obj) != nil || obj == nil) {
				t.Fatalf("a well-formed call's arguments are not a JSON object: %q", c.Arguments)
			}
			if len(c.Arguments) > 6*len(reply)+64 {
				t.Fatalf("arguments of %d bytes out of %d", len(c.Arguments), len(reply))
			}
		}
		again := p.Parse(&runners.ChatResponse{Content: text}, 1)
		if again.Message.Text() != text || len(again.Calls) != len(st.Calls) || again.Answer != st.Answer {
			t.Fatalf("the kept reply parses differently: %q → %q", text, again.Message.Text())
		}
		for i := range st.Calls {
			if again.Calls[i].ToolCall != st.Calls[i].ToolCall || again.Calls[i].Err != st.Calls[i].Err {
				t.Fatalf("call %d parses differently", i)
			}
		}
		// A call written in the form's tags reads back, when nothing in it is a tag.
		if isJSON || strings.Contains(body, open) || strings.Contains(body, close) || strings.Contains(open+body+close, answer) && answer != "" ||
			strings.Contains(open, close) || strings.Contains(close, open) || strings.Index(body+close, close) != len(body) || strings.Trim(body, "\r\n") != body || !utf8.ValidString(body) {
			return
		}
		st = p.Parse(&runners.ChatResponse{Content: open + body + close}, 1)
		if len(st.Calls) != 1 || st.Answer {
			t.Fatalf("a call in the form's own tags gave %d calls (answer %v)", len(st.Calls), st.Answer)
		}
		var args struct{ Code string }
		if err := json.Unmarshal([]byte(st.Calls[0].Arguments), &args); err != nil || args.Code != body {
			t.Fatalf("the call's code %q reads back as %q (%v)", body, args.Code, err)
		}
	})
}
