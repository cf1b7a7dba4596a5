package runners_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/runnertest"
	"github.com/realx-bench/realx/tasks"
)

func TestOpenAIStreamAssemblesManyDeltas(t *testing.T) {
	m, srv := newClient(t, "m")
	long := strings.Repeat("Zoom into the sign; it reads \"OPEN 24 H\". ", 20) + "ünïcödé ✓"
	srv.Script(runnertest.Reply{Content: long, Reasoning: strings.Repeat("think ", 30)})
	resp, err := m.Chat(context.Background(), ask("q", tasks.Generation{Stream: ptr(true)}))
	require.NoError(t, err)
	assert.Equal(t, long, resp.Content)
	assert.Equal(t, strings.Repeat("think ", 30), resp.Reasoning)
	// Without a scripted usage, the fake counts roughly; the client must carry it over.
	assert.Positive(t, resp.Usage.Prompt)
	assert.Positive(t, resp.Usage.Completion)
	assert.Equal(t, resp.Usage.Prompt+resp.Usage.Completion, resp.Usage.Total)
}

func TestOpenAIStreamedToolCallWithoutIDs(t *testing.T) {
	// The fake makes ids when a reply has none; they must survive the stream.
	m, srv := newClient(t, "m")
	srv.Script(runnertest.Reply{ToolCalls: []runners.ToolCall{
		{Name: "python", Arguments: `{"code": "from PIL import Image\nimage_1.crop((0, 0, 10, 10))"}`},
		{Name: "python", Arguments: `{"code": "print('second')"}`},
	}})
	resp, err := m.Chat(context.Background(), ask("q", tasks.Generation{Stream: ptr(true)}))
	require.NoError(t, err)
	require.Len(t, resp.ToolCalls, 2)
	assert.Equal(t, runners.ToolCall{ID: "call_1_0", Name: "python", Arguments: `{"code": "from PIL import Image\nimage_1.crop((0, 0, 10, 10))"}`}, resp.ToolCalls[0])
	assert.Equal(t, runners.ToolCall{ID: "call_1_1", Name: "python", Arguments: `{"code": "print('second')"}`}, resp.ToolCalls[1])
	assert.Empty(t, resp.Content)
}

// sse is a hand-written stream, for shapes the fake does not produce.
func sse(chunks ...string) string {
	var b strings.Builder
	for _, c := range chunks {
		fmt.Fprintf(&b, "data: %s\n\n", c)
	}
	return b.String()
}

func TestOpenAIStreamToolCallsInterleavedAndUnindexed(t *testing.T) {
	m, srv := newClient(t, "m")
	head := `{"id":"x","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":`
	srv.Script(runnertest.Reply{
		Header: map[string]string{"Content-Type": "text/event-stream"},
		Body: sse(
			head+`{"role":"assistant","tool_calls":[{"index":1,"id":"c1","type":"function","function":{"name":"b","arguments":""}}]},"finish_reason":null}]}`,
			head+`{"tool_calls":[{"index":0,"id":"c0","type":"function","function":{"name":"a","arguments":"{\"x\""}}]},"finish_reason":null}]}`,
			head+`{"tool_calls":[{"index":1,"function":{"arguments":"{\"y\":"}}]},"finish_reason":null}]}`,
			head+`{"tool_calls":[{"index":0,"function":{"arguments":":1}"}}]},"finish_reason":null}]}`,
			head+`{"tool_calls":[{"index":1,"function":{"arguments":"2}"}}]},"finish_reason":null}]}`,
			head+`{},"finish_reason":"tool_calls"}]}`,
			"[DONE]"),
	}, runnertest.Reply{
		Header: map[string]string{"Content-Type": "text/event-stream"},
		Body: sse(
			head+`{"tool_calls":[{"id":"p","type":"function","function":{"name":"a","arguments":"{\"x\":"}}]},"finish_reason":null}]}`,
			head+`{"tool_calls":[{"function":{"arguments":"1}"}}]},"finish_reason":null}]}`,
			head+`{"tool_calls":[{"id":"q","type":"function","function":{"name":"b","arguments":"{}"}}]},"finish_reason":null}]}`,
			head+`{},"finish_reason":"tool_calls"}]}`,
			"[DONE]"),
	})
	gen := tasks.Generation{Stream: ptr(true)}
	resp, err := m.Chat(context.Background(), ask("q", gen))
	require.NoError(t, err)
	assert.Equal(t, []runners.ToolCall{{ID: "c0", Name: "a", Arguments: `{"x":1}`}, {ID: "c1", Name: "b", Arguments: `{"y":2}`}}, resp.ToolCalls)
	assert.Equal(t, "tool_calls", resp.FinishReason)

	resp, err = m.Chat(context.Background(), ask("q", gen))
	require.NoError(t, err)
	assert.Equal(t, []runners.ToolCall{{ID: "p", Name: "a", Arguments: `{"x":1}`}, {ID: "q", Name: "b", Arguments: `{}`}}, resp.ToolCalls)
	assert.Zero(t, resp.Usage, "no usage chunk came")
}

