package runners_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/tasks"
)

func openCache(t *testing.T) *runners.Cache {
	t.Helper()
	c, err := runners.OpenCache(filepath.Join(t.TempDir(), "sub", "cache.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// keyRequest returns a request with a bit of everything a key covers.
func keyRequest() *runners.ChatRequest {
	temp, maxTokens := 0.0, 512
	return &runners.ChatRequest{
		Messages: []runners.Message{
			runners.TextMessage(runners.RoleSystem, "You are helpful."),
			{Role: runners.RoleUser, Parts: []runners.Part{
				{Text: "What is in the picture?"},
				{Image: &runners.Image{Data: []byte("\xff\xd8 pretend jpeg"), MIME: "image/jpeg", Width: 2, Height: 2, Detail: "high"}},
			}},
			{Role: runners.RoleAssistant, ToolCalls: []runners.ToolCall{{ID: "c1", Name: "zoom", Arguments: `{"bbox":[1,2,3,4]}`}}},
			{Role: runners.RoleTool, ToolCallID: "c1", Parts: []runners.Part{{Text: "zoomed"}}},
		},
		Tools: []runners.ToolDef{{Name: "zoom", Description: "Zoom in.", Parameters: []byte(`{"type":"object","properties":{"bbox":{"type":"array"}}}`)}},
		Generation: tasks.Generation{
			Temperature: &temp, MaxTokens: &maxTokens,
			Extra: map[string]any{"top_k": 20, "chat_template_kwargs": map[string]any{"enable_thinking": false, "a": 1}},
		},
	}
}

func mustKey(t *testing.T, endpoint string, req *runners.ChatRequest, repeat int) runners.CacheKey {
	t.Helper()
	r := *req
	r.Repeat = repeat
	k, err := runners.RequestKey(endpoint, &r)
	require.NoError(t, err)
	return k
}

func TestRequestKeyCoversEveryInput(t *testing.T) {
	t.Parallel()
	const ep = "http://localhost:8000/v1 qwen"
	base := mustKey(t, ep, keyRequest(), 0)
	assert.Equal(t, base, mustKey(t, ep, keyRequest(), 0), "the same request, the same key")

	f32, seed := 0.7, 1
	changes := map[string]func(r *runners.ChatRequest){
		"system text":  func(r *runners.ChatRequest) { r.Messages[0].Parts[0].Text += " " },
		"role":         func(r *runners.ChatRequest) { r.Messages[0].Role = runners.RoleUser },
		"image bytes":  func(r *runners.ChatRequest) { r.Messages[1].Parts[1].Image.Data = []byte("\xff\xd8 another jpeg") },
		"image detail": func(r *runners.ChatRequest) { r.Messages[1].Parts[1].Image.Detail = "low" },
		"image type":   func(r *runners.ChatRequest) { r.Messages[1].Parts[1].Image.MIME = "image/png" },
		"part order":   func(r *runners.ChatRequest) { p := r.Messages[1].Parts; p[0], p[1] = p[1], p[0] },
		"tool call":    func(r *runners.ChatRequest) { r.Messages[2].ToolCalls[0].Arguments = `{"bbox":[1,2,3,5]}` },
		"tool call id": func(r *runners.ChatRequest) { r.Messages[3].ToolCallID = "c2" },
		"one more message": func(r *runners.ChatRequest) {
			r.Messages = append(r.Messages, runners.TextMessage(runners.RoleUser, ""))
		},
		"tool name":      func(r *runners.ChatRequest) { r.Tools[0].Name = "crop" },
		"tool schema":    func(r *runners.ChatRequest) { r.Tools[0].Parameters = []byte(`{"type":"object"}`) },
		"no tools":       func(r *runners.ChatRequest) { r.Tools = nil },
		"temperature":    func(r *runners.ChatRequest) { r.Generation.Temperature = &f32 },
		"no temperature": func(r *runners.ChatRequest) { r.Generation.Temperature = nil },
		"seed":           func(r *runners.ChatRequest) { r.Generation.Seed = &seed },
		"stop":           func(r *runners.ChatRequest) { r.Generation.Stop = []string{"</answer>"} },
		"extra value":    func(r *runners.ChatRequest) { r.Generation.Extra["top_k"] = 40 },
		"nested extra": func(r *runners.ChatRequest) {
			r.Generation.Extra["chat_template_kwargs"].(map[string]any)["enable_thinking"] = true
		},
	}
	seen := map[runners.CacheKey]string{base: "base"}
	for name, change := range changes {
		r := keyRequest()
		change(r)
		k := mustKey(t, ep, r, 0)
		if other, dup := seen[k]; dup {
			t.Errorf("%s: same key as %s", name, other)
		}
		seen[k] = name
	}
	for name, k := range map[string]runners.CacheKey{
		"base URL": mustKey(t, "http://localhost:8001/v1 qwen", keyRequest(), 0),
		"model":    mustKey(t, "http://localhost:8000/v1 qwen2", keyRequest(), 0),
		"repeat":   mustKey(t, ep, keyRequest(), 1),
	} {
		assert.NotEqual(t, base, k, name)
	}

	// Map order, JSON spacing and key order in schemas, and streaming do not matter.
	same := keyRequest()
	extra := map[string]any{}
	extra["chat_template_kwargs"] = map[string]any{"a": 1, "enable_thinking": false}
	extra["top_k"] = 20
	same.Generation.Extra = extra
	same.Tools[0].Parameters = []byte(`{ "properties": {"bbox": {"type": "array"}}, "type": "object" }`)
	stream := true
	same.Generation.Stream = &stream
	assert.Equal(t, base, mustKey(t, ep, same, 0))
	copied := keyRequest()
	copied.Messages[1].Parts[1].Image.Data = append([]byte(nil), copied.Messages[1].Parts[1].Image.Data...)
	assert.Equal(t, base, mustKey(t, ep, copied, 0), "an image is keyed by its bytes, not where they are")

	bad := keyRequest()
	bad.Generation.Extra["f"] = func() {}
	_, err := runners.RequestKey(ep, bad)
	require.Error(t, err)
}

// countingModel is a Model that answers "answer to <last message text>" and counts its calls;
// it fails or answers empty when told to.
type countingModel struct {
	calls atomic.Int64
	fail  atomic.Bool
	empty atomic.Bool
}

func (m *countingModel) Chat(_ context.Context, req *runners.ChatRequest) (*runners.ChatResponse, error) {
	m.calls.Add(1)
	if m.fail.Load() {
		return nil, statusErr(500, 0)
	}
	if m.empty.Load() {
		return &runners.ChatResponse{FinishReason: "length", Usage: runners.Usage{Prompt: 5, Total: 5}}, nil
	}
	last := req.Messages[len(req.Messages)-1]
	return &runners.ChatResponse{
		Content: "answer to " + last.Text(), Reasoning: "thought", FinishReason: "stop",
		ToolCalls: []runners.ToolCall{{ID: "x", Name: "t", Arguments: "{}"}},
		Usage:     runners.Usage{Prompt: 10, Completion: 3, Total: 13}, Latency: time.Second,
	}, nil
}

func cacheQ(text string) *runners.ChatRequest {
	return &runners.ChatRequest{Messages: []runners.Message{runners.TextMessage(runners.RoleUser, text)}}
}

func TestCacheAnswersASecondPassWithoutTheModel(t *testing.T) {
	t.Parallel()
	c := openCache(t)
	inner := &countingModel{}
	m := runners.WithCache(inner, c, runners.CacheReadWrite, "ep")
	ctx := context.Background()
	first, err := m.Chat(ctx, cacheQ("q1"))
	require.NoError(t, err)
	assert.False(t, first.Cached)
	again, err := m.Chat(ctx, cacheQ("q1"))
	require.NoError(t, err)
	assert.Equal(t, int64(1), inner.calls.Load())
	assert.True(t, again.Cached)
	assert.Zero(t, again.Latency)
	want := *first
	want.Latency, want.Cached = 0, true
	assert.Equal(t, &want, again, "everything but latency kept, usage included")

	// A repeat is a different request.
	_, err = runners.ForRepeat(m, 1).Chat(ctx, cacheQ("q1"))
	require.NoError(t, err)
	assert.Equal(t, int64(2), inner.calls.Load())
	_, err = runners.ForRepeat(m, 0).Chat(ctx, cacheQ("q1"))
	require.NoError(t, err)
	assert.Equal(t, int64(2), inner.calls.Load(), "repeat 0 is the request as it is")

	st := c.Stats()
	assert.Equal(t, int64(2), st.Hits)
	assert.Equal(t, int64(2), st.Misses)
	assert.Equal(t, int64(2), st.Writes)
	assert.Zero(t, st.Failures)
}

func TestCacheNeverStoresErrorsOrEmptyAnswers(t *testing.T) {
	t.Parallel()
	c := openCache(t)
	inner := &countingModel{}
	m := runners.WithCache(inner, c, runners.CacheReadWrite, "ep")
	ctx := context.Background()

	inner.fail.Store(true)
	_, err := m.Chat(ctx, cacheQ("q"))
	require.Error(t, err)
	inner.fail.Store(false)
	inner.empty.Store(true)
	resp, err := m.Chat(ctx, cacheQ("q"))
	require.NoError(t, err)
	assert.Empty(t, resp.Content)
	inner.empty.Store(false)
	resp, err = m.Chat(ctx, cacheQ("q"))
	require.NoError(t, err)
	assert.False(t, resp.Cached, "neither the error nor the empty answer was stored")
	assert.Equal(t, "answer to q", resp.Content)
	assert.Equal(t, int64(3), inner.calls.Load())
	assert.Equal(t, int64(1), c.Stats().Skipped)
}

func TestCacheModes(t *testing.T) {
	t.Parallel()
	c := openCache(t)
	ctx := context.Background()
	inner := &countingModel{}

	_, _ = runners.WithCache(inner, c, runners.CacheRead, "ep").Chat(ctx, cacheQ("q"))
	_, _ = runners.WithCache(inner, c, runners.CacheRead, "ep").Chat(ctx, cacheQ("q"))
	assert.Equal(t, int64(2), inner.calls.Load(), "read does not store")

	_, _ = runners.WithCache(inner, c, runners.CacheWrite, "ep").Chat(ctx, cacheQ("q"))
	_, _ = runners.WithCache(inner, c, runners.CacheWrite, "ep").Chat(ctx, cacheQ("q"))
	assert.Equal(t, int64(4), inner.calls.Load(), "write does not read")

	resp, _ := runners.WithCache(inner, c, runners.CacheRead, "ep").Chat(ctx, cacheQ("q"))
	assert.True(t, resp.Cached, "but it stored")
	resp, _ = runners.WithCache(inner, c, runners.CacheReadWrite, "other endpoint").Chat(ctx, cacheQ("q"))
	assert.False(t, resp.Cached, "the endpoint is part of the key")
	assert.Same(t, runners.Model(inner), runners.WithCache(inner, c, runners.CacheOff, "ep"))
	assert.Same(t, runners.Model(inner), runners.WithCache(inner, nil, runners.CacheReadWrite, "ep"))

	for s, want := range map[string]runners.CacheMode{"": runners.CacheOff, "off": runners.CacheOff, "read": runners.CacheRead,
		"write": runners.CacheWrite, "readwrite": runners.CacheReadWrite} {
		got, err := runners.ParseCacheMode(s)
		require.NoError(t, err)
		assert.Equal(t, want, got)
	}
	_, err := runners.ParseCacheMode("rw")
	require.Error(t, err)
}

// cacheChildEnv, when set to a cache file, makes TestCacheIsSharedBetweenProcesses the
// second process: it writes its entries and ends.
const cacheChildEnv = "REALX_TEST_CACHE_CHILD"

// fillCache asks m the questions prefix-0 … prefix-(n-1), eight at a time.
func fillCache(t *testing.T, m runners.Model, prefix string, n int) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			_, err := m.Chat(context.Background(), cacheQ(fmt.Sprintf("%s-%d", prefix, i)))
			assert.NoError(t, err)
		}()
	}
	wg.Wait()
}

