package runners

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// deepEyesV2Protocol is DeepEyesV2's agent format. Without a search tool it is its VLMEvalKit
// evaluation's (evaluation/VLMEvalKit/vlmeval/api/vllm_api.py, which every benchmark of its
// paper but the search ones ran through); with one, its code-and-search agent's
// (evaluation/inference_demo/inference_demo.py for the prompts, and its RL environment,
// reinforcement_learning/verl/workers/agent/envs/deepeyesv2, for the rest):
//
//   - The system prompt is the "deepeyesv2" template and the question is wrapped by the
//     "deepeyesv2" user template, each the seed's text for the variant. The sample's images
//     are pre-loaded in the Python kernel (the python tool does it from the ToolEnv).
//   - Requests stop at "</code>" and "<|im_end|>" (and at "</tool_call>" with search); a reply
//     that ends inside <code> gets "</code>" appended, as the evaluation appends it. The reply
//     is kept stripped of surrounding space, as the evaluation keeps it.
//   - Without search: a reply with "<answer>" is final; otherwise one with "<code>" runs the
//     code between its first <code> and the next </code>, cut after "```python" and before
//     "```" where they occur, as the evaluation cuts it; anything else (a <tool_call>
//     included) is a turn with no action.
//   - With search: a reply with a closed <answer> is final; otherwise one with "<code>" runs
//     the last ```python fence of its last <code> block (none: no action); otherwise one with
//     <tool_call> calls what its last block names, search ({"query": …}) or image_search (which
//     takes no "arguments"), and a call the environment rejects comes back as its "Error: …"
//     user turn. One tool type, and one call, per turn.
//   - A code result goes back as a user turn "Code execution result:\nstdout:\n```\n…\n```\n\n
//     stderr:\n```\n…\n```\n\nImages:\n" followed by the images the code showed (with search,
//     "\n\nImages:\n" only when there are images); a search result as
//     "<tool_response>\n…\n</tool_response>" followed by its images.
//   - The answer is the first <answer>…</answer> of the last reply, trimmed, or else the whole
//     reply (firstAnswer).
type deepEyesV2Protocol struct {
	search bool // a search tool is enabled (set by Bind)
}

func (deepEyesV2Protocol) Name() string { return "deepeyesv2" }

func (deepEyesV2Protocol) Carries(name string) bool {
	return name == "code" || name == "search" || name == "image_search"
}

func (deepEyesV2Protocol) DefaultTools() []string         { return []string{"python"} }
func (deepEyesV2Protocol) Prompts() (system, user string) { return "deepeyesv2", "deepeyesv2" }

// Bind returns the variant of the protocol that the tools call for: with search when search or
// image_search is among them.
func (deepEyesV2Protocol) Bind(tools []ToolDef) Protocol {
	for _, t := range tools {
		if t.Name == "search" || t.Name == "image_search" {
			return deepEyesV2Protocol{search: true}
		}
	}
	return deepEyesV2Protocol{}
}

// Nudge is the format reminder of DeepEyesV2's evaluation (its prompt's fallback text).
func (deepEyesV2Protocol) Nudge() string {
	return "You must put your answer inside <answer> </answer> tags, i.e., <answer> answer here </answer>. " +
		"Please reason step by step. Use Python code to process the image if necessary. " +
		"Format strictly as <think> </think> <code> </code> (if code is needed) or <think> <think> <answer> </answer>."
}

// Answer reads the answer as VLMEvalKit does: the first <answer>…</answer>, else the reply.
func (deepEyesV2Protocol) Answer(reply string) string { return firstAnswer(reply, true) }

func (p deepEyesV2Protocol) Prepare(req *ChatRequest, _ []ToolDef) {
	stops := []string{"</code>", "<|im_end|>"}
	if p.search {
		stops = []string{"</code>", "</tool_call>", "<|im_end|>"}
	}
	req.Generation.Stop = withStops(req.Generation.Stop, stops...)
}

// lastPythonRe is the RL environment's fence of the code in a <code> block.
var lastPythonRe = regexp.MustCompile("(?s)```python\\s*\n(.*?)\n```")

