package runners

import "strings"

// deepEyesProtocol is DeepEyes' (v1) format, after its V* evaluation (eval/eval_vstar.py):
//
//   - The system prompt is the "deepeyes" template: Qwen's tool block declaring the tools in
//     compact JSON, then the call format and an example call; the question is followed by the
//     instruction of the "deepeyes" user template.
//   - A reply with </answer> is final. Otherwise the first <tool_call> block of a reply is its
//     one call, image_zoom_in_tool with bbox_2d in pixels of the image as sent; any later
//     block is ignored, as the evaluation ignores it.
//   - The result goes back as one user turn of four parts: "<tool_response>", the crop (or,
//     for a failed call, its error), the instruction again, "</tool_response>".
//   - The answer is the text between the first <answer> and the </answer> after it, trimmed,
//     when the reply has both tags; else the whole reply (as eval_vstar.py reads pred_ans).
type deepEyesProtocol struct{}

// Answer reads the answer as eval_vstar.py does.
func (deepEyesProtocol) Answer(reply string) string {
	if strings.Contains(reply, "</answer>") && strings.Contains(reply, "<answer>") {
		between := strings.SplitN(reply, "<answer>", 3)[1]
		before, _, _ := strings.Cut(between, "</answer>")
		return strings.TrimSpace(before)
	}
	return firstAnswer(reply, false)
}

// deepEyesInstruction is the instruction DeepEyes puts after the question and in every tool
// response.
const deepEyesInstruction = "\nThink first, call **image_zoom_in_tool** if needed, then answer. Format strictly as:  <think>...</think>  <tool_call>...</tool_call> (if tools needed)  <answer>...</answer> "

func (deepEyesProtocol) Name() string                   { return "deepeyes" }
func (deepEyesProtocol) Carries(name string) bool       { return name == "image_zoom_in_tool" }
func (deepEyesProtocol) DefaultTools() []string         { return []string{"image_zoom_in_tool"} }
func (deepEyesProtocol) Prompts() (system, user string) { return "deepeyes", "deepeyes" }
func (deepEyesProtocol) Prepare(req *ChatRequest, _ []ToolDef) {
	req.Generation.Stop = withStops(req.Generation.Stop, "<|im_end|>") // as eval_vstar.py asks
}
func (deepEyesProtocol) Nudge() string { return deepEyesInstruction[1:] }

func (deepEyesProtocol) Parse(resp *ChatResponse, _ int) *Step {
	text := resp.Content
	st := &Step{Message: TextMessage(RoleAssistant, text)}
	if strings.Contains(text, "</answer>") {
		st.Answer = true
		return st
	}
	if bs := blocks(text, "<tool_call>", "</tool_call>"); len(bs) > 0 {
		st.Calls = []ParsedCall{parseCallJSON(bs[0].body)}
	}
	return st
}

func (deepEyesProtocol) Observe(outcomes []Outcome) []Message {
	var msgs []Message
	for _, o := range outcomes {
		m := Message{Role: RoleUser, Parts: []Part{{Text: "<tool_response>"}}}
		if o.Obs.Error != "" {
			m.Parts = append(m.Parts, Part{Text: textOf(o.Obs)})
		}
		m.Parts = append(m.Parts, imageParts(o.Obs.Images)...)
		m.Parts = append(m.Parts, Part{Text: deepEyesInstruction}, Part{Text: "</tool_response>"})
		msgs = append(msgs, m)
	}
	return msgs
}
