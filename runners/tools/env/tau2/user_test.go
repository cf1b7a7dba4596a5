package tau2_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/tools/env/tau2"
	"github.com/realx-bench/realx/tasks"
)

// scriptedModel answers with its replies in order, keeping the requests.
type scriptedModel struct {
	replies  []string
	requests []*runners.ChatRequest
}

func (m *scriptedModel) Chat(_ context.Context, req *runners.ChatRequest) (*runners.ChatResponse, error) {
	m.requests = append(m.requests, req)
	r := m.replies[0]
	m.replies = m.replies[1:]
	return &runners.ChatResponse{Content: r}, nil
}

// TestUser plays τ2's user with a scripted model: it answers the greeting, sees the agent's
// replies as the user's messages and its own as the assistant's, with τ2's guidelines and the
// scenario as its system prompt, and ends the conversation at a stop token.
func TestUser(t *testing.T) {
	t.Parallel()
	d, _ := tau2.Lookup("airline")
	var raw []map[string]any
	require.NoError(t, json.Unmarshal(d.Tasks(), &raw))
	m := &scriptedModel{replies: []string{"I want to cancel EHGLP3.", "My user id is emma_kim_9957.", "Thanks! ###STOP###"}}
	zero := 0.0
	source, hidden, err := tau2.Users(m, tasks.Generation{Temperature: &zero})(&tasks.Sample{ID: "0", Metadata: raw[0]}, 2)
	require.NoError(t, err)
	assert.Empty(t, hidden)
	u := source.(runners.Opener)
	ctx := context.Background()
	greeting, first, err := u.Open(ctx)
	require.NoError(t, err)
	assert.Equal(t, "Hi! How can I help you today?", greeting)
	assert.Equal(t, "I want to cancel EHGLP3.", first.Parts[0].Text)

	conversation := []runners.Message{
		runners.TextMessage(runners.RoleSystem, "policy"),
		runners.TextMessage(runners.RoleAssistant, greeting),
		runners.TextMessage(runners.RoleUser, first.Parts[0].Text),
		{Role: runners.RoleAssistant, ToolCalls: []runners.ToolCall{{ID: "1", Name: "get_reservation_details"}}},
		{Role: runners.RoleTool, Parts: []runners.Part{{Text: "{...}"}}, ToolCallID: "1"},
		runners.TextMessage(runners.RoleAssistant, "What is your user id?"),
	}
	next, err := u.Next(ctx, conversation)
	require.NoError(t, err)
	assert.Equal(t, "My user id is emma_kim_9957.", next.Parts[0].Text)
	req := m.requests[1]
	var roles, texts []string
	for _, msg := range req.Messages {
		roles = append(roles, string(msg.Role))
		texts = append(texts, msg.Text())
	}
	assert.Equal(t, []string{"system", "user", "assistant", "user"}, roles)
	assert.Equal(t, []string{greeting, "I want to cancel EHGLP3.", "What is your user id?"}, texts[1:])
	assert.True(t, strings.HasPrefix(texts[0], "# User Simulation Guidelines\n"), texts[0])
	assert.Contains(t, texts[0], "\n\n<scenario>\nInstructions:\n\tDomain: airline\n")
	assert.True(t, strings.HasSuffix(texts[0], "\n</scenario>"))
	assert.Equal(t, 2, req.Repeat, "the repeat keys the cache")
	assert.Equal(t, 0.0, *req.Generation.Temperature)

	assert.False(t, u.(interface{ Done() bool }).Done())
	end, err := u.Next(ctx, append(conversation, runners.TextMessage(runners.RoleAssistant, "It is cancelled.")))
	require.NoError(t, err)
	assert.Nil(t, end, "###STOP### ends the conversation")
	assert.True(t, u.(interface{ Done() bool }).Done())
	assert.Len(t, tau2.PromptSHA256(), 64)
	for _, tok := range []string{"###STOP###", "###TRANSFER###", "###OUT-OF-SCOPE###"} {
		assert.True(t, tau2.Stops("ok "+tok), tok)
	}
	assert.False(t, tau2.Stops("STOP"))
}
