package runners_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/runnertest"
)

// TestRefusedForSize puts the error answers of vLLM, SGLang and OpenAI through the client, as
// they come on the wire: the refusals for the conversation's size are the model's stop, every
// other error stays the infrastructure's.
func TestRefusedForSize(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		status int
		body   string
		want   runners.StopReason
	}{
		{"vLLM, its error at the top level", 400,
			`{"object":"error","message":"This model's maximum context length is 8192 tokens. However, you requested 16163 tokens (1163 in the messages, 15000 in the completion). Please reduce the length of the messages or completion.","type":"BadRequestError","param":null,"code":400}`,
			runners.StopContextLength},
		{"vLLM, its error under error", 400,
			`{"error":{"message":"'max_tokens' or 'max_completion_tokens' is too large: 8000. This model's maximum context length is 4096 tokens and your request has 2778 input tokens (8000 > 4096 - 2778). None","type":"BadRequestError","param":null,"code":400}}`,
			runners.StopContextLength},
		{"vLLM's engine", 400,
			`{"error":{"message":"The decoder prompt (length 5000) is longer than the maximum model length of 4096. Make sure that max_model_len is no smaller than the number of text tokens plus multimodal tokens.","type":"BadRequestError","param":null,"code":400}}`,
			runners.StopContextLength},
		{"OpenAI, by its code", 400,
			`{"error":{"message":"Your input is too long for this model.","type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}}`,
			runners.StopContextLength},
		{"OpenAI, by its words", 400,
			`{"error":{"message":"This model's maximum context length is 128000 tokens. However, your messages resulted in 173172 tokens. Please reduce the length of the messages.","type":"invalid_request_error","param":"messages","code":null}}`,
			runners.StopContextLength},
		{"SGLang, the input", 400,
			`{"object":"error","message":"The input (5000 tokens) is longer than the model's context length (4096 tokens).","type":"BadRequestError","param":null,"code":400}`,
			runners.StopContextLength},
		{"SGLang, input and completion", 400,
			`{"object":"error","message":"Requested token count exceeds the model's maximum context length of 64000 tokens. You requested a total of 71897 tokens: 7897 tokens from the input messages and 64000 tokens for the completion. Please reduce the number of tokens in the input messages or the completion to fit within the limit.","type":"BadRequestError","param":null,"code":400}`,
			runners.StopContextLength},
		{"vLLM, too many images", 400,
			`{"object":"error","message":"At most 5 image(s) may be provided in one request.","type":"BadRequestError","param":null,"code":400}`,
			runners.StopRequestTooLarge},
		{"vLLM, too many images per prompt", 400,
			`{"error":{"message":"At most 1 image(s) may be provided in one prompt.","type":"BadRequestError","param":null,"code":400}}`,
			runners.StopRequestTooLarge},
		{"OpenAI, too many images", 400,
			`{"error":{"message":"Too many images in request. Max is 10.","type":"invalid_request_error","param":null,"code":null}}`,
			runners.StopRequestTooLarge},
		{"a body too large for a proxy", 413, `<html><body>413 Request Entity Too Large</body></html>`, runners.StopRequestTooLarge},
		{"another bad request", 400, `{"error":{"message":"temperature must be at most 2","type":"invalid_request_error","param":"temperature","code":null}}`, ""},
		{"an unknown model", 404, `{"error":{"message":"The model ` + "`m`" + ` does not exist.","type":"NotFoundError","param":null,"code":404}}`, ""},
		{"overloaded, whatever it says", 503, `{"error":{"message":"maximum context length of the queue reached","type":"server_error","param":null,"code":null}}`, ""},
		{"rate limited", 429, `{"error":{"message":"slow down","type":"requests","param":null,"code":"rate_limit_exceeded"}}`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := runnertest.NewServer(t)
			srv.Script(runnertest.Reply{Status: tc.status, Body: tc.body})
			m := runners.NewOpenAI(runners.Endpoint{BaseURL: srv.URL(), Model: "m"})
			_, err := m.Chat(context.Background(), &runners.ChatRequest{Messages: []runners.Message{runners.TextMessage(runners.RoleUser, "hi")}})
			require.Error(t, err)
			stop, detail := runners.RefusedForSize(err)
			assert.Equal(t, tc.want, stop, err.Error())
			if tc.want != "" {
				assert.Equal(t, err.Error(), detail)
				assert.True(t, stop.Budget() && stop.SizeRefusal())
			}
		})
	}
	stop, _ := runners.RefusedForSize(context.Canceled)
	assert.Empty(t, stop, "not an endpoint's answer")
}

// TestContextOverflowEndsTheSample: a later turn refused for the context's length ends the
// sample with that stop and no answer, and no error: the model's failure, not the
// infrastructure's.
func TestContextOverflowEndsTheSample(t *testing.T) {
	t.Parallel()
	a, srv := agentFor(t, "native")
	srv.Script(
		runnertest.Reply{ToolCalls: []runners.ToolCall{{ID: "c1", Name: "crop", Arguments: "{}"}}},
		runnertest.Reply{Status: 400, Body: `{"error":{"message":"This model's maximum context length is 32 tokens. However, your messages resulted in 40 tokens.","type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}}`},
	)
	tr, err := a.Run(context.Background(), question("x"))
	require.NoError(t, err)
	assert.Equal(t, runners.StopContextLength, tr.Stop)
	assert.Contains(t, tr.StopDetail, "maximum context length is 32 tokens")
	assert.Empty(t, tr.Final, "nothing to grade")
	assert.Len(t, srv.Requests(), 2, "not retried")
}