// TestCacheIsSharedBetweenProcesses writes one cache file from this process and a child
// process at once, as the shards of a run do, and reads every entry back.
func TestCacheIsSharedBetweenProcesses(t *testing.T) {
	t.Parallel()
	const n = 100
	if path := os.Getenv(cacheChildEnv); path != "" {
		c, err := runners.OpenCache(path)
		require.NoError(t, err)
		defer c.Close()
		fillCache(t, runners.WithCache(&countingModel{}, c, runners.CacheReadWrite, "ep"), "child", n)
		require.Zero(t, c.Stats().Failures, "%v", c.Stats().LastError)
		return
	}
	path := filepath.Join(t.TempDir(), "cache.db")
	c, err := runners.OpenCache(path)
	require.NoError(t, err)
	defer c.Close()
	child := exec.Command(os.Args[0], "-test.run=^TestCacheIsSharedBetweenProcesses$", "-test.count=1")
	child.Env = append(os.Environ(), cacheChildEnv+"="+path)
	var out strings.Builder
	child.Stdout, child.Stderr = &out, &out
	require.NoError(t, child.Start())
	inner := &countingModel{}
	m := runners.WithCache(inner, c, runners.CacheReadWrite, "ep")
	fillCache(t, m, "parent", n)
	require.NoError(t, child.Wait(), "the child process: %s", out.String())
	require.Zero(t, c.Stats().Failures, "%v", c.Stats().LastError)
	for _, prefix := range []string{"parent", "child"} {
		for i := range n {
			resp, err := m.Chat(context.Background(), cacheQ(fmt.Sprintf("%s-%d", prefix, i)))
			require.NoError(t, err)
			assert.True(t, resp.Cached, "%s-%d", prefix, i)
		}
	}
	assert.Equal(t, int64(n), inner.calls.Load(), "only the parent's own first asks reached its model")
}