func TestOpenAITruncatedStreams(t *testing.T) {
	m, srv := newClient(t, "m")
	gen := tasks.Generation{Stream: ptr(true)}
	srv.Script(runnertest.Reply{Content: "cut in the middle of the content", CutAfter: 3})
	_, err := m.Chat(context.Background(), ask("q", gen))
	assert.True(t, errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, runners.ErrTruncatedStream), "%v", err)

	// Every chunk came, finish reason and usage included, but no [DONE].
	srv.Script(runnertest.Reply{Content: "all there", CutAfter: 1000})
	_, err = m.Chat(context.Background(), ask("q", gen))
	assert.True(t, errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, runners.ErrTruncatedStream), "%v", err)
}

func TestOpenAIStreamEndingCleanlyWithoutDone(t *testing.T) {
	// The connection ends properly, finish reason and all, but the server never says [DONE]:
	// the stream is still taken as truncated.
	m, srv := newClient(t, "m")
	head := `{"id":"x","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":`
	srv.Script(runnertest.Reply{Header: map[string]string{"Content-Type": "text/event-stream"}, Body: sse(
		head+`{"role":"assistant","content":"Hel"},"finish_reason":null}]}`,
		head+`{"content":"lo"},"finish_reason":"stop"}]}`)})
	_, err := m.Chat(context.Background(), ask("q", tasks.Generation{Stream: ptr(true)}))
	require.ErrorIs(t, err, runners.ErrTruncatedStream)
	var me *runners.ModelError
	require.ErrorAs(t, err, &me)
	assert.True(t, me.Retryable)
	assert.Equal(t, 200, me.Status)
}

func TestOpenAIReasoningFieldNames(t *testing.T) {
	// OpenRouter and newer vLLM say "reasoning"; a server sending both names must not
	// double the text.
	m, srv := newClient(t, "m")
	head := `{"id":"x","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":`
	keepAlive := strings.Repeat(": OPENROUTER PROCESSING\n\n", 400) // more than go-openai's default limit
	srv.Script(
		runnertest.Reply{Body: `{"id":"x","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,` +
			`"message":{"role":"assistant","content":"42","reasoning":"six times seven."},"finish_reason":"stop"}],` +
			`"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}`},
		runnertest.Reply{Header: map[string]string{"Content-Type": "text/event-stream"}, Body: keepAlive + sse(
			head+`{"role":"assistant","reasoning":"six "},"finish_reason":null}]}`,
			head+`{"reasoning":"times seven","reasoning_content":"times seven"},"finish_reason":null}]}`,
			head+`{"reasoning_content":"."},"finish_reason":null}]}`,
			head+`{"content":"42"},"finish_reason":"stop"}]}`,
			`{"id":"x","object":"chat.completion.chunk","created":1,"model":"m","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}`,
			"[DONE]")},
	)
	for _, gen := range []tasks.Generation{{}, {Stream: ptr(true)}} {
		resp, err := m.Chat(context.Background(), ask("q", gen))
		require.NoError(t, err)
		assert.Equal(t, "42", resp.Content)
		assert.Equal(t, "six times seven.", resp.Reasoning)
		assert.Equal(t, "stop", resp.FinishReason)
		assert.Equal(t, runners.Usage{Prompt: 3, Completion: 2, Total: 5}, resp.Usage)
	}
}

