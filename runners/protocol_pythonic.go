package runners

import (
	"fmt"
	"slices"
	"strings"

	"github.com/realx-bench/realx/runners/pycall"
)

// pythonicProtocol is BFCL's prompting mode, for models without native function calling: the
// system prompt (the "pythonic" template, BFCL's DEFAULT_SYSTEM_PROMPT) lists the functions as
// Python literals and asks for calls written as [func_name(param=value, …), …]; a reply is
// decoded as BFCL decodes it (pycall.ParseList: keyword arguments only), every call in it runs,
// and the results go back in one user turn, written as BFCL writes them: Python's repr of a
// list of {'role': 'tool', 'name': <the call as decoded>, 'content': <its result>}. A reply
// that does not decode has no call: as in BFCL, it ends the model's turn. A user turn that
// reveals hidden functions (BFCL's missing-function category) carries their declarations
// before its text, as BFCL's prompting mode adds held-out functions back.
type pythonicProtocol struct{}

// revealer is a protocol that declares functions in the conversation's text: the user turn
// that reveals functions is rewritten to declare them.
type revealer interface {
	RevealTurn(revealed []ToolDef, parts []Part) []Part
}

// RevealTurn puts the revealed functions' declarations, as a Python list, on a line before the
// turn's text: their own literals as published (ToolDef.Python), as BFCL adds held-out
// documents back.
func (pythonicProtocol) RevealTurn(revealed []ToolDef, parts []Part) []Part {
	decls := make([]string, len(revealed))
	for i, d := range revealed {
		decls[i] = d.Python
		if decls[i] == "" {
			decls[i] = toolPython(d)
		}
	}
	head := "[" + strings.Join(decls, ", ") + "]\n"
	out := slices.Clone(parts)
	for i := range out {
		if out[i].Image == nil {
			out[i].Text = head + out[i].Text
			return out
		}
	}
	return append([]Part{{Text: head}}, out...)
}

func (pythonicProtocol) Name() string                    { return "pythonic" }
func (pythonicProtocol) Carries(string) bool             { return true }
func (pythonicProtocol) DefaultTools() []string          { return nil }
func (pythonicProtocol) Prompts() (system, user string)  { return "pythonic", "" }
func (pythonicProtocol) Prepare(*ChatRequest, []ToolDef) {}

func (pythonicProtocol) Nudge() string {
	return "Please continue: write the function calls to make as [func_name(param=value, ...)], or reply without calls when the request is done."
}

func (pythonicProtocol) Parse(resp *ChatResponse, _ int) *Step {
	st := &Step{Message: TextMessage(RoleAssistant, resp.Content)}
	calls, err := pycall.ParseList(resp.Content)
	if err != nil {
		st.Answer = strings.TrimSpace(resp.Content) != ""
		return st
	}
	for i, c := range calls {
		st.Calls = append(st.Calls, ParsedCall{ToolCall: ToolCall{ID: fmt.Sprintf("call_%d", i), Name: c.Name, Arguments: pycall.JSON(c.Keywords)}})
	}
	return st
}

func (pythonicProtocol) Observe(outcomes []Outcome) []Message {
	results := make([]any, len(outcomes))
	for i, o := range outcomes {
		text := ""
		if o.Obs != nil {
			text = o.Obs.Text
		}
		results[i] = pycall.Ordered{{Name: "role", Value: "tool"},
			{Name: "name", Value: pycall.FormatCall(o.Call.Name, o.Call.Arguments)},
			{Name: "content", Value: text}}
	}
	return []Message{TextMessage(RoleUser, pycall.Repr(results))}
}