func TestCacheFailureFallsThroughToTheModel(t *testing.T) {
	t.Parallel()
	c, err := runners.OpenCache(filepath.Join(t.TempDir(), "cache.db"))
	require.NoError(t, err)
	require.NoError(t, c.Close()) // every read and write now fails
	inner := &countingModel{}
	resp, err := runners.WithCache(inner, c, runners.CacheReadWrite, "ep").Chat(context.Background(), cacheQ("q"))
	require.NoError(t, err)
	assert.Equal(t, "answer to q", resp.Content)
	st := c.Stats()
	assert.Equal(t, int64(2), st.Failures)
	require.Error(t, st.LastError)

	_, err = runners.OpenCache("")
	require.Error(t, err)
	_, err = runners.OpenCache(filepath.Join(t.TempDir(), "what?.db"))
	require.Error(t, err)
}

// BenchmarkRequestKey keys a two-turn request with a 438 KiB image (the size of the
// scheduling benchmark's JPEG).
func BenchmarkRequestKey(b *testing.B) {
	req := keyRequest()
	req.Messages[1].Parts[1].Image.Data = make([]byte, 438<<10)
	b.SetBytes(int64(len(req.Messages[1].Parts[1].Image.Data)))
	for b.Loop() {
		if _, err := runners.RequestKey("http://localhost:8000/v1 qwen", req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCacheHit answers a small request from the cache: its key and one SQLite lookup.
func BenchmarkCacheHit(b *testing.B) {
	c, err := runners.OpenCache(filepath.Join(b.TempDir(), "cache.db"))
	require.NoError(b, err)
	defer c.Close()
	m := runners.WithCache(&countingModel{}, c, runners.CacheReadWrite, "ep")
	req := keyRequest()
	ctx := context.Background()
	_, err = m.Chat(ctx, req)
	require.NoError(b, err)
	for b.Loop() {
		if resp, err := m.Chat(ctx, req); err != nil || !resp.Cached {
			b.Fatal(err)
		}
	}
}

// seedModel answers with the seed and the repeat index of each request.
type seedModel struct{}

func (seedModel) Chat(_ context.Context, req *runners.ChatRequest) (*runners.ChatResponse, error) {
	seed := -1
	if req.Generation.Seed != nil {
		seed = *req.Generation.Seed
	}
	return &runners.ChatResponse{Content: fmt.Sprintf("seed %d repeat %d", seed, req.Repeat)}, nil
}

// TestForRepeat sends repeat i with the request's seed plus i, and leaves the caller's request
// as it was.
func TestForRepeat(t *testing.T) {
	t.Parallel()
	seed := 10
	req := &runners.ChatRequest{Generation: tasks.Generation{Seed: &seed}}
	for i, want := range []string{"seed 10 repeat 0", "seed 11 repeat 1", "seed 13 repeat 3"} {
		repeat := []int{0, 1, 3}[i]
		resp, err := runners.ForRepeat(seedModel{}, repeat).Chat(context.Background(), req)
		require.NoError(t, err)
		assert.Equal(t, want, resp.Content)
	}
	assert.Equal(t, 10, *req.Generation.Seed)
	assert.Zero(t, req.Repeat)
	resp, err := runners.ForRepeat(seedModel{}, 2).Chat(context.Background(), &runners.ChatRequest{})
	require.NoError(t, err)
	assert.Equal(t, "seed -1 repeat 2", resp.Content, "no seed, none sent")
}
