package runners_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/runnertest"
	"github.com/realx-bench/realx/tasks"
)

func TestOpenAIErrorClassification(t *testing.T) {
	cases := []struct {
		name      string
		reply     runnertest.Reply
		status    int
		retryable bool
		wait      time.Duration
		contains  string
	}{
		{"429", runnertest.Reply{Status: 429, Header: map[string]string{"Retry-After": "2"}}, 429, true, 2 * time.Second, "rate_limit_exceeded"},
		{"429 ms", runnertest.Reply{Status: 429, Header: map[string]string{"retry-after-ms": "1500"}}, 429, true, 1500 * time.Millisecond, "HTTP 429"},
		{"500", runnertest.Reply{Status: 500}, 500, true, 0, "HTTP 500"},
		{"503", runnertest.Reply{Status: 503}, 503, true, 0, "HTTP 503"},
		{"502 html", runnertest.Reply{Status: 502, Body: "<html>\n<h1>502 Bad Gateway</h1>\n</html>", Header: map[string]string{"Content-Type": "text/html"}}, 502, true, 0, "<h1>502 Bad Gateway</h1>"},
		{"400", runnertest.Reply{Status: 400, Body: `{"error":{"message":"This model's maximum context length is 32768 tokens.","type":"BadRequestError","param":null,"code":400}}`}, 400, false, 0, "maximum context length"},
		{"401", runnertest.Reply{Status: 401}, 401, false, 0, "invalid_api_key"},
		{"404", runnertest.Reply{Status: 404}, 404, false, 0, "HTTP 404"},
		{"reset", runnertest.Reply{Reset: true}, 0, true, 0, ""},
		{"cut body", runnertest.Reply{Content: "a long enough answer to cut", CutAfter: 40}, 200, true, 0, ""},
		{"cut stream early", runnertest.Reply{Content: "a long enough answer to cut", CutAfter: 2}, 200, true, 0, ""},
		{"stream without DONE", runnertest.Reply{Content: "complete but no terminator", CutAfter: 1000}, 200, true, 0, ""},
		{"200 not json", runnertest.Reply{Body: "<html>hello</html>"}, 200, false, 0, ""},
	}
	for _, c := range cases {
		modes(t, func(t *testing.T, gen tasks.Generation) {
			stream := gen.Stream != nil
			if (strings.HasPrefix(c.name, "cut stream") || c.name == "stream without DONE") && !stream {
				return
			}
			if c.name == "cut body" && stream {
				return
			}
			t.Run(c.name, func(t *testing.T) {
				m, srv := newClient(t, "m")
				srv.Script(c.reply)
				resp, err := m.Chat(context.Background(), ask("q", gen))
				require.Error(t, err)
				assert.Nil(t, resp)
				var me *runners.ModelError
				require.ErrorAs(t, err, &me)
				assert.Equal(t, c.status, me.Status)
				assert.Equal(t, c.retryable, me.Retryable, "%v", err)
				assert.Equal(t, c.wait, me.RetryAfter)
				assert.Contains(t, err.Error(), c.contains)
				assert.NotContains(t, err.Error(), testKey)
				assert.NotContains(t, err.Error(), "\n", "error text is one line")
			})
		})
	}
}

func TestOpenAIConnectionRefused(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	m := runners.NewOpenAI(runners.Endpoint{BaseURL: "http://" + addr + "/v1", Model: "m", APIKey: testKey})
	_, err = m.Chat(context.Background(), ask("q", tasks.Generation{}))
	var me *runners.ModelError
	require.ErrorAs(t, err, &me)
	assert.True(t, me.Retryable)
	assert.Zero(t, me.Status)
	assert.NotContains(t, err.Error(), testKey)
}

func TestOpenAICallerCancelIsNotRetryable(t *testing.T) {
	modes(t, func(t *testing.T, gen tasks.Generation) {
		m, srv := newClient(t, "m")
		srv.Script(runnertest.Reply{Content: "late", Delay: 5 * time.Second})
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		_, err := m.Chat(ctx, ask("q", gen))
		var me *runners.ModelError
		require.ErrorAs(t, err, &me)
		assert.False(t, me.Retryable, "the caller gave up")
		assert.ErrorIs(t, err, context.DeadlineExceeded)
	})
}

