package runners_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/runnertest"
	"github.com/realx-bench/realx/tasks"
)

const testKey = "sk-test-0123456789abcdef"

func ptr[T any](v T) *T { return &v }

func newClient(t *testing.T, model string) (*runners.OpenAI, *runnertest.Server) {
	t.Helper()
	srv := runnertest.NewServer(t)
	return runners.NewOpenAI(runners.Endpoint{BaseURL: srv.URL(), Model: model, APIKey: testKey}), srv
}

// modes runs f once without and once with streaming.
func modes(t *testing.T, f func(t *testing.T, gen tasks.Generation)) {
	t.Run("json", func(t *testing.T) { f(t, tasks.Generation{}) })
	t.Run("stream", func(t *testing.T) { f(t, tasks.Generation{Stream: ptr(true)}) })
}

func ask(text string, gen tasks.Generation) *runners.ChatRequest {
	return &runners.ChatRequest{
		Messages:   []runners.Message{runners.TextMessage(runners.RoleSystem, "Be brief."), runners.TextMessage(runners.RoleUser, text)},
		Generation: gen,
	}
}

func TestOpenAIText(t *testing.T) {
	modes(t, func(t *testing.T, gen tasks.Generation) {
		m, srv := newClient(t, "qwen2.5-vl-7b")
		srv.Script(runnertest.Reply{
			Content:   "The answer is (B), since 17 × 3 = 51.",
			Reasoning: "Multiply seventeen by three.",
			Usage:     &runners.Usage{Prompt: 31, Completion: 12, Total: 43},
			Delay:     20 * time.Millisecond,
		})
		resp, err := m.Chat(context.Background(), ask("What is 17 × 3?", gen))
		require.NoError(t, err)
		assert.Equal(t, "The answer is (B), since 17 × 3 = 51.", resp.Content)
		assert.Equal(t, "Multiply seventeen by three.", resp.Reasoning)
		assert.Equal(t, "stop", resp.FinishReason)
		assert.Empty(t, resp.ToolCalls)
		assert.Equal(t, runners.Usage{Prompt: 31, Completion: 12, Total: 43}, resp.Usage)
		assert.GreaterOrEqual(t, resp.Latency, 20*time.Millisecond)

		reqs := srv.Requests()
		require.Len(t, reqs, 1)
		r := reqs[0]
		assert.Equal(t, "qwen2.5-vl-7b", r.Model)
		assert.Equal(t, gen.Stream != nil, r.Stream)
		assert.Equal(t, "Bearer "+testKey, r.Header.Get("Authorization"))
		require.Len(t, r.Messages, 2)
		assert.Equal(t, runnertest.Msg{Role: "system", Text: "Be brief."}, r.Messages[0])
		assert.Equal(t, runnertest.Msg{Role: "user", Text: "What is 17 × 3?"}, r.Messages[1])
		// Text-only messages go as a plain string.
		assert.Equal(t, "What is 17 × 3?", r.JSON["messages"].([]any)[1].(map[string]any)["content"])
		if gen.Stream != nil {
			assert.Equal(t, map[string]any{"include_usage": true}, r.JSON["stream_options"])
		} else {
			assert.NotContains(t, r.JSON, "stream_options")
		}
	})
}