func (p deepEyesV2Protocol) Parse(resp *ChatResponse, _ int) *Step {
	text := strings.TrimSpace(resp.Content)
	st := &Step{}
	switch {
	case !p.search && strings.Contains(text, "<answer>"),
		p.search && firstAnswerRe.MatchString(text):
		st.Answer = true
	case strings.Contains(text, "<code>"):
		if !strings.Contains(text, "</code>") {
			text += "</code>" // the server stopped on it
		}
		if code, ok := p.code(text); ok {
			st.Calls = []ParsedCall{{ToolCall: ToolCall{Name: "code", Arguments: codeArgs(code)}}}
		}
	case p.search && strings.Contains(text, "<tool_call>"):
		text = restoreClose(text, "<tool_call>", "</tool_call>")
		bs := blocks(text, "<tool_call>", "</tool_call>")
		st.Calls = []ParsedCall{searchCall(bs[len(bs)-1].body)}
	}
	st.Message = TextMessage(RoleAssistant, text)
	return st
}

// code returns the code a reply runs, as the variant's seed cuts it out.
func (p deepEyesV2Protocol) code(text string) (string, bool) {
	if p.search {
		bs := blocks(text, "<code>", "</code>")
		ms := lastPythonRe.FindAllStringSubmatch(bs[len(bs)-1].body, -1)
		if ms == nil {
			return "", false // the environment ends the episode
		}
		return ms[len(ms)-1][1], true
	}
	// VLMEvalKit: split on each marker in turn, taking the part it names, each stripped.
	code := strings.TrimSpace(strings.SplitN(text, "<code>", 3)[1])
	code, _, _ = strings.Cut(code, "</code>")
	code = strings.TrimSpace(code)
	if _, after, ok := strings.Cut(code, "```python"); ok {
		code, _, _ = strings.Cut(after, "```python")
		code = strings.TrimSpace(code)
	}
	code, _, _ = strings.Cut(code, "```")
	return strings.TrimSpace(code), true
}

// searchCall reads the body of a <tool_call> block as DeepEyesV2's RL environment does: JSON
// naming search or image_search, image_search without an "arguments" key (or with null);
// anything else is an error whose text is the environment's.
func searchCall(body string) ParsedCall {
	action := strings.TrimSpace(body)
	c := parseCallJSON(body)
	var raw struct {
		Arguments json.RawMessage `json:"arguments"`
	}
	switch {
	case c.Err != "":
		c.Err = fmt.Sprintf("Invalid tool call format: %s. Error: %s", action, c.Err)
	case c.Name != "search" && c.Name != "image_search":
		c.Err = fmt.Sprintf("Invalid tool call name: %s.", action)
	case c.Name == "image_search" && json.Unmarshal([]byte(action), &raw) == nil && len(raw.Arguments) > 0 && string(raw.Arguments) != "null":
		c.Err = fmt.Sprintf("Invalid tool call parameters for image search: %s.", action)
	}
	return c
}

func (p deepEyesV2Protocol) Observe(outcomes []Outcome) []Message {
	var msgs []Message
	for _, o := range outcomes {
		m := Message{Role: RoleUser}
		switch {
		case o.Call.Err != "":
			m.Parts = []Part{{Text: "Error: " + o.Call.Err}} // the environment's own turn
		case o.Call.Name == "code":
			stdout, stderr := o.Obs.Stdout, o.Obs.Stderr
			if stdout == "" && stderr == "" && o.Obs.Error != "" {
				stderr = o.Obs.Text // the call never reached the kernel
			}
			text := "Code execution result:\nstdout:\n```\n" + stdout + "\n```\n\nstderr:\n```\n" + stderr + "\n```\n\nImages:\n"
			if p.search && len(o.Obs.Images) == 0 {
				text = strings.TrimSpace(strings.TrimSuffix(text, "Images:\n"))
			}
			m.Parts = []Part{{Text: text}}
		default:
			m.Parts = []Part{{Text: "<tool_response>\n" + textOf(o.Obs) + "\n</tool_response>"}}
		}
		m.Parts = append(m.Parts, imageParts(o.Obs.Images)...)
		msgs = append(msgs, m)
	}
	return msgs
}