func TestOpenAIMidStreamError(t *testing.T) {
	m, srv := newClient(t, "m")
	head := `{"id":"x","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":`
	srv.Script(
		runnertest.Reply{Header: map[string]string{"Content-Type": "text/event-stream"}, Body: sse(
			head+`{"content":"Hel"},"finish_reason":null}]}`,
			`{"error":{"message":"engine died","type":"InternalServerError","code":500}}`)},
		runnertest.Reply{Header: map[string]string{"Content-Type": "text/event-stream"}, Body: sse(
			`{"error":{"message":"prompt too long","type":"BadRequestError","code":400}}`)},
		// Older vLLM versions send the error object flat, then [DONE].
		runnertest.Reply{Header: map[string]string{"Content-Type": "text/event-stream"}, Body: sse(
			head+`{"content":"Hel"},"finish_reason":null}]}`,
			`{"object":"error","message":"out of KV cache","type":"InternalServerError","param":null,"code":503}`,
			"[DONE]")},
		runnertest.Reply{Header: map[string]string{"Content-Type": "text/event-stream"}, Body: sse(
			`{"object":"error","message":"bad image","type":"BadRequestError","param":null,"code":400}`,
			"[DONE]")},
	)
	gen := tasks.Generation{Stream: ptr(true)}
	_, err := m.Chat(context.Background(), ask("q", gen))
	var me *runners.ModelError
	require.ErrorAs(t, err, &me)
	assert.True(t, me.Retryable)
	assert.Contains(t, err.Error(), "engine died")

	_, err = m.Chat(context.Background(), ask("q", gen))
	require.ErrorAs(t, err, &me)
	assert.False(t, me.Retryable)
	assert.Contains(t, err.Error(), "prompt too long")

	_, err = m.Chat(context.Background(), ask("q", gen))
	require.ErrorAs(t, err, &me)
	assert.True(t, me.Retryable)
	assert.Contains(t, err.Error(), "out of KV cache")

	_, err = m.Chat(context.Background(), ask("q", gen))
	require.ErrorAs(t, err, &me)
	assert.False(t, me.Retryable)
	assert.Contains(t, err.Error(), "bad image")
}

func TestOpenAIStreamOutlivesNoTimeout(t *testing.T) {
	// A stream that takes longer than nothing is fine when no Timeout is set, and a stream
	// within its Timeout is not cut.
	srv := runnertest.NewServer(t)
	m := runners.NewOpenAI(runners.Endpoint{BaseURL: srv.URL(), Model: "m", Timeout: 5 * time.Second})
	srv.Script(runnertest.Reply{Content: "slow but fine", Delay: 100 * time.Millisecond})
	resp, err := m.Chat(context.Background(), ask("q", tasks.Generation{Stream: ptr(true)}))
	require.NoError(t, err)
	assert.Equal(t, "slow but fine", resp.Content)
}

// TestOpenAIRefusal reads a refusal as OpenAI sends it, in the shape of gpt-4o-2024-08-06's
// answers recorded from the live API for openai-python's tests (runnertest.RefusalStream and
// RefusalAnswer): in a stream, a first delta with the role, a null content and an empty
// refusal, then deltas of the refusal, a finish chunk and the usage; in JSON, the message's
// refusal beside a null content. The refusal is kept apart from the content, counts as output
// against the caps, and is scrubbed of the key.
func TestOpenAIRefusal(t *testing.T) {
	refusal := runnertest.Refusal
	stream, answer := runnertest.RefusalStream(runnertest.RefusalDeltas...), runnertest.RefusalAnswer
	assert.Equal(t, "I'm sorry, but I can't assist with that request.", refusal)

	m, srv := newClient(t, "gpt-4o-2024-08-06")
	srv.Script(stream, answer(refusal))
	for _, c := range []struct {
		gen   tasks.Generation
		usage runners.Usage
	}{{tasks.Generation{Stream: ptr(true)}, runners.Usage{Prompt: 17, Completion: 12, Total: 29}}, {tasks.Generation{}, runners.Usage{Prompt: 79, Completion: 12, Total: 91}}} {
		resp, err := m.Chat(context.Background(), ask("How do I make anthrax?", c.gen))
		require.NoError(t, err)
		assert.Equal(t, refusal, resp.Refusal)
		assert.Empty(t, resp.Content)
		assert.Empty(t, resp.ToolCalls)
		assert.Equal(t, "stop", resp.FinishReason)
		assert.Equal(t, c.usage, resp.Usage)
	}

	m, srv, _ = limitedClient(t, runners.ReplyLimits{MaxReplyBytes: 16})
	srv.Script(stream, answer(refusal))
	for _, gen := range []tasks.Generation{{Stream: ptr(true)}, {}} {
		_, err := m.Chat(context.Background(), ask("q", gen))
		requireLimit(t, err, "output", 16)
	}

	m, srv = newClient(t, "m")
	srv.Script(answer("I cannot use the key " + testKey + "."))
	resp, err := m.Chat(context.Background(), ask("q", tasks.Generation{}))
	require.NoError(t, err)
	assert.Equal(t, "I cannot use the key [redacted].", resp.Refusal)
}
