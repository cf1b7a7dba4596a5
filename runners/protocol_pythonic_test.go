package runners

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPythonicProtocol reads replies as BFCL's prompting mode decodes them, sends results
// back as its repr of tool messages (the expected text is CPython's repr of the same list),
// and declares revealed functions before the turn's text.
func TestPythonicProtocol(t *testing.T) {
	p, ok := ProtocolByName("pythonic")
	require.True(t, ok)
	sys, user := p.Prompts()
	assert.Equal(t, "pythonic", sys)
	assert.Empty(t, user)

	st := p.Parse(&ChatResponse{Content: "```\n[cd(folder='docs'), ls()]\n```"}, 1)
	require.Len(t, st.Calls, 2)
	assert.False(t, st.Answer)
	assert.Equal(t, "cd", st.Calls[0].Name)
	assert.JSONEq(t, `{"folder": "docs"}`, st.Calls[0].Arguments)
	assert.Equal(t, "ls", st.Calls[1].Name)
	st = p.Parse(&ChatResponse{Content: "The file is not there."}, 2)
	assert.Empty(t, st.Calls)
	assert.True(t, st.Answer, "a reply that does not decode ends the turn")

	msgs := p.Observe([]Outcome{
		{Call: ParsedCall{ToolCall: ToolCall{Name: "cd", Arguments: `{"folder": "docs"}`}}, Obs: &Observation{Text: `{"current_working_directory": "docs"}`}},
		{Call: ParsedCall{ToolCall: ToolCall{Name: "ls", Arguments: `{}`}}, Obs: &Observation{Text: "Error during execution: x", Error: "x"}},
	})
	require.Len(t, msgs, 1)
	assert.Equal(t, RoleUser, msgs[0].Role)
	assert.Equal(t, `[{'role': 'tool', 'name': "cd(folder='docs')", 'content': '{"current_working_directory": "docs"}'}, {'role': 'tool', 'name': 'ls()', 'content': 'Error during execution: x'}]`,
		msgs[0].Parts[0].Text)

	rv, ok := p.(revealer)
	require.True(t, ok)
	parts := rv.RevealTurn([]ToolDef{
		{Name: "sort", Description: "Sort a file. Hint.", Python: "{'name': 'sort', 'description': 'Sort a file.'}"},
		{Name: "wc", Description: "Count.", Parameters: []byte(`{"type":"object","properties":{"mode":{"type":"string"}}}`)},
	}, []Part{{Text: "What about now?"}})
	require.Len(t, parts, 1)
	assert.Equal(t, "[{'name': 'sort', 'description': 'Sort a file.'}, {'name': 'wc', 'description': 'Count.', 'parameters': {'type': 'object', 'properties': {'mode': {'type': 'string'}}}}]\nWhat about now?", parts[0].Text)
	// In the system prompt, a function's own literal carries the run's description.
	assert.Equal(t, "{'name': 'sort', 'description': 'Sort a file. Hint.'}", toolPython(ToolDef{Name: "sort", Description: "Sort a file. Hint.", Python: "{'name': 'sort', 'description': 'Sort a file.'}"}))
}
