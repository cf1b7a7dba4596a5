package runners

import (
	"encoding/json"
	"slices"
	"strings"
)

// r1v4Protocol is Skywork-R1V4's format, after its paper's system prompt (Table 1) and its
// published trajectories (r1v4/parse_utils.py):
//
//   - The system prompt is the "r1v4" template, the paper's, which names the tools and their
//     arguments itself; the question goes as the suite renders it.
//   - Each round is <think>…</think> then <tool_call>{"name": …, "arguments": {…}}</tool_call>
//     with image_search, text_search, web_visit or code, or <think>…</think><answer>…</answer>,
//     which is final. Requests stop at "</tool_call>", restored in the kept reply, so that the
//     model does not write an observation of its own.
//   - Each result goes back as a user turn "<observation>…</observation>": a result that is
//     JSON already (the search tools' lists) as it is, any other as {"result": text, "type":
//     tool} (a failed call as {"error": …, "type": …}), its images after the JSON.
//   - The answer is the first <answer>…</answer> of the last reply, else the reply (its
//     evaluation code is not published; firstAnswer).
type r1v4Protocol struct{}

// Answer reads the first <answer>…</answer> of the reply, else the reply.
func (r1v4Protocol) Answer(reply string) string { return firstAnswer(reply, true) }

// r1v4Tools are the functions R1V4 was trained to call.
var r1v4Tools = []string{"code", "image_search", "text_search", "web_visit"}

func (r1v4Protocol) Name() string                   { return "r1v4" }
func (r1v4Protocol) Carries(name string) bool       { return slices.Contains(r1v4Tools, name) }
func (r1v4Protocol) DefaultTools() []string         { return []string{"python"} }
func (r1v4Protocol) Prompts() (system, user string) { return "r1v4", "" }

func (r1v4Protocol) Nudge() string {
	return "Please continue: think inside <think></think>, then call a tool within <tool_call></tool_call> or give your final answer within <answer></answer>."
}

func (r1v4Protocol) Prepare(req *ChatRequest, _ []ToolDef) {
	req.Generation.Stop = withStops(req.Generation.Stop, "</tool_call>")
}

func (r1v4Protocol) Parse(resp *ChatResponse, _ int) *Step {
	text := restoreClose(resp.Content, "<tool_call>", "</tool_call>")
	st := &Step{Message: TextMessage(RoleAssistant, text)}
	if strings.Contains(text, "<answer>") {
		st.Answer = true
		return st
	}
	for _, b := range blocks(text, "<tool_call>", "</tool_call>") {
		st.Calls = append(st.Calls, parseCallJSON(b.body))
	}
	return st
}

func (r1v4Protocol) Observe(outcomes []Outcome) []Message {
	return []Message{wrapped(outcomes, "<observation>", "</observation>", r1v4Result)}
}

// r1v4Result is the JSON of an outcome inside <observation>.
func r1v4Result(o Outcome) string {
	text := strings.TrimSpace(o.Obs.Text)
	if o.Obs.Error == "" && text != "" && (text[0] == '[' || text[0] == '{') && json.Valid([]byte(text)) {
		return text
	}
	key, value := "result", o.Obs.Text
	if o.Obs.Error != "" {
		key, value = "error", o.Obs.Error
		if o.Obs.Stderr != "" || o.Obs.Stdout != "" {
			value = o.Obs.Text // a Python exception: its traceback helps
		}
	}
	b, err := MarshalPlain(map[string]string{key: value, "type": o.Call.Name})
	if err != nil {
		return "{}"
	}
	return pySpaced(string(b))
}
