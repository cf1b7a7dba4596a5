package runnertest_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/runnertest"
)

func post(t *testing.T, url, body string) *http.Response {
	t.Helper()
	resp, err := http.Post(url+"/chat/completions", "application/json", strings.NewReader(body))
	require.NoError(t, err)
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// events reads a server-sent-event body into its data payloads.
func events(t *testing.T, r io.Reader) []string {
	t.Helper()
	var out []string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			continue
		}
		data, ok := strings.CutPrefix(line, "data: ")
		require.True(t, ok, "not a data line: %q", line)
		out = append(out, data)
	}
	require.NoError(t, sc.Err())
	return out
}

const userHi = `{"model":"m","messages":[{"role":"user","content":"hi"}]`

func TestCompletionJSON(t *testing.T) {
	t.Parallel()
	srv := runnertest.NewServer(t)
	srv.Script(runnertest.Reply{
		Content: "hello", Reasoning: "greet back",
		Usage: &runners.Usage{Prompt: 5, Completion: 1, Total: 6},
	})
	resp := post(t, srv.URL(), userHi+`}`)
	require.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.JSONEq(t, `{
		"id": "chatcmpl-fake-1", "object": "chat.completion", "created": 1700000000, "model": "m",
		"choices": [{"index": 0, "logprobs": null, "finish_reason": "stop",
			"message": {"role": "assistant", "content": "hello", "reasoning_content": "greet back"}}],
		"usage": {"prompt_tokens": 5, "completion_tokens": 1, "total_tokens": 6}
	}`, string(body))
}

func TestCompletionToolCallsJSON(t *testing.T) {
	t.Parallel()
	srv := runnertest.NewServer(t)
	srv.Script(runnertest.Reply{ToolCalls: []runners.ToolCall{{Name: "python", Arguments: `{"code":"1"}`}}})
	body, err := io.ReadAll(post(t, srv.URL(), userHi+`}`).Body)
	require.NoError(t, err)
	var got map[string]any
	require.NoError(t, json.Unmarshal(body, &got))
	choice := got["choices"].([]any)[0].(map[string]any)
	assert.Equal(t, "tool_calls", choice["finish_reason"])
	msg := choice["message"].(map[string]any)
	assert.Contains(t, msg, "content")
	assert.Nil(t, msg["content"], "content is null when there are only tool calls")
	assert.Equal(t, []any{map[string]any{"id": "call_1_0", "type": "function",
		"function": map[string]any{"name": "python", "arguments": `{"code":"1"}`}}}, msg["tool_calls"])
	// The rough usage: 2 bytes of prompt → 1 token, 1 message → 3; 6+12 bytes of call → 5.
	assert.Equal(t, map[string]any{"prompt_tokens": 4.0, "completion_tokens": 5.0, "total_tokens": 9.0}, got["usage"])
}