func TestOpenAIImages(t *testing.T) {
	modes(t, func(t *testing.T, gen tasks.Generation) {
		m, srv := newClient(t, "m")
		srv.Script(runnertest.Reply{Content: "a mug"})
		png := []byte("\x89PNG\r\n\x1a\nnot really, but bytes are bytes")
		jpg := []byte{0xff, 0xd8, 0xff, 0xe0, 1, 2, 3}
		req := &runners.ChatRequest{Generation: gen, Messages: []runners.Message{{
			Role: runners.RoleUser,
			Parts: []runners.Part{
				{Image: &runners.Image{Data: png, MIME: "image/png", Width: 4, Height: 3}},
				{Text: "What is in the first image"},
				{Text: ", and in the second?"},
				{Image: &runners.Image{Data: jpg, MIME: "image/jpeg", Detail: "high"}},
			},
		}}}
		_, err := m.Chat(context.Background(), req)
		require.NoError(t, err)

		r := srv.Requests()[0]
		require.Len(t, r.Messages, 1)
		assert.Equal(t, 2, r.Messages[0].Images)
		assert.Equal(t, "What is in the first image, and in the second?", r.Messages[0].Text)
		assert.Equal(t, []string{
			"data:image/png;base64," + base64.StdEncoding.EncodeToString(png),
			"data:image/jpeg;base64," + base64.StdEncoding.EncodeToString(jpg),
		}, r.Messages[0].ImageURLs)

		parts := r.JSON["messages"].([]any)[0].(map[string]any)["content"].([]any)
		require.Len(t, parts, 4)
		assert.Equal(t, map[string]any{"type": "image_url", "image_url": map[string]any{"url": r.Messages[0].ImageURLs[0]}}, parts[0],
			"detail must be absent when Image.Detail is empty")
		assert.Equal(t, map[string]any{"type": "text", "text": "What is in the first image"}, parts[1])
		assert.Equal(t, map[string]any{"type": "text", "text": ", and in the second?"}, parts[2])
		assert.Equal(t, map[string]any{"type": "image_url", "image_url": map[string]any{"url": r.Messages[0].ImageURLs[1], "detail": "high"}}, parts[3])
	})
}

func TestOpenAIImageWithoutMediaTypeIsAnError(t *testing.T) {
	m, srv := newClient(t, "m")
	_, err := m.Chat(context.Background(), &runners.ChatRequest{Messages: []runners.Message{{
		Role: runners.RoleUser, Parts: []runners.Part{{Image: &runners.Image{Data: []byte{1}}}},
	}}})
	require.ErrorContains(t, err, "media type")
	assert.Empty(t, srv.Requests(), "nothing should be sent")
}

func TestOpenAISamplingZerosReachTheWire(t *testing.T) {
	modes(t, func(t *testing.T, gen tasks.Generation) {
		// "o3-mini" would make go-openai refuse max_tokens before sending anything.
		m, srv := newClient(t, "o3-mini")
		srv.Script(runnertest.Reply{Content: "ok"}, runnertest.Reply{Content: "ok"})

		set := gen
		set.Temperature, set.TopP, set.MaxTokens, set.Seed, set.Stop = ptr(0.0), ptr(0.0), ptr(1024), ptr(0), []string{"</answer>", "\n\n"}
		_, err := m.Chat(context.Background(), ask("q", set))
		require.NoError(t, err)
		_, err = m.Chat(context.Background(), ask("q", gen)) // nothing set
		require.NoError(t, err)

		reqs := srv.Requests()
		require.Len(t, reqs, 2)
		body := string(reqs[0].Body)
		assert.Contains(t, body, `"temperature":0`)
		assert.Contains(t, body, `"top_p":0`)
		assert.Contains(t, body, `"max_tokens":1024`)
		assert.Contains(t, body, `"seed":0`)
		assert.Contains(t, body, `"stop":["</answer>","\n\n"]`)
		assert.NotContains(t, body, "max_completion_tokens")
		for _, key := range []string{"temperature", "top_p", "max_tokens", "seed", "stop"} {
			assert.NotContains(t, reqs[1].JSON, key, "unset %s must not be sent", key)
		}
	})
}

func TestOpenAINonZeroSampling(t *testing.T) {
	m, srv := newClient(t, "m")
	srv.Script(runnertest.Reply{Content: "ok"})
	_, err := m.Chat(context.Background(), ask("q", tasks.Generation{Temperature: ptr(0.7), TopP: ptr(0.95)}))
	require.NoError(t, err)
	r := srv.Requests()[0]
	assert.Equal(t, 0.7, r.JSON["temperature"])
	assert.Equal(t, 0.95, r.JSON["top_p"])
}