func TestOpenAIKeyNeverInErrors(t *testing.T) {
	modes(t, func(t *testing.T, gen tasks.Generation) {
		m, srv := newClient(t, "m")
		// A careless proxy echoes the key back.
		srv.Script(
			runnertest.Reply{Status: 401, Body: `{"error":{"message":"Incorrect API key provided: ` + testKey + `.","type":"invalid_request_error","code":"invalid_api_key"}}`},
			runnertest.Reply{Status: 403, Body: "forbidden for Bearer " + testKey},
		)
		for range 2 {
			_, err := m.Chat(context.Background(), ask("q", gen))
			require.Error(t, err)
			var me *runners.ModelError
			require.ErrorAs(t, err, &me)
			assert.False(t, me.Retryable)
			for e := error(err); e != nil; e = errors.Unwrap(e) {
				assert.NotContains(t, e.Error(), testKey)
				assert.NotContains(t, fmt.Sprintf("%+v", e), testKey)
			}
			assert.Contains(t, err.Error(), "[redacted]")
		}
		for _, r := range srv.Requests() {
			assert.Equal(t, "Bearer "+testKey, r.Header.Get("Authorization"))
		}
	})
}

// TestOpenAIRedactionKeepsErrors takes a key out of error text only where it stands as the
// secret: a short placeholder key ("x", "EMPTY") is not cut out of ordinary words, and a
// redacted error is still the error it was (a cancelled call stays context.Canceled).
func TestOpenAIRedactionKeepsErrors(t *testing.T) {
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, key := range []string{"x", "n", "EMPTY", "e"} {
		m := runners.NewOpenAI(runners.Endpoint{BaseURL: "http://127.0.0.1:1/v1", Model: "m", APIKey: key})
		_, err := m.Chat(canceled, ask("q", tasks.Generation{}))
		require.Error(t, err)
		assert.ErrorIs(t, err, context.Canceled, key)
		assert.Contains(t, err.Error(), "context canceled", key)
		assert.NotContains(t, err.Error(), "[redacted]", key)
	}

	// A long key in the text (here in the endpoint's URL) is redacted, and the error is
	// still context.Canceled.
	m := runners.NewOpenAI(runners.Endpoint{BaseURL: "http://127.0.0.1:1/" + testKey + "/v1", Model: "m", APIKey: testKey})
	_, err := m.Chat(canceled, ask("q", tasks.Generation{}))
	require.Error(t, err)
	assert.ErrorIs(t, err, context.Canceled)
	assert.NotContains(t, err.Error(), testKey)
	assert.Contains(t, err.Error(), "/[redacted]/v1")
	for e := error(err); e != nil; e = errors.Unwrap(e) {
		assert.NotContains(t, e.Error(), testKey)
	}

	// A short key is redacted where it is the bearer token, and only there.
	srv := runnertest.NewServer(t)
	m = runners.NewOpenAI(runners.Endpoint{BaseURL: srv.URL(), Model: "m", APIKey: "x"})
	srv.Script(runnertest.Reply{Status: 403, Body: "bad token: Bearer x, expected Bearer xyz"})
	_, err = m.Chat(context.Background(), ask("q", tasks.Generation{}))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "bad token: Bearer [redacted], expected Bearer xyz")
}

func TestOpenAINoChoices(t *testing.T) {
	m, srv := newClient(t, "m")
	srv.Script(runnertest.Reply{Body: `{"id":"x","object":"chat.completion","created":1,"model":"m","choices":[],"usage":{"prompt_tokens":1,"completion_tokens":0,"total_tokens":1}}`})
	_, err := m.Chat(context.Background(), ask("q", tasks.Generation{}))
	var me *runners.ModelError
	require.ErrorAs(t, err, &me)
	assert.Contains(t, err.Error(), "no choices")
	assert.False(t, me.Retryable)
}
