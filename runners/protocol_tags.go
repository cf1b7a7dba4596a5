package runners

import (
	"slices"
	"strings"

	"github.com/realx-bench/realx/tasks"
)

// tagProtocol is the declarative protocol of a suite's agent.tags, for tool-integrated
// reasoning models trained on tags of their own (ARTIST's <python>…</python> answered by
// <output>…</output>, ToRA's ```python fences answered by ```output), written in the suite
// with no Go code:
//
//   - The system prompt and the question are the suite's (agent.system, agent.user, or the
//     prompt block): the protocol declares nothing itself; a template sees .Tools.
//   - Requests stop at tags.stop, or by default at each call form's close tag, which is put
//     back in the kept reply when the server stopped on it.
//   - A reply holding the answer's open tag is final (its calls are not run); without an
//     answer tag, a non-empty reply without a call is final. Otherwise every call block of
//     the reply, of any form, runs in the order written: a JSON form's body is {"name": …,
//     "arguments": {…}}; another form's body (surrounding line breaks cut) is the one
//     argument of its function (code for the python tool).
//   - The results go back in one user turn, each between the observation's open and close
//     tags (its trailing line breaks cut, its images after its text), joined by newlines.
//   - The answer graded is the text of the first answer block (trimmed; an unclosed one runs
//     to the end of the reply), else the reply.
type tagProtocol struct {
	spec tasks.TagSpec
}

// NewTagProtocol returns the tag protocol that spec declares. The spec is checked when the
// suite loads (tasks) and by CheckAgent.
func NewTagProtocol(spec tasks.TagSpec) Protocol { return tagProtocol{spec: spec} }

// ProtocolFor returns the protocol an agent block speaks: its tag protocol for protocol tags
// (whose tags it declares), else the protocol called by name; false when there is none.
func ProtocolFor(a tasks.AgentSpec) (Protocol, bool) {
	if a.Protocol == tasks.ProtocolTags {
		if a.Tags == nil {
			return nil, false
		}
		return NewTagProtocol(*a.Tags), true
	}
	return ProtocolByName(a.Protocol)
}

func (tagProtocol) Name() string { return tasks.ProtocolTags }

// Carries reports whether a call form writes calls to name: any name for a JSON form.
func (p tagProtocol) Carries(name string) bool {
	return slices.ContainsFunc(p.spec.Calls, func(c tasks.TagCall) bool { return c.JSON || c.Function == name })
}

// DefaultTools is python when a call form writes code, else none.
func (p tagProtocol) DefaultTools() []string {
	if p.Carries("code") {
		return []string{"python"}
	}
	return nil
}

func (tagProtocol) Prompts() (system, user string) { return "", "" }

func (p tagProtocol) Nudge() string {
	var forms []string
	for _, c := range p.spec.Calls {
		forms = append(forms, c.Open+" "+c.Close)
	}
	msg := "Please continue: call a tool within " + strings.Join(forms, " or ")
	if a := p.spec.Answer; a != nil {
		return msg + ", or give your final answer within " + a.Open + " " + a.Close + "."
	}
	return msg + ", or give your final answer."
}

// stops returns the requests' stop sequences.
func (p tagProtocol) stops() []string {
	if p.spec.Stop != nil {
		return p.spec.Stop
	}
	var out []string
	for _, c := range p.spec.Calls {
		if !slices.Contains(out, c.Close) {
			out = append(out, c.Close)
		}
	}
	return out
}

func (p tagProtocol) Prepare(req *ChatRequest, _ []ToolDef) {
	if stops := p.stops(); len(stops) > 0 {
		req.Generation.Stop = withStops(req.Generation.Stop, stops...)
	}
}

func (p tagProtocol) Parse(resp *ChatResponse, _ int) *Step {
	text := p.restore(resp.Content)
	st := &Step{Message: TextMessage(RoleAssistant, text)}
	if a := p.spec.Answer; a != nil && strings.Contains(text, a.Open) {
		st.Answer = true
		return st
	}
	for _, b := range p.callBlocks(text) {
		st.Calls = append(st.Calls, p.call(b))
	}
	st.Answer = p.spec.Answer == nil && len(st.Calls) == 0 && strings.TrimSpace(text) != ""
	return st
}

// tagBlock is one call block of a reply: its form and its body.
type tagBlock struct {
	form tasks.TagCall
	block
}

// callBlocks returns the call blocks of text in order: at each point the earliest open tag of
// any form (the longest, where two start at the same byte), up to that form's close tag.
func (p tagProtocol) callBlocks(text string) []tagBlock {
	var out []tagBlock
	for {
		at, form := -1, tasks.TagCall{}
		for _, c := range p.spec.Calls {
			if c.Open == "" {
				continue
			}
			i := strings.Index(text, c.Open)
			if i >= 0 && (at < 0 || i < at || i == at && len(c.Open) > len(form.Open)) {
				at, form = i, c
			}
		}
		if at < 0 {
			return out
		}
		text = text[at+len(form.Open):]
		end := -1
		if form.Close != "" {
			end = strings.Index(text, form.Close)
		}
		if end < 0 {
			return append(out, tagBlock{form, block{body: text, unclosed: true}})
		}
		out = append(out, tagBlock{form, block{body: text[:end]}})
		text = text[end+len(form.Close):]
	}
}

// restore puts back the close tag of the reply's last call block when it is unclosed: the
// server stopped on it.
func (p tagProtocol) restore(text string) string {
	if a := p.spec.Answer; a != nil && strings.Contains(text, a.Open) {
		return text
	}
	bs := p.callBlocks(text)
	if len(bs) > 0 && bs[len(bs)-1].unclosed && slices.Contains(p.stops(), bs[len(bs)-1].form.Close) {
		return text + bs[len(bs)-1].form.Close
	}
	return text
}

// call reads a call block.
func (p tagProtocol) call(b tagBlock) ParsedCall {
	if b.form.JSON {
		return parseCallJSON(b.body)
	}
	arg := b.form.Argument
	if arg == "" {
		arg = "code"
	}
	body := strings.Trim(b.body, "\r\n")
	args, err := MarshalPlain(map[string]string{arg: body})
	if err != nil {
		return ParsedCall{ToolCall: ToolCall{Name: b.form.Function, Arguments: "{}"}, Err: err.Error()}
	}
	return ParsedCall{ToolCall: ToolCall{Name: b.form.Function, Arguments: string(args)}}
}

func (p tagProtocol) Observe(outcomes []Outcome) []Message {
	open, close := p.spec.Observation.Open, p.spec.Observation.Close
	return []Message{wrapped(outcomes, open, close, func(o Outcome) string {
		return strings.TrimRight(textOf(o.Obs), "\r\n")
	})}
}

// Answer reads the first answer block of the reply, trimmed, or else the reply.
func (p tagProtocol) Answer(reply string) string {
	a := p.spec.Answer
	if a == nil {
		return reply
	}
	if bs := blocks(reply, a.Open, a.Close); len(bs) > 0 {
		return strings.TrimSpace(bs[0].body)
	}
	return reply
}