func TestStreamFormat(t *testing.T) {
	t.Parallel()
	srv := runnertest.NewServer(t)
	srv.Script(runnertest.Reply{
		Content:   "Hello there, world!",
		ToolCalls: []runners.ToolCall{{ID: "c1", Name: "search", Arguments: `{"query":"x"}`}},
		Usage:     &runners.Usage{Prompt: 7, Completion: 8, Total: 15},
	})
	resp := post(t, srv.URL(), userHi+`,"stream":true,"stream_options":{"include_usage":true}}`)
	require.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
	evs := events(t, resp.Body)
	require.Greater(t, len(evs), 6)
	assert.Equal(t, "[DONE]", evs[len(evs)-1])

	type chunk struct {
		ID, Object, Model string
		Created           int64
		Choices           []struct {
			Index int
			Delta struct {
				Role      string
				Content   *string
				ToolCalls []struct {
					Index    *int
					ID, Type string
					Function struct{ Name, Arguments *string }
				} `json:"tool_calls"`
			}
			FinishReason *string `json:"finish_reason"`
		}
		Usage *struct {
			Prompt     int `json:"prompt_tokens"`
			Completion int `json:"completion_tokens"`
			Total      int `json:"total_tokens"`
		}
	}
	var content, args strings.Builder
	var contentDeltas, argDeltas int
	var finish string
	for i, e := range evs[:len(evs)-1] {
		var c chunk
		require.NoError(t, json.Unmarshal([]byte(e), &c), e)
		assert.Equal(t, "chatcmpl-fake-1", c.ID)
		assert.Equal(t, "chat.completion.chunk", c.Object)
		assert.Equal(t, int64(runnertest.Created), c.Created)
		assert.Equal(t, "m", c.Model)
		if i == len(evs)-2 { // the usage chunk
			assert.Empty(t, c.Choices)
			require.NotNil(t, c.Usage)
			assert.Equal(t, 7, c.Usage.Prompt)
			assert.Equal(t, 15, c.Usage.Total)
			continue
		}
		assert.Nil(t, c.Usage)
		require.Len(t, c.Choices, 1)
		d := c.Choices[0].Delta
		if i == 0 {
			assert.Equal(t, "assistant", d.Role)
		}
		if d.Content != nil && *d.Content != "" {
			content.WriteString(*d.Content)
			contentDeltas++
		}
		for _, tc := range d.ToolCalls {
			require.NotNil(t, tc.Index)
			assert.Equal(t, 0, *tc.Index)
			if tc.ID != "" { // the first fragment
				assert.Equal(t, "c1", tc.ID)
				assert.Equal(t, "function", tc.Type)
				require.NotNil(t, tc.Function.Name)
				assert.Equal(t, "search", *tc.Function.Name)
			} else {
				assert.Nil(t, tc.Function.Name, "the name comes only in the first fragment")
				args.WriteString(*tc.Function.Arguments)
				argDeltas++
			}
		}
		if f := c.Choices[0].FinishReason; f != nil {
			finish = *f
		}
	}
	assert.Equal(t, "Hello there, world!", content.String())
	assert.Greater(t, contentDeltas, 2, "content should come in several deltas")
	assert.Equal(t, `{"query":"x"}`, args.String())
	assert.Greater(t, argDeltas, 1, "arguments should be split across fragments")
	assert.Equal(t, "tool_calls", finish)
}

func TestStreamWithoutUsageOption(t *testing.T) {
	t.Parallel()
	srv := runnertest.NewServer(t)
	srv.Script(runnertest.Reply{Content: "hi"})
	evs := events(t, post(t, srv.URL(), userHi+`,"stream":true}`).Body)
	assert.Equal(t, "[DONE]", evs[len(evs)-1])
	for _, e := range evs[:len(evs)-1] {
		assert.NotContains(t, e, "usage")
		assert.NotContains(t, e, `"choices":[]`)
	}
}

func TestStreamCutAfter(t *testing.T) {
	t.Parallel()
	srv := runnertest.NewServer(t)
	srv.Script(runnertest.Reply{Content: "a fairly long answer to be cut", CutAfter: 3})
	resp := post(t, srv.URL(), userHi+`,"stream":true}`)
	body, err := io.ReadAll(resp.Body)
	require.ErrorIs(t, err, io.ErrUnexpectedEOF, "the connection must drop, not end cleanly")
	assert.Equal(t, 3, strings.Count(string(body), "data: "))
	assert.NotContains(t, string(body), "[DONE]")
}

func TestJSONCutAfter(t *testing.T) {
	t.Parallel()
	srv := runnertest.NewServer(t)
	srv.Script(runnertest.Reply{Content: "hello", CutAfter: 10})
	body, err := io.ReadAll(post(t, srv.URL(), userHi+`}`).Body)
	require.ErrorIs(t, err, io.ErrUnexpectedEOF)
	assert.Equal(t, `{"id":"cha`, string(body))
}

func TestReset(t *testing.T) {
	t.Parallel()
	srv := runnertest.NewServer(t)
	srv.Script(runnertest.Reply{Reset: true})
	_, err := http.Post(srv.URL()+"/chat/completions", "application/json", strings.NewReader(userHi+`}`))
	require.Error(t, err)
	assert.Len(t, srv.Requests(), 1, "the request is recorded before the reset")
}

func TestErrorsAndHeaders(t *testing.T) {
	t.Parallel()
	srv := runnertest.NewServer(t)
	srv.Script(
		runnertest.Reply{Status: 429, Header: map[string]string{"Retry-After": "3"}},
		runnertest.Reply{Status: 503, Body: "upstream down", Header: map[string]string{"Content-Type": "text/plain"}},
	)
	resp := post(t, srv.URL(), userHi+`}`)
	assert.Equal(t, 429, resp.StatusCode)
	assert.Equal(t, "3", resp.Header.Get("Retry-After"))
	var e struct {
		Error struct{ Message, Type, Code string }
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&e))
	assert.Equal(t, "rate_limit_exceeded", e.Error.Code)
	assert.NotEmpty(t, e.Error.Message)

	resp = post(t, srv.URL(), userHi+`}`)
	assert.Equal(t, 503, resp.StatusCode)
	body, _ := io.ReadAll(resp.Body)
	assert.Equal(t, "upstream down", string(body))
}

