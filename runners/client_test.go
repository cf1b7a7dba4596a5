package runners_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/runnertest"
)

// TestClientsShareAnEndpointsThrottle gives two models on one endpoint and key one Throttle,
// and another key another; every answer the endpoint gives is observed, a cached one is not.
func TestClientsShareAnEndpointsThrottle(t *testing.T) {
	t.Parallel()
	srv := runnertest.NewServer(t)
	srv.Handle(func(*runnertest.Request) runnertest.Reply { return runnertest.Reply{Content: "ok"} })
	cache, err := runners.OpenCache(filepath.Join(t.TempDir(), "responses.sqlite"))
	require.NoError(t, err)
	t.Cleanup(func() { cache.Close() })
	c := runners.NewClients(nil)

	cfg := runners.ThrottleConfig{MaxConcurrency: 4}
	a, err := c.Throttle(runners.Endpoint{BaseURL: srv.URL(), Model: "a"}, cfg)
	require.NoError(t, err)
	b, err := c.Throttle(runners.Endpoint{BaseURL: srv.URL() + "/", Model: "b"}, cfg)
	require.NoError(t, err)
	assert.Same(t, a, b, "one endpoint, one key: one throttle")
	other, err := c.Throttle(runners.Endpoint{BaseURL: srv.URL(), Model: "a", APIKey: "k"}, cfg)
	require.NoError(t, err)
	assert.NotSame(t, a, other, "another key is another account's limits")

	var mu sync.Mutex
	var seen []string
	m, err := c.Model(runners.Endpoint{BaseURL: srv.URL(), Model: "a"}, runners.CallPolicy{Throttle: cfg,
		Observe: func(resp *runners.ChatResponse, err error) {
			mu.Lock()
			defer mu.Unlock()
			require.NoError(t, err)
			seen = append(seen, resp.Content)
		}})
	require.NoError(t, err)
	c.SetCache(cache, runners.CacheReadWrite) // a model made before the cache uses it too
	req := &runners.ChatRequest{Messages: []runners.Message{runners.TextMessage(runners.RoleUser, "hi")}}
	for range 2 {
		resp, err := m.Chat(context.Background(), req)
		require.NoError(t, err)
		assert.Equal(t, "ok", resp.Content)
	}
	assert.Equal(t, []string{"ok"}, seen, "the second answer came from the cache")
	assert.Len(t, srv.Requests(), 1)
	assert.Equal(t, 1, a.Stats().Calls, "the call went through the endpoint's throttle")
	assert.Same(t, cache, c.Cache())
}