func TestOpenAIExtraFields(t *testing.T) {
	modes(t, func(t *testing.T, gen tasks.Generation) {
		m, srv := newClient(t, "m")
		srv.Script(runnertest.Reply{Content: "ok"})
		gen.Extra = map[string]any{
			"top_k":                -1,
			"repetition_penalty":   1.05,
			"chat_template_kwargs": map[string]any{"enable_thinking": false},
			"mm_processor_kwargs":  map[string]any{"max_pixels": 1003520, "min_pixels": 3136},
		}
		_, err := m.Chat(context.Background(), ask("q", gen))
		require.NoError(t, err)
		r := srv.Requests()[0]
		assert.Contains(t, string(r.Body), `"top_k":-1`)
		assert.Equal(t, 1.05, r.JSON["repetition_penalty"])
		assert.Equal(t, map[string]any{"enable_thinking": false}, r.JSON["chat_template_kwargs"])
		assert.Equal(t, map[string]any{"max_pixels": 1003520.0, "min_pixels": 3136.0}, r.JSON["mm_processor_kwargs"])
		assert.Equal(t, "m", r.JSON["model"], "extra fields must not disturb the rest")
		assert.Len(t, r.JSON["messages"], 2)
	})
}

func TestOpenAIExtraCannotOverride(t *testing.T) {
	m, srv := newClient(t, "m")
	for _, gen := range []tasks.Generation{
		{Extra: map[string]any{"messages": []any{}}},
		{Extra: map[string]any{"stream": true}},
		{Extra: map[string]any{"model": "other"}},
		{Temperature: ptr(0.0), Extra: map[string]any{"temperature": 1.0}},
		{Extra: map[string]any{"bad": make(chan int)}},
	} {
		_, err := m.Chat(context.Background(), ask("q", gen))
		require.Error(t, err, "%v", gen.Extra)
		var me *runners.ModelError
		assert.False(t, errors.As(err, &me), "a request error is not the endpoint's: %v", err)
	}
	assert.Empty(t, srv.Requests())
}

var weatherTool = runners.ToolDef{
	Name:        "image_zoom_in_tool",
	Description: "Zoom into a region of an image.",
	Parameters:  []byte(`{"type":"object","properties":{"bbox_2d":{"type":"array","items":{"type":"number"}},"label":{"type":"string"}},"required":["bbox_2d"]}`),
}

func TestOpenAIParallelToolCallsRoundTrip(t *testing.T) {
	modes(t, func(t *testing.T, gen tasks.Generation) {
		m, srv := newClient(t, "m")
		calls := []runners.ToolCall{
			{ID: "call_a", Name: "image_zoom_in_tool", Arguments: `{"bbox_2d": [10, 20, 110, 220], "label": "the red sign"}`},
			{ID: "call_b", Name: "python", Arguments: `{"code": "print(sum(range(10)))"}`},
			{ID: "call_c", Name: "search", Arguments: `{"query": "Eiffel Tower height in metres"}`},
		}
		srv.Script(runnertest.Reply{Content: "Let me look closer.", ToolCalls: calls}, runnertest.Reply{Content: "<answer>B</answer>"})

		req := ask("Which sign is red?", gen)
		req.Tools = []runners.ToolDef{weatherTool, {Name: "python"}}
		resp, err := m.Chat(context.Background(), req)
		require.NoError(t, err)
		assert.Equal(t, "Let me look closer.", resp.Content)
		assert.Equal(t, "tool_calls", resp.FinishReason)
		assert.Equal(t, calls, resp.ToolCalls)

		r := srv.Requests()[0]
		tools := r.JSON["tools"].([]any)
		require.Len(t, tools, 2)
		var schema map[string]any
		require.NoError(t, json.Unmarshal(weatherTool.Parameters, &schema))
		assert.Equal(t, map[string]any{"type": "function", "function": map[string]any{
			"name": "image_zoom_in_tool", "description": "Zoom into a region of an image.", "parameters": schema,
		}}, tools[0])
		assert.Equal(t, map[string]any{"type": "object", "properties": map[string]any{}},
			tools[1].(map[string]any)["function"].(map[string]any)["parameters"], "a tool without parameters gets an empty object schema")

		// The assistant turn and the tool results go back.
		req.Messages = append(req.Messages, runners.Message{Role: runners.RoleAssistant, ToolCalls: resp.ToolCalls})
		for _, c := range resp.ToolCalls {
			req.Messages = append(req.Messages, runners.Message{Role: runners.RoleTool, ToolCallID: c.ID, Parts: []runners.Part{{Text: "result of " + c.ID}}})
		}
		req.Messages = append(req.Messages, runners.Message{Role: runners.RoleTool, ToolCallID: "call_d"}) // printed nothing
		_, err = m.Chat(context.Background(), req)
		require.NoError(t, err)

		r = srv.Requests()[1]
		require.Len(t, r.Messages, 7)
		assert.Equal(t, runnertest.Msg{Role: "assistant", ToolCalls: calls}, r.Messages[2])
		assert.Equal(t, runnertest.Msg{Role: "tool", Text: "result of call_b", ToolCallID: "call_b"}, r.Messages[4])
		wire := r.JSON["messages"].([]any)
		assistant := wire[2].(map[string]any)
		assert.Contains(t, assistant, "content")
		assert.Nil(t, assistant["content"], "an assistant turn with only tool calls has content null")
		assert.Equal(t, "function", assistant["tool_calls"].([]any)[0].(map[string]any)["type"])
		empty := wire[6].(map[string]any)
		assert.Equal(t, "", empty["content"], "an empty tool result must still carry content")
		assert.Equal(t, "call_d", empty["tool_call_id"])
	})
}

