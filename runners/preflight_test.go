package runners_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/runners"
)

// closedPort returns a base URL on which nothing listens.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return "http://" + addr + "/v1"
}

// endpoint is a fake endpoint whose answers the test chooses by path; it records the paths
// asked, in order.
type endpoint struct {
	mu    sync.Mutex
	paths []string
}

func (e *endpoint) start(t *testing.T, answer func(path string) (int, string)) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.mu.Lock()
		e.paths = append(e.paths, r.Method+" "+r.URL.Path)
		e.mu.Unlock()
		status, body := answer(r.URL.Path)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/v1"
}

func (e *endpoint) asked() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.paths...)
}

func preflight(base, model string) (*runners.Served, error) {
	ep := runners.Endpoint{BaseURL: base, Model: model, APIKey: "sk-secret-secret"}
	return runners.Preflight(context.Background(), ep, runners.NewOpenAI(ep))
}

const modelList = `{"object":"list","data":[{"id":"qwen","object":"model"},{"id":"llava","object":"model"}]}`

// TestPreflight: one GET /models tells a closed port, a refused key, a model list; where the
// endpoint has no list, one chat of one token tells a wrong path or an unknown model.
func TestPreflight(t *testing.T) {
	t.Parallel()
	_, err := preflight(closedPort(t), "qwen")
	var ee *runners.EndpointError
	require.ErrorAs(t, err, &ee)
	assert.Contains(t, err.Error(), "cannot be reached; is the server running")
	assert.Equal(t, "qwen", ee.Model)

	for _, status := range []int{401, 403} {
		var e endpoint
		base := e.start(t, func(string) (int, string) {
			return status, `{"error":{"message":"Incorrect API key provided: sk-secret-secret","type":"invalid_request_error","code":"invalid_api_key"}}`
		})
		_, err := preflight(base, "qwen")
		require.ErrorAs(t, err, &ee, status)
		assert.Contains(t, err.Error(), "refuses the key")
		assert.NotContains(t, err.Error(), "sk-secret-secret")
		assert.Equal(t, []string{"GET /v1/models"}, e.asked(), "one request")
	}

	var listed endpoint
	base := listed.start(t, func(string) (int, string) { return 200, modelList })
	served, err := preflight(base, "qwen")
	require.NoError(t, err)
	assert.Equal(t, &runners.Served{Models: []string{"llava", "qwen"}, Listed: true}, served)
	served, err = preflight(base, "gpt-4o")
	require.NoError(t, err, "a model the list does not name may still be served (a gateway)")
	assert.False(t, served.Listed)
	assert.Equal(t, []string{"GET /v1/models", "GET /v1/models"}, listed.asked())

	var wrongPath endpoint
	base = wrongPath.start(t, func(string) (int, string) { return 404, `{"detail":"Not Found"}` })
	_, err = preflight(strings.TrimSuffix(base, "/v1"), "qwen")
	require.ErrorAs(t, err, &ee)
	assert.Contains(t, err.Error(), "no OpenAI-compatible API at that path (a base URL usually ends in /v1)")
	assert.Equal(t, []string{"GET /models", "POST /chat/completions"}, wrongPath.asked())

	var noList endpoint
	base = noList.start(t, func(path string) (int, string) {
		if strings.HasSuffix(path, "/models") {
			return 404, `{"detail":"Not Found"}`
		}
		return 200, `{"id":"x","object":"chat.completion","created":1,"model":"qwen","choices":[{"index":0,"message":{"role":"assistant","content":"OK"},"finish_reason":"length"}],"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}}`
	})
	served, err = preflight(base, "qwen")
	require.NoError(t, err)
	assert.True(t, served.Chatted)

	var down endpoint
	base = down.start(t, func(string) (int, string) { return 503, `{"error":{"message":"loading"}}` })
	_, err = preflight(base, "qwen")
	assert.NoError(t, err, "an endpoint that is starting may serve the run once it has")
}

// TestUnusable tells the errors every request would meet from those of one request.
func TestUnusable(t *testing.T) {
	t.Parallel()
	m := runners.NewOpenAI(runners.Endpoint{BaseURL: closedPort(t), Model: "m"})
	_, err := m.Chat(context.Background(), &runners.ChatRequest{Messages: []runners.Message{runners.TextMessage(runners.RoleUser, "hi")}})
	require.Error(t, err)
	assert.Contains(t, runners.Unusable(err), "cannot be reached")
	for status, want := range map[int]string{401: "refuses the key", 403: "refuses the key", 404: "no such model", 400: "", 500: "", 429: ""} {
		assert.Contains(t, runners.Unusable(&runners.ModelError{Status: status, Err: errors.New("x")}), want, status)
		if want == "" {
			assert.Empty(t, runners.Unusable(&runners.ModelError{Status: status, Err: errors.New("x")}), status)
		}
	}
	assert.Empty(t, runners.Unusable(context.DeadlineExceeded))
}