func TestNothingScripted(t *testing.T) {
	t.Parallel()
	srv := runnertest.NewServer(t)
	resp := post(t, srv.URL(), userHi+`}`)
	assert.Equal(t, 500, resp.StatusCode)
	body, _ := io.ReadAll(resp.Body)
	assert.Contains(t, string(body), "no scripted reply left and no handler set")
}

func TestScriptBeforeHandler(t *testing.T) {
	t.Parallel()
	srv := runnertest.NewServer(t)
	srv.Handle(func(r *runnertest.Request) runnertest.Reply {
		return runnertest.Reply{Content: "handled " + r.Last().Text}
	})
	srv.Script(runnertest.Reply{Content: "scripted"})
	var got []string
	for range 2 {
		var c struct {
			Choices []struct{ Message struct{ Content string } }
		}
		require.NoError(t, json.NewDecoder(post(t, srv.URL(), userHi+`}`).Body).Decode(&c))
		got = append(got, c.Choices[0].Message.Content)
	}
	assert.Equal(t, []string{"scripted", "handled hi"}, got)
	reqs := srv.Requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, []int{1, 2}, []int{reqs[0].Seq, reqs[1].Seq})
}

func TestBadRequests(t *testing.T) {
	t.Parallel()
	srv := runnertest.NewServer(t)
	for _, body := range []string{
		`not json`,
		`{"messages":[{"role":"user","content":"hi"}]}`,
		`{"model":"m","messages":[]}`,
		`{"model":"m","messages":[{"role":"user","content":[{"type":"audio"}]}]}`,
	} {
		resp := post(t, srv.URL(), body)
		assert.Equal(t, 400, resp.StatusCode, body)
	}
	assert.Len(t, srv.Requests(), 4, "bad requests are recorded too")
	assert.Nil(t, srv.Requests()[0].JSON)
}

func TestRequestMessages(t *testing.T) {
	t.Parallel()
	srv := runnertest.NewServer(t)
	srv.Script(runnertest.Reply{Content: "ok"})
	post(t, srv.URL(), `{"model":"m","stream":false,"temperature":0,"messages":[
		{"role":"user","content":[{"type":"text","text":"look "},{"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA"}},{"type":"text","text":"here"}]},
		{"role":"assistant","content":null,"tool_calls":[{"id":"c","type":"function","function":{"name":"zoom","arguments":"{}"}}]},
		{"role":"tool","tool_call_id":"c","content":"done"}]}`)
	r := srv.Requests()[0]
	assert.Equal(t, []runnertest.Msg{
		{Role: "user", Text: "look here", Images: 1, ImageURLs: []string{"data:image/png;base64,AAAA"}},
		{Role: "assistant", ToolCalls: []runners.ToolCall{{ID: "c", Name: "zoom", Arguments: "{}"}}},
		{Role: "tool", Text: "done", ToolCallID: "c"},
	}, r.Messages)
	assert.Equal(t, 0.0, r.JSON["temperature"])
	assert.Equal(t, "tool", r.Last().Role)
	assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
}

func TestDelayHonoursTheRequestContext(t *testing.T) {
	t.Parallel()
	srv := runnertest.NewServer(t)
	srv.Script(runnertest.Reply{Content: "late", Delay: time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "POST", srv.URL()+"/chat/completions", strings.NewReader(userHi+`}`))
	require.NoError(t, err)
	start := time.Now()
	_, err = http.DefaultClient.Do(req)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 10*time.Second)
	// Cleanup must not wait a minute for the handler either.
}

func TestModelsAndUnknownRoutes(t *testing.T) {
	t.Parallel()
	srv := runnertest.NewServer(t)
	resp, err := http.Get(srv.URL() + "/models")
	require.NoError(t, err)
	defer resp.Body.Close()
	var list struct {
		Object string
		Data   []struct{ ID, Object string }
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&list))
	assert.Equal(t, "list", list.Object)
	require.Len(t, list.Data, 1)
	assert.Equal(t, runnertest.ModelID, list.Data[0].ID)

	resp2, err := http.Get(srv.URL() + "/embeddings")
	require.NoError(t, err)
	defer resp2.Body.Close()
	assert.Equal(t, 404, resp2.StatusCode)
}