func TestOpenAITimeout(t *testing.T) {
	modes(t, func(t *testing.T, gen tasks.Generation) {
		srv := runnertest.NewServer(t)
		m := runners.NewOpenAI(runners.Endpoint{BaseURL: srv.URL(), Model: "m", Timeout: 50 * time.Millisecond})
		// The answer would come after an hour: only the 50 ms timeout can end the call.
		srv.Script(runnertest.Reply{Content: "late", Delay: time.Hour})
		_, err := m.Chat(context.Background(), ask("q", gen))
		var me *runners.ModelError
		require.ErrorAs(t, err, &me)
		assert.True(t, me.Retryable, "a per-request timeout may be retried")
		assert.ErrorIs(t, err, context.DeadlineExceeded)
	})
}

func TestEndpointPrintsNoKey(t *testing.T) {
	ep := runners.Endpoint{BaseURL: "http://localhost:8000/v1", Model: "m", APIKey: testKey}
	for _, format := range []string{"%v", "%+v", "%s", "%#v"} {
		s := fmt.Sprintf(format, ep)
		assert.NotContains(t, s, testKey, format)
		assert.Contains(t, s, "localhost:8000", format)
	}
}

func TestOpenAIConcurrentUse(t *testing.T) {
	m, srv := newClient(t, "m")
	// Echo the question back, as a dynamic handler.
	srv.Handle(func(r *runnertest.Request) runnertest.Reply {
		return runnertest.Reply{Content: "echo: " + r.Last().Text}
	})
	var wg sync.WaitGroup
	errs := make([]error, 16)
	got := make([]string, 16)
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			gen := tasks.Generation{Temperature: ptr(0.0)}
			if i%2 == 0 {
				gen.Stream = ptr(true)
			}
			resp, err := m.Chat(context.Background(), ask(fmt.Sprint("question ", i), gen))
			errs[i] = err
			if err == nil {
				got[i] = resp.Content
			}
		}()
	}
	wg.Wait()
	for i := range 16 {
		require.NoError(t, errs[i])
		assert.Equal(t, fmt.Sprint("echo: question ", i), got[i])
	}
	assert.Len(t, srv.Requests(), 16)
}

func TestOpenAICustomHTTPClient(t *testing.T) {
	srv := runnertest.NewServer(t)
	var seen int
	var mu sync.Mutex
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		mu.Lock()
		seen++
		mu.Unlock()
		return http.DefaultTransport.RoundTrip(r)
	})}
	m := runners.NewOpenAI(runners.Endpoint{BaseURL: srv.URL() + "/", Model: "m", HTTPClient: hc})
	srv.Script(runnertest.Reply{Content: "ok"})
	resp, err := m.Chat(context.Background(), ask("q", tasks.Generation{Temperature: ptr(0.0)}))
	require.NoError(t, err)
	assert.Equal(t, "ok", resp.Content)
	assert.Equal(t, 1, seen)
	assert.Contains(t, string(srv.Requests()[0].Body), `"temperature":0`, "the body patch must apply with a custom client too")
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
